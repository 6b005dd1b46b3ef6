; boot/trampoline.asm - where an application processor (AP) starts: real mode
; to long mode on the host page tables (kernel/paging.c), then C (ap_main in kernel/smp.c).
;
; Context: runs on each AP right after its STARTUP IPI, from a COPY of the
; bytes between trampoline_start and trampoline_end that kernel/smp.c places on
; a free page below 1 MiB (its address comes from the memory map, so this
; code does not know it when assembled). The AP starts in real mode with
; CS = page >> 4, IP = 0, interrupts off, caches in the INIT state
; (SDM Vol. 3A, "MP Initialization Protocol Algorithm for MP Systems" and
; "Processor State After Reset"). The blob lives in .rodata: it is never run
; in place.
;
; Position independence: everything is addressed relative to the page base,
; which the code computes from CS (EBX = CS << 4) and patches into the GDTR
; base and the two far pointers before using them.
;
; Parameters (written by kernel/smp.c into the copy before each STARTUP IPI;
; C finds each by its label, so no offset is written twice):
;   trampoline_cr3    physical address of the host PML4 (kernel/paging.c:paging_root)
;   trampoline_efer   EFER bits to set besides LME (the boot CPU's NXE, SCE)
;   trampoline_stack  top of this AP's stack (16-byte aligned)
;   trampoline_entry  address of ap_main(uint32_t cpu_id), never returns
;   trampoline_cpu_id dense pCPU id passed to ap_main
;
; Steps (SDM Vol. 3A, "Switching to Protected Mode" and "Initializing IA-32e
; Mode"): GDT, CR0.PE (and NE; CD/NW cleared: caching on, as on the boot
; CPU), far jump to 32-bit code, CR4.PAE, CR3, EFER.LME, CR0.PG, far jump to
; 64-bit code, stack, call ap_main.

%include "x86.inc"
REAL_MODE_SEGMENT_SHIFT equ 4       ; linear = segment << 4 in real mode

TR_CS32         equ 0x08            ; selectors of the trampoline's own GDT
TR_DS           equ 0x10
TR_CS64         equ 0x18

; offset of a label inside the blob (= inside the page it is copied to)
%define OFF(label) ((label) - trampoline_start)

section .rodata
align 16
global trampoline_start, trampoline_end
global trampoline_cr3, trampoline_efer, trampoline_stack, trampoline_entry, trampoline_cpu_id

bits 16
trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, REAL_MODE_SEGMENT_SHIFT ; EBX = linear address of this page

	; make the GDTR base and the far pointers absolute
	lea eax, [ebx + OFF(tr_gdt)]
	mov [OFF(tr_gdtr) + 2], eax
	lea eax, [ebx + OFF(tr_pm32)]
	mov [OFF(tr_far32)], eax
	lea eax, [ebx + OFF(tr_lm64)]
	mov [OFF(tr_far64)], eax

	o32 lgdt [OFF(tr_gdtr)]
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)
	or eax, CR0_PE | CR0_NE
	mov cr0, eax
	jmp far dword [OFF(tr_far32)]    ; loads CS = TR_CS32: 32-bit protected mode

bits 32
tr_pm32:
	mov ax, TR_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [ebx + OFF(trampoline_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER                ; OR our bits in: keep whatever is set
	rdmsr
	or eax, EFER_LME
	or eax, [ebx + OFF(trampoline_efer)]
	wrmsr
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax                     ; IA-32e mode active (compatibility mode)
	jmp far [ebx + OFF(tr_far64)]    ; loads CS = TR_CS64: 64-bit mode

bits 64
tr_lm64:
	mov ax, TR_DS
	mov ss, ax
	mov ebx, ebx                     ; upper halves are undefined after the mode switch
	mov rsp, [rbx + OFF(trampoline_stack)]
	xor ebp, ebp                     ; ends the frame-pointer chain for backtraces
	mov edi, [rbx + OFF(trampoline_cpu_id)]
	mov rax, [rbx + OFF(trampoline_entry)]
	call rax                         ; ap_main(cpu_id): never returns
.hang:
	cli
	hlt
	jmp .hang

align 8
tr_gdt:
	dq 0                             ; null
	dq 0x00CF9A000000FFFF            ; TR_CS32: 32-bit code, base 0, 4 GiB
	dq 0x00CF92000000FFFF            ; TR_DS:   data, base 0, 4 GiB
	dq 0x00AF9A000000FFFF            ; TR_CS64: 64-bit code
tr_gdt_end:
tr_gdtr:
	dw tr_gdt_end - tr_gdt - 1
	dd 0                             ; base: patched (linear address of tr_gdt)
align 4
tr_far32:
	dd 0                             ; offset: patched (linear address of tr_pm32)
	dw TR_CS32
align 4
tr_far64:
	dd 0                             ; offset: patched (linear address of tr_lm64)
	dw TR_CS64

align 8
trampoline_cr3:    dq 0
trampoline_efer:   dq 0
trampoline_stack:  dq 0
trampoline_entry:  dq 0
trampoline_cpu_id: dd 0
align 8
trampoline_end:
