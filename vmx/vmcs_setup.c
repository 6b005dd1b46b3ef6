/*
 * vmx/vmcs_setup.c - the initial contents of a guest's VMCS.
 *
 * Context: VMX root, the vCPU's VMCS current on this pCPU. The checks these
 * values must pass are in SDM Vol. 3C, "Checks on VMX Controls and Host-State
 * Area" and "Checks on the Guest State Area"; the ones Bochs caught us on
 * are listed in docs/platform.md and noted below where they apply.
 *
 * The guest starts as Multiboot says (Multiboot Specification, "Machine
 * state"): 32-bit protected mode with paging off, flat 4 GiB code and data
 * segments, EAX = 0x2BADB002, EBX = the Multiboot information. Paging off
 * with CR0.PE = 1 needs "unrestricted guest" with EPT.
 */
#include "vmx/vmcs_setup.h"
#include "lib/x86.h"
#include "kernel/arch.h"
#include "kernel/gdt.h"
#include "kernel/mem.h"
#include "lib/msr.h"
#include "kernel/percpu.h"
#include "kernel/console.h"
#include "kernel/trap.h"
#include "vmx/guest_regs.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vmx/vmx_defs.h"

/* Segment access rights (SDM Vol. 3C, "Guest Segment Registers"): type in
 * 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16. */
#define AR_CODE32_FLAT      0xC09B   /* execute/read, accessed, P, D, G (Bochs wants "accessed") */
#define AR_DATA32_FLAT      0xC093   /* read/write, accessed, P, D, G */
#define AR_TSS32_BUSY       0x008B   /* busy 32-bit TSS: type 11, not 9 */
#define AR_UNUSABLE         0x10000
#define GUEST_CS_SEL        0x08
#define GUEST_DS_SEL        0x10
#define FLAT_LIMIT          0xFFFFFFFF
#define TSS_MIN_LIMIT       0x67

#define PAT_POWER_ON        0x0007040600070406ULL

extern char vmx_exit_stub_addr[] __asm__("vmx_exit_stub");

static void init_host_state(void)
{
	/* SDM Vol. 3C, "Host-State Area": RPL and TI of every selector 0, TR
	 * not null, CS not null, SS not null when the host is 64-bit. */
	vmcs_writenat(HOST_CR0, read_cr0());
	vmcs_writenat(HOST_CR4, read_cr4());
	/* The same on every pCPU: one page table, one IDT. */
	vmcs_writenat(HOST_CR3, read_cr3());
	vmcs_writenat(HOST_IDTR_BASE, idt_base());
	vmcs_writenat(HOST_GDTR_BASE, gdt_base());   /* one GDT; a TSS descriptor per pCPU */
	vmcs_write16(HOST_CS_SELECTOR, GDT_KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, GDT_KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, GDT_KERNEL_DS);
	vmcs_write16(HOST_ES_SELECTOR, GDT_KERNEL_DS);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_writenat(HOST_FS_BASE, 0);
	vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_writenat(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub_addr);
	/* HOST_RSP is written by vmx_run() each time it is called. */
	vmcs_write_host_state(this_cpu()->cpu_id);
}

static void init_controls(const struct vmcs_resources *res)
{
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx_ctls.pin);
	/* CR8 is the guest's TPR: either every MOV to/from CR8 exits, or the
	 * TPR shadow keeps it in the virtual-APIC page at offset 0x80 (SDM
	 * Vol. 3C, "Virtualizing CR8-Based TPR Accesses"); the threshold starts
	 * at 0 (no interrupt waits for the TPR to drop). */
	uint32_t proc = vmx_ctls.proc;
	if (res->vapic_page_pa) {
		assert(vmx_ctls.tpr_shadow);
		proc = (proc & ~(uint32_t)(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING)) |
		       CPU_BASED_TPR_SHADOW;
		vmcs_write64(VIRTUAL_APIC_PAGE_ADDR, res->vapic_page_pa);
		vmcs_write32(TPR_THRESHOLD, 0);
	}
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	/* TSC scaling only for the VM that asked (tsc_khz=): the vCPUs of
	 * every other VM run at the host's rate with no multiplier to read. */
	assert(!res->tsc_scaling || vmx_ctls.tsc_scaling);
	uint32_t proc2 = vmx_ctls.proc2 | (res->tsc_scaling ? SECONDARY_EXEC_TSC_SCALING : 0);
	/* apicv=on (SDM Vol. 3C, "APIC Virtualization and Virtual Interrupts"):
	 * guest accesses to its xAPIC page, which the EPT maps to the
	 * APIC-access page, read the virtual-APIC page; writes go there and
	 * exit after the fact (APIC-write) except TPR and EOI; interrupts in
	 * the virtual IRR are delivered by the CPU (RVI/SVI in the guest
	 * interrupt status; no EOI exits: the EOI-exit bitmap is 0). */
	if (res->apic_access_pa) {
		assert(res->vapic_page_pa && vmx_ctls.apic_virt);
		proc2 |= APICV_SECONDARY_BITS;
		vmcs_write64(APIC_ACCESS_ADDR, res->apic_access_pa);
		vmcs_write64(EOI_EXIT_BITMAP0, 0);
		vmcs_write64(EOI_EXIT_BITMAP1, 0);
		vmcs_write64(EOI_EXIT_BITMAP2, 0);
		vmcs_write64(EOI_EXIT_BITMAP3, 0);
		vmcs_write16(GUEST_INTR_STATUS, 0);
	}
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	/* The exceptions the policy layer intercepts (#AC and #DB: a guest
	 * must not be able to make their delivery loop inside the CPU; SDM
	 * Vol. 3C, "Exception Bitmap"). */
	vmcs_write32(EXCEPTION_BITMAP, res->exception_bitmap);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write64(IO_BITMAP_A, res->io_bitmap_pa);
	vmcs_write64(IO_BITMAP_B, res->io_bitmap_pa + PAGE_SIZE);
	vmcs_write64(MSR_BITMAP, res->msr_bitmap_pa);
	vmcs_write64(TSC_OFFSET, 0);
	vmcs_write64(EPT_POINTER, res->eptp);
	if (vmx_ctls.vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, res->vpid);

	/* CR0.NE and CR4.VMXE are the bits VMX still fixes for an unrestricted
	 * guest: own them, and show the guest the values it expects. A mask of
	 * 0 would let the guest's own "mov cr4" clear VMXE and take a #GP. */
	vmcs_writenat(CR0_GUEST_HOST_MASK, vmx_guest_cr0_fixed1_bits());
	vmcs_writenat(CR0_READ_SHADOW, CR0_PE | CR0_ET | CR0_NE);
	vmcs_writenat(CR4_GUEST_HOST_MASK, vmx_cr4_fixed1_bits());
	vmcs_writenat(CR4_READ_SHADOW, 0);

	vmcs_write32(VM_EXIT_CONTROLS, vmx_ctls.exit);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_CONTROLS, vmx_ctls.entry);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
}

static void init_segment_flat(uint32_t sel_field, uint32_t base_field, uint32_t limit_field,
			      uint32_t ar_field, uint16_t sel, uint32_t ar)
{
	__vmcs_write(sel_field, sel, __func__);
	__vmcs_write(base_field, 0, __func__);
	__vmcs_write(limit_field, FLAT_LIMIT, __func__);
	__vmcs_write(ar_field, ar, __func__);
}

static void init_guest_state(uint32_t entry_eip)
{
	vmcs_writenat(GUEST_CR0, CR0_PE | CR0_ET | vmx_guest_cr0_fixed1_bits());
	vmcs_writenat(GUEST_CR3, 0);
	vmcs_writenat(GUEST_CR4, vmx_cr4_fixed1_bits());
	vmcs_writenat(GUEST_DR7, DR7_INIT);

	init_segment_flat(GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES,
			  GUEST_CS_SEL, AR_CODE32_FLAT);
	init_segment_flat(GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES,
			  GUEST_DS_SEL, AR_DATA32_FLAT);
	init_segment_flat(GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES,
			  GUEST_DS_SEL, AR_DATA32_FLAT);
	init_segment_flat(GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES,
			  GUEST_DS_SEL, AR_DATA32_FLAT);
	init_segment_flat(GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES,
			  GUEST_DS_SEL, AR_DATA32_FLAT);
	init_segment_flat(GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES,
			  GUEST_DS_SEL, AR_DATA32_FLAT);

	/* TR must be usable and busy, TI clear; LDTR may be unusable. */
	vmcs_write16(GUEST_TR_SELECTOR, 0);
	vmcs_writenat(GUEST_TR_BASE, 0);
	vmcs_write32(GUEST_TR_LIMIT, TSS_MIN_LIMIT);
	vmcs_write32(GUEST_TR_AR_BYTES, AR_TSS32_BUSY);
	vmcs_write16(GUEST_LDTR_SELECTOR, 0);
	vmcs_writenat(GUEST_LDTR_BASE, 0);
	vmcs_write32(GUEST_LDTR_LIMIT, 0);
	vmcs_write32(GUEST_LDTR_AR_BYTES, AR_UNUSABLE);

	/* Multiboot leaves GDTR and IDTR undefined: the OS loads its own. */
	vmcs_writenat(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0);
	vmcs_writenat(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0);

	vmcs_writenat(GUEST_RIP, entry_eip);
	vmcs_writenat(GUEST_RSP, 0);
	vmcs_writenat(GUEST_RFLAGS, RFLAGS_RESERVED1);   /* IF = 0, as Multiboot says */
	vmcs_write64(GUEST_IA32_EFER, 0);
	vmcs_write64(GUEST_IA32_PAT, PAT_POWER_ON);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writenat(GUEST_SYSENTER_ESP, 0);
	vmcs_writenat(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write64(VMCS_LINK_POINTER, VMCS_LINK_POINTER_NONE);   /* else exit 33, qualification 4 */
}

/* Real mode as after a SIPI (SDM Vol. 3A, "MP Initialization Protocol
 * Algorithm"; docs/platform.md, "Real-mode guests work"): CS selector = vector
 * << 8, base = vector << 12, IP = 0, 64 KiB segments, paging and protection
 * off (unrestricted guest), IA-32e mode off. The general registers are 0. */
#define AR_CODE16           0x009B
#define AR_DATA16           0x0093
#define REALMODE_LIMIT      0xFFFF
#define SIPI_CS_SHIFT       8
#define SIPI_BASE_SHIFT     12

static void init_segment_real(uint32_t sel_field, uint32_t base_field, uint32_t limit_field,
			      uint32_t ar_field, uint16_t sel, uint64_t base, uint32_t ar)
{
	__vmcs_write(sel_field, sel, __func__);
	__vmcs_write(base_field, base, __func__);
	__vmcs_write(limit_field, REALMODE_LIMIT, __func__);
	__vmcs_write(ar_field, ar, __func__);
}

void vmcs_init_realmode(struct guest_regs *regs, uint8_t vector)
{
	uint16_t cs = (uint16_t)vector << SIPI_CS_SHIFT;

	vmcs_writenat(GUEST_CR0, CR0_ET | vmx_guest_cr0_fixed1_bits());
	vmcs_writenat(CR0_READ_SHADOW, CR0_ET | CR0_NE);
	vmcs_writenat(GUEST_CR3, 0);
	vmcs_writenat(GUEST_CR4, vmx_cr4_fixed1_bits());
	vmcs_writenat(CR4_READ_SHADOW, 0);
	vmcs_write64(GUEST_IA32_EFER, 0);
	vmcs_write32(VM_ENTRY_CONTROLS, vmcs_read32(VM_ENTRY_CONTROLS) & ~VM_ENTRY_IA32E_MODE_GUEST);
	init_segment_real(GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES,
			  cs, (uint64_t)vector << SIPI_BASE_SHIFT, AR_CODE16);
	init_segment_real(GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES,
			  0, 0, AR_DATA16);
	init_segment_real(GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES,
			  0, 0, AR_DATA16);
	init_segment_real(GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES,
			  0, 0, AR_DATA16);
	init_segment_real(GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES,
			  0, 0, AR_DATA16);
	init_segment_real(GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES,
			  0, 0, AR_DATA16);
	vmcs_writenat(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, REALMODE_LIMIT);
	vmcs_writenat(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, REALMODE_LIMIT);
	vmcs_writenat(GUEST_RIP, 0);
	vmcs_writenat(GUEST_RSP, 0);
	vmcs_writenat(GUEST_RFLAGS, RFLAGS_RESERVED1);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	*regs = (struct guest_regs){ .cr2 = 0 };
}

void vmcs_init_multiboot(const struct vmcs_resources *res, struct guest_regs *regs,
			 uint32_t entry_eip, uint32_t eax, uint32_t ebx)
{
	init_host_state();
	init_controls(res);
	init_guest_state(entry_eip);
	*regs = (struct guest_regs){ 0 };
	regs->rax = eax;
	regs->rbx = ebx;
}

/* The 32-bit boot protocol's entry state (Linux's
 * Documentation/arch/x86/boot.rst, "32-bit Boot Protocol"): a loaded GDT
 * with flat 4 GiB __BOOT_CS and __BOOT_DS, CS = __BOOT_CS, DS = ES = SS =
 * __BOOT_DS (FS and GS too: "must be" only for the first four, flat for
 * all is simplest), paging and interrupts off, ESI = the zero page, EBX =
 * EBP = EDI = 0. */
void vmcs_init_linux32(const struct vmcs_resources *res, struct guest_regs *regs,
		       uint32_t entry_eip, uint32_t zero_page, uint32_t gdt_base,
		       uint16_t gdt_limit, uint16_t cs_sel, uint16_t ds_sel)
{
	init_host_state();
	init_controls(res);
	init_guest_state(entry_eip);
	vmcs_write16(GUEST_CS_SELECTOR, cs_sel);
	vmcs_write16(GUEST_SS_SELECTOR, ds_sel);
	vmcs_write16(GUEST_DS_SELECTOR, ds_sel);
	vmcs_write16(GUEST_ES_SELECTOR, ds_sel);
	vmcs_write16(GUEST_FS_SELECTOR, ds_sel);
	vmcs_write16(GUEST_GS_SELECTOR, ds_sel);
	vmcs_writenat(GUEST_GDTR_BASE, gdt_base);
	vmcs_write32(GUEST_GDTR_LIMIT, gdt_limit);
	*regs = (struct guest_regs){ 0 };
	regs->rsi = zero_page;
}
