; boot/entry.asm - Multiboot1 and Multiboot2 headers and the way from the boot loader to 64-bit C.
;
; Context: runs once on the boot CPU, straight from GRUB or qemu -kernel.
; Both protocols enter here in the same state (Multiboot Specification 0.6.96,
; "Machine state"; Multiboot2 Specification 2.0, "I386 machine state"):
; 32-bit protected mode, paging off, flat CS/DS, EBX = physical address of the
; information, no usable stack, IF = 0; EAX = 0x2BADB002 (Multiboot1) or
; 0x36D76289 (Multiboot2). kmain tells the two apart by EAX.
; The Multiboot2 header asks for no EFI boot-services tags (types 7, 8, 9), so
; GRUB's multiboot2 on UEFI exits boot services and enters in that same i386
; state too (never the EFI amd64 state with boot services alive). Under UEFI,
; CR0.WP and EFER.NXE may arrive set: we OR our bits in.
;
; Steps: save EAX/EBX, check for CPUID and long mode (print a clear message and
; halt when absent), build identity page tables for the first 4 GiB with 2 MiB
; pages, enable PAE, EFER.LME and paging (SDM Vol. 3A, "Initializing IA-32e
; Mode"), load a 64-bit GDT, far-jump to 64-bit code, set the stack-protector
; canary, call kmain(magic, mbi).
; kernel/gdt.c later replaces this GDT with the full one (a TSS per CPU slot),
; and kernel/paging.c these page tables with the final ones (4 KiB pages with
; rights for the image, NX for the rest, unmapped stack guard pages).

MB_MAGIC        equ 0x1BADB002
MB_FLAG_ALIGN   equ 1 << 0          ; modules page aligned
MB_FLAG_MEMINFO equ 1 << 1          ; give us mem_* and the memory map
MB_FLAGS        equ MB_FLAG_ALIGN | MB_FLAG_MEMINFO

%include "x86.inc"
PTE_P           equ 1 << 0
PTE_RW          equ 1 << 1
PTE_PS          equ 1 << 7          ; 2 MiB page in a page-directory entry

COM1            equ 0x3F8
BOOT_STACK_SIZE equ 16384
PAGE_SIZE       equ 4096
CPUID_1_ECX_RDRAND equ 30           ; bit number, SDM Vol. 2A, "CPUID"
RDRAND_RETRIES  equ 10              ; SDM Vol. 1, "Random Number Generator Instructions"
CANARY_MIX      equ 0x9E3779B97F4A7C15  ; odd constant: spreads the TSC's low bits

; Multiboot2 header (Multiboot2 Specification 2.0, "Header layout" and
; "Header tags"): 8-byte aligned, in the first 32 KiB of the file.
MB2_MAGIC        equ 0xE85250D6
MB2_ARCH_I386    equ 0                 ; 32-bit protected mode entry
MB2_TAG_END      equ 0
MB2_TAG_INFO_REQ equ 1                 ; information request
MB2_TAG_OPTIONAL equ 1                 ; tag flag: the loader may ignore it
; Information tags asked for (kernel/multiboot2.h lists them all)
MB2_INFO_CMDLINE     equ 1
MB2_INFO_MODULE      equ 3
MB2_INFO_MMAP        equ 6
MB2_INFO_FRAMEBUFFER equ 8
MB2_INFO_ACPI_OLD    equ 14
MB2_INFO_ACPI_NEW    equ 15
MB2_INFO_EFI_MMAP    equ 17

section .multiboot
align 4
multiboot_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

; No framebuffer header tag (type 5): GRUB then keeps VGA text mode where
; the machine has it (BIOS: an EGA text framebuffer tag) and, where it does
; not (UEFI), still sets its default video mode and hands over that GOP
; framebuffer, which is what kernel/console.c expects. GRUB on UEFI prints
; "WARNING: no console will be available to OS" for a kernel without the
; framebuffer header tag; the warning is harmless here (checked with OVMF).
; With the tag, GRUB would switch BIOS machines to a graphics mode too.
align 8
multiboot2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd multiboot2_header_end - multiboot2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (multiboot2_header_end - multiboot2_header))
	align 8
.info_request:
	dw MB2_TAG_INFO_REQ, MB2_TAG_OPTIONAL
	dd .info_request_end - .info_request
	dd MB2_INFO_CMDLINE, MB2_INFO_MODULE, MB2_INFO_MMAP, MB2_INFO_FRAMEBUFFER
	dd MB2_INFO_ACPI_OLD, MB2_INFO_ACPI_NEW, MB2_INFO_EFI_MMAP
.info_request_end:
	align 8
	dw MB2_TAG_END, 0
	dd 8
multiboot2_header_end:

section .text.boot
bits 32
global _start
_start:
	cli
	cld
	mov [boot_magic], eax
	mov [boot_mbi], ebx
	mov esp, boot_stack_top

	; GRUB on some firmware leaves caching off (Bochs' BIOS sets CD and NW):
	; turn caching on, and set CR0.NE, which VMX operation requires anyway.
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)
	or eax, CR0_NE
	mov cr0, eax

	; CPUID present? (EFLAGS.ID toggles)
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	cmp eax, ecx
	je .no_long_mode

	; Long mode present? CPUID.80000001H:EDX.LM[bit 29]
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> PDPT; PDPT[0..3] -> four page directories; each PD maps 1 GiB
	; with 2 MiB pages: identity map of 0..4 GiB. Tables are in .bss (zeroed by
	; the loader, as Multiboot loads .bss as zero-filled memory).
	mov eax, boot_pdpt
	or eax, PTE_P | PTE_RW
	mov [boot_pml4], eax

	mov ecx, 0
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, PTE_P | PTE_RW
	mov [boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt

	mov ecx, 0                       ; 2048 entries of 2 MiB = 4 GiB
.fill_pd:
	mov eax, ecx
	shl eax, 21                      ; low 32 bits of the physical address
	or eax, PTE_P | PTE_RW | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                      ; bits 63:32 of the address
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov eax, boot_pml4
	mov cr3, eax

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax

	; OR our bit into EFER: UEFI firmware may leave NXE set, and we keep it.
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr

	mov eax, cr0
	or eax, CR0_PG | CR0_PE
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp BOOT_CS64:long_mode_entry

.no_long_mode:
	; The boot loader may have left COM1 in any mode (GRUB, kept off the
	; serial line, leaves it at 5 data bits): program 115200 8N1 first.
	mov dx, COM1 + 3
	mov al, 0x80                     ; LCR: DLAB on
	out dx, al
	mov dx, COM1
	mov al, 1                        ; divisor 1: 115200 baud
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03                     ; LCR: 8N1, DLAB off
	out dx, al
	mov esi, msg_no_long_mode
	call early_puts32
	; Wait for the transmitter to drain (LSR.TEMT), then end the run the
	; way kernel/platform.c does on an emulator: isa-debug-exit (QEMU), the
	; Bochs shutdown port. Real machines simply halt with the message.
	mov dx, COM1 + 5
.drain:
	in al, dx
	test al, 0x40
	jz .drain
	mov al, 1                        ; VERDICT_FAIL
	out 0xF4, al
	mov dx, 0x8900
	mov esi, msg_bochs_shutdown
.shutdown:
	lodsb
	test al, al
	jz .halt
	out dx, al
	jmp .shutdown
.halt:
	cli
	hlt
	jmp .halt

; early_puts32: print the NUL-terminated string at ESI on COM1, port 0xE9 and
; the VGA text screen, before any C code runs. Polls the UART's THR-empty bit.
early_puts32:
	mov edi, 0xB8000
.next:
	lodsb
	test al, al
	jz .done
	mov bl, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, bl
	out dx, al
	out 0xE9, al
	cmp bl, 10
	je .next
	mov ah, 0x4F                     ; white on red
	mov al, bl
	mov [edi], ax
	add edi, 2
	jmp .next
.done:
	ret

bits 64
long_mode_entry:
	mov ax, BOOT_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor rbp, rbp                     ; ends the frame-pointer chain for backtraces

	; Multiboot loaders zero .bss for us (it is part of the ELF memory size),
	; so nothing to do here.

	; The stack-protector canary (-fstack-protector-strong with a global
	; guard, lib/stack_protector.c), set before any C function runs, so no
	; live frame holds an older value. RDRAND where CPUID.1:ECX[30] shows it
	; (it may fail: CF = 0, retried), else the TSC stirred by a multiply.
	; The low byte is 0, so a string copy running over a buffer stops at it.
	mov eax, 1
	cpuid
	bt ecx, CPUID_1_ECX_RDRAND
	jnc .canary_tsc
	mov ecx, RDRAND_RETRIES
.canary_rdrand:
	rdrand rax
	jc .canary_from_rdrand
	dec ecx
	jnz .canary_rdrand
.canary_tsc:
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rdx, CANARY_MIX
	imul rax, rdx
	jmp .canary_store
.canary_from_rdrand:
	mov byte [boot_canary_rdrand], 1
.canary_store:
	xor al, al
	extern __stack_chk_guard
	mov [__stack_chk_guard], rax

	mov edi, [boot_magic]
	mov esi, [boot_mbi]
	extern kmain
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
msg_no_long_mode:
	db "chronovisor: this CPU has no 64-bit long mode (CPUID.80000001H:EDX.LM = 0);", 13, 10
	db "chronovisor needs an x86-64 CPU with Intel VMX. Halted.", 10
	db "RESULT: FAIL", 10, 0
msg_bochs_shutdown:
	db "Shutdown", 0

align 8
boot_gdt:
	dq 0                             ; null
	dq 0x00AF9A000000FFFF            ; 0x08: 64-bit code, DPL 0
	dq 0x00CF92000000FFFF            ; 0x10: data, DPL 0
boot_gdt_end:
BOOT_CS64 equ 0x08
BOOT_DS   equ 0x10

boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

section .data
global boot_magic, boot_mbi, boot_canary_rdrand
boot_magic: dd 0
boot_mbi:   dd 0
boot_canary_rdrand: db 0             ; 1: the canary came from RDRAND, 0: from the TSC

section .bss
align 4096
global boot_pml4
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4 * 4096
; The boot CPU's stack, with a guard page under it that kernel/paging.c
; leaves unmapped: an overflow faults instead of running into other data.
align PAGE_SIZE
global boot_stack_guard, boot_stack_top
boot_stack_guard: resb PAGE_SIZE
boot_stack: resb BOOT_STACK_SIZE
boot_stack_top:
