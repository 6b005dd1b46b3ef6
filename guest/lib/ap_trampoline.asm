; guest/lib/ap_trampoline.asm - how an application processor gets from its
; STARTUP IPI to 64-bit C (smp_ap_main in guest/lib/smp.c).
;
; Context: a test guest's AP, first instructions after INIT-SIPI-SIPI, IF = 0.
; After a STARTUP IPI with vector V the CPU runs in real mode at CS = V << 8
; (base V << 12), IP = 0 (SDM Vol. 3A, "MP Initialization Protocol
; Algorithm"); chronovisor starts its vCPUs the same way. The BSP copies
; [ap_trampoline, ap_trampoline_end) to that page below 1 MiB (smp.c), so
; this part must run at any page: it addresses its own bytes through DS = CS
; only. Everything after the far jump runs where it was linked (1 MiB and
; up, in the image, identity mapped once paging is on).
;
; Steps (SDM Vol. 3A, "Initializing IA-32e Mode"), the boot CPU's path in
; entry.asm redone with its results:
;   real mode:  lgdt smp_gdt (absolute address, in the image), CR0.PE,
;               far jump to 32-bit code in the image;
;   32-bit:     flat data segments, CR3 = the boot CPU's page tables
;               (smp_ap_cr3), CR4.PAE, EFER.LME, CR0.PG (CR0.CD/NW cleared:
;               INIT leaves caching off), far jump to 64-bit code;
;   64-bit:     IDT = the boot CPU's (smp_ap_idtr), RSP = smp_ap_stack_top,
;               smp_ap_main(smp_ap_index).
; The BSP fills smp_ap_* before each STARTUP IPI and starts one AP at a
; time, waiting until that AP has moved off them (smp_ap_main says so), so
; these variables need no lock.
;
; smp_gdt keeps entry.asm's selectors (0x08 64-bit code, 0x10 data) and adds
; 0x18, 32-bit code for the way up; APs keep it for good.

CR0_PE          equ 1 << 0
CR0_NW          equ 1 << 29
CR0_CD          equ 1 << 30
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xC0000080
EFER_LME        equ 1 << 8

SEL_CODE64      equ 0x08
SEL_DATA        equ 0x10
SEL_CODE32      equ 0x18

extern smp_ap_main
extern smp_ap_cr3
extern smp_ap_stack_top
extern smp_ap_index
extern smp_ap_idtr

; ---- copied below 1 MiB: position independent, 16-bit ----
section .rodata
bits 16
global ap_trampoline
global ap_trampoline_end
ap_trampoline:
	cli
	cld
	mov ax, cs
	mov ds, ax                      ; DS:offset reaches this copy's bytes
	o32 lgdt [tramp_gdtr - ap_trampoline]   ; o32: all 32 bits of the base
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:ap_protected_mode  ; absolute: the image, not this copy

align 4
tramp_gdtr:
	dw smp_gdt_end - smp_gdt - 1
	dd smp_gdt
ap_trampoline_end:

; ---- in the image ----
section .text
bits 32
ap_protected_mode:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax

	mov eax, [smp_ap_cr3]           ; the BSP's PML4 (below 4 GiB)
	mov cr3, eax

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr

	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)     ; INIT sets both: caches off
	or eax, CR0_PG | CR0_PE
	mov cr0, eax

	jmp SEL_CODE64:ap_long_mode

bits 64
ap_long_mode:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	lidt [smp_ap_idtr]              ; the BSP's IDT: same handlers, same fixups
	mov rsp, [smp_ap_stack_top]     ; 16-byte aligned: the call makes it ABI-correct
	xor ebp, ebp                    ; ends frame-pointer backtraces
	mov edi, [smp_ap_index]         ; smp_ap_main(int index)
	call smp_ap_main
.hang:                              ; smp_ap_main never returns
	cli
	hlt
	jmp .hang

section .rodata
align 16
global smp_gdt
smp_gdt:
	dq 0                            ; null
	dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0 (L=1, D=0)
	dq 0x00CF92000000FFFF           ; 0x10: flat data, DPL 0
	dq 0x00CF9A000000FFFF           ; 0x18: flat 32-bit code, DPL 0 (D=1)
smp_gdt_end:
