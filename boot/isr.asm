; boot/isr.asm - entry stubs for the 32 CPU exception vectors.
;
; Context: any pCPU in VMX root operation or during boot (64-bit mode).
; Each stub makes the stack look the same whatever the vector (the CPU pushes
; an error code only for some vectors, SDM Vol. 3A, "Error Code"), saves every
; general register and calls the C handler whose address kernel/trap.c stored
; in isr_handler (trap_handler(struct trap_frame *)): this file names no C
; symbol, so the boot layer does not call up into the kernel.
; The frame layout below must match struct trap_frame; kernel/trap.c checks the
; offsets at compile time.


%macro EXC_NOERR 1
isr_%1:
	push 0                  ; dummy error code
	push %1                 ; vector
	jmp isr_common
%endmacro

%macro EXC_ERR 1
isr_%1:
	push %1                 ; vector (the CPU already pushed the error code)
	jmp isr_common
%endmacro

section .text
EXC_NOERR 0     ; #DE
EXC_NOERR 1     ; #DB
EXC_NOERR 2     ; NMI
EXC_NOERR 3     ; #BP
EXC_NOERR 4     ; #OF
EXC_NOERR 5     ; #BR
EXC_NOERR 6     ; #UD
EXC_NOERR 7     ; #NM
EXC_ERR   8     ; #DF
EXC_NOERR 9     ; coprocessor segment overrun
EXC_ERR   10    ; #TS
EXC_ERR   11    ; #NP
EXC_ERR   12    ; #SS
EXC_ERR   13    ; #GP
EXC_ERR   14    ; #PF
EXC_NOERR 15    ; reserved
EXC_NOERR 16    ; #MF
EXC_ERR   17    ; #AC
EXC_NOERR 18    ; #MC
EXC_NOERR 19    ; #XM
EXC_NOERR 20    ; #VE
EXC_ERR   21    ; #CP
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR   29    ; #VC
EXC_ERR   30    ; #SX
EXC_NOERR 31

; Stack on arrival here, from RSP up: vector, error, RIP, CS, RFLAGS, RSP, SS.
isr_common:
	push r15                ; the pushes build struct trap_frame downwards:
	push r14                ; rax ends up at the lowest address (offset 0)
	push r13
	push r12
	push r11
	push r10
	push r9
	push r8
	push rbp
	push rdi
	push rsi
	push rdx
	push rcx
	push rbx
	push rax
	mov rdi, rsp            ; argument: struct trap_frame *
	mov rbx, rsp            ; RBX is callee-saved: it brings the frame back
	and rsp, ~15            ; SysV ABI: 16-byte aligned stack at the call
	call [rel isr_handler]  ; trap_handler(): returns only when the trap was handled
	mov rsp, rbx
	pop rax
	pop rbx
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	pop rbp
	pop r8
	pop r9
	pop r10
	pop r11
	pop r12
	pop r13
	pop r14
	pop r15
	add rsp, 16             ; drop vector and error code
	iretq

section .data
align 8
global isr_handler
isr_handler:                    ; set by kernel/trap.c:idt_load before the IDT is loaded
	dq 0

section .rodata
align 8
global isr_table
isr_table:                      ; kernel/trap.c installs these 32 entry points in the IDT
%assign i 0
%rep 32
	dq isr_ %+ i
%assign i i+1
%endrep
