; guest/lib/isr.asm - entry stubs for the guest's IDT: exceptions (vectors
; 0-31) and interrupts (32-255).
;
; Context: a test guest in 64-bit mode, any exception or interrupt, any CPU.
; Each stub makes the frame uniform (a 0 error code where the CPU pushes
; none), pushes the vector and jumps to a common path that saves the general
; registers as a struct trap_frame (guest/lib/trap.h; the layout is checked
; there with _Static_assert) and calls the C handler with it:
; trap_handler(frame) for 0-31, irq_handler(frame) for 32-255
; (guest/lib/irq.c). The handler may change the saved RIP (exception
; fixups), then iretq resumes there. Interrupt gates: IF stays 0 in both
; handlers until iretq restores the interrupted RFLAGS.
;
; Stack on entry to the common path, lowest address first:
;   vector, error code, RIP, CS, RFLAGS, RSP, SS   (SDM Vol. 3A, "64-Bit Mode
;   Stack Frame"; the CPU aligns RSP to 16 before pushing its part)
; 15 pushes of 8 bytes follow: 176 bytes in all, so RSP stays 16-byte
; aligned at the call.

extern trap_handler
extern irq_handler

%macro ISR_NOERR 1
isr_%1:
	push 0                          ; no error code for this vector
	push %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_%1:
	push %1                         ; the CPU pushed the error code
	jmp isr_common
%endmacro

section .text
bits 64

; Vectors with an error code: #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14,
; #AC 17, #CP 21, #VC 29, #SX 30 (SDM Vol. 3A, "Exception and Interrupt Reference").
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

; Saves the general registers on top of vector and error code, calls the
; C handler %1(struct trap_frame *), restores them and returns.
%macro COMMON_PATH 1
	push r15                        ; frame offset 112
	push r14                        ; 104
	push r13                        ; 96
	push r12                        ; 88
	push r11                        ; 80
	push r10                        ; 72
	push r9                         ; 64
	push r8                         ; 56
	push rbp                        ; 48
	push rdi                        ; 40
	push rsi                        ; 32
	push rdx                        ; 24
	push rcx                        ; 16
	push rbx                        ; 8
	push rax                        ; 0
	cld                             ; the C ABI wants DF = 0
	mov rdi, rsp                    ; handler(struct trap_frame *)
	call %1
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
	add rsp, 16                     ; vector and error code
	iretq
%endmacro

isr_common:
	COMMON_PATH trap_handler

; Interrupts: no CPU-pushed error code on any vector from 32 up.
%assign v 32
%rep 224
isr_ %+ v:
	push 0
	push v
	jmp irq_common
%assign v v + 1
%endrep

irq_common:
	COMMON_PATH irq_handler

section .rodata
align 8
global isr_stubs
isr_stubs:                          ; const uint64_t isr_stubs[256], used by trap_init
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep
