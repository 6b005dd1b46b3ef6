; guest/lib/entry.asm - Multiboot1 header and the way from the loader to 64-bit C.
;
; Context: a test guest, first instructions, on its only CPU. The same entry
; serves three loaders, all in the Multiboot1 machine state (Multiboot
; Specification 0.6.96, "Machine state"): 32-bit protected mode, paging off,
; flat CS/DS, EAX = 0x2BADB002, EBX = physical address of the Multiboot
; information, no usable stack, IF = 0.
;   - qemu -kernel (the elf32-i386 copy of this image),
;   - GRUB (Bochs, real machines),
;   - chronovisor, which loads the guest into a VM (unrestricted guest, EPT).
;
; Steps: save EAX/EBX, zero .bss, check for long mode, identity-map the first
; 4 GiB with 2 MiB pages (the last GiB, where the xAPIC and other MMIO live,
; uncached), PAE, EFER.LME, paging (SDM Vol. 3A, "Initializing IA-32e Mode"),
; a 64-bit GDT, far jump to 64-bit code, guest_start(magic, mbi).
;
; Control-register bits are ORed in, never overwritten: UEFI firmware leaves
; CR0.WP and EFER.NXE set, and under chronovisor CR0.NE is the hypervisor's
; business (guest/host mask), so this code does not touch it.

MB_MAGIC        equ 0x1BADB002
MB_FLAG_ALIGN   equ 1 << 0          ; modules page aligned
MB_FLAG_MEMINFO equ 1 << 1          ; give us mem_* and the memory map
MB_FLAGS        equ MB_FLAG_ALIGN | MB_FLAG_MEMINFO

CR0_PE          equ 1 << 0
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xC0000080
EFER_LME        equ 1 << 8
PTE_P           equ 1 << 0
PTE_RW          equ 1 << 1
PTE_PWT         equ 1 << 3
PTE_PCD         equ 1 << 4
PTE_PS          equ 1 << 7          ; 2 MiB page in a page-directory entry
PD_ENTRIES      equ 512 * 4         ; four page directories: 4 GiB of 2 MiB pages
PD_MMIO_FIRST   equ 512 * 3         ; 3 GiB and up: MMIO hole, mapped uncached

COM1            equ 0x3F8
COM1_LSR        equ COM1 + 5
LSR_THRE        equ 1 << 5
ISA_DEBUG_EXIT  equ 0xF4
STACK_SIZE      equ 16384

GDT_CS64        equ 0x08
GDT_DS          equ 0x10

extern guest_start
extern __bss_start
extern __bss_end

section .multiboot
align 4
multiboot_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

section .text.boot
bits 32
global _start
_start:
	cli
	cld
	mov [boot_magic], eax           ; .data, not .bss: .bss is wiped next
	mov [boot_mbi], ebx

	; Multiboot loaders zero .bss; a careless one would leave junk in our page
	; tables, and this costs a few thousand instructions.
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	mov esp, stack_top

	; Long mode present? CPUID.80000001H:EDX.LM[bit 29]. Every target has
	; CPUID (the EFLAGS.ID probe is left out on purpose).
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
	mov eax, pdpt
	or eax, PTE_P | PTE_RW
	mov [pml4], eax

	xor ecx, ecx
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, page_dirs
	or eax, PTE_P | PTE_RW
	mov [pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt

	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21                     ; bits 31:21 of the physical address
	or eax, PTE_P | PTE_RW | PTE_PS
	cmp ecx, PD_MMIO_FIRST
	jb .cached
	or eax, PTE_PCD | PTE_PWT       ; strong uncacheable with the reset PAT
.cached:
	mov [page_dirs + ecx * 8], eax  ; the high half stays 0 (below 4 GiB)
	inc ecx
	cmp ecx, PD_ENTRIES
	jb .fill_pd

	mov eax, pml4
	mov cr3, eax

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr

	mov eax, cr0
	or eax, CR0_PG | CR0_PE
	mov cr0, eax

	lgdt [gdt_ptr]
	jmp GDT_CS64:long_mode_entry

.no_long_mode:
	; Say why on COM1 in the verdict format, then end as exit(1) would.
	mov esi, msg_no_long_mode
.putc:
	lodsb
	test al, al
	jz .stop
	mov bl, al
	mov dx, COM1_LSR
.wait_thre:
	in al, dx
	test al, LSR_THRE
	jz .wait_thre
	mov dx, COM1
	mov al, bl
	out dx, al
	jmp .putc
.stop:
	mov al, 1
	out ISA_DEBUG_EXIT, al
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, GDT_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, stack_top              ; 16-byte aligned: the call makes it ABI-correct
	xor ebp, ebp                    ; ends frame-pointer backtraces
	mov edi, [boot_magic]           ; guest_start(uint32_t magic, uint32_t mbi)
	mov esi, [boot_mbi]
	call guest_start
.hang:                              ; guest_start never returns
	cli
	hlt
	jmp .hang

section .rodata
msg_no_long_mode:
	db "guest: this CPU has no long mode", 10, "RESULT: FAIL", 10, 0

align 8
gdt:
	dq 0                            ; null
	dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0 (L=1, D=0)
	dq 0x00CF92000000FFFF           ; 0x10: flat data, DPL 0
gdt_end:

gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt

section .data
global boot_magic
global boot_mbi
align 4
boot_magic: dd 0
boot_mbi:   dd 0

section .bss
align 4096
pml4:       resb 4096
pdpt:       resb 4096
page_dirs:  resb 4096 * 4
align 16
stack:      resb STACK_SIZE
stack_top:
