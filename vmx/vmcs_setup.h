/*
 * vmx/vmcs_setup.h - filling a VMCS: controls, host state, initial guest state.
 *
 * Context: VMX root, with the vCPU's VMCS current on this pCPU.
 */
#ifndef CV_VMCS_SETUP_H
#define CV_VMCS_SETUP_H

#include "lib/types.h"
#include "kernel/gdt.h"
#include "kernel/percpu.h"
#include "vmx/guest_regs.h"
#include "vmx/vmcs.h"

/* What the policy layer gives a new VMCS: the VM's bitmaps and EPT, the
 * vCPU's VPID, and whether this VM's TSC runs at another rate. */
struct vmcs_resources {
	uint64_t io_bitmap_pa;        /* 8 KiB: bitmap A then B */
	uint64_t msr_bitmap_pa;       /* 4 KiB */
	uint64_t eptp;
	uint16_t vpid;                /* used when vmx_ctls.vpid */
	bool tsc_scaling;             /* set "use TSC scaling" (tsc_khz=) */
	uint64_t vapic_page_pa;       /* 0: CR8 exits (apicv=off); else "use TPR shadow" with
					 this virtual-APIC page (apicv=tpr, on) */
	uint64_t apic_access_pa;      /* non-0 (apicv=on): the APIC-access page; with it
					 "virtualize APIC accesses", "APIC-register
					 virtualization", "virtual-interrupt delivery" */
	uint32_t exception_bitmap;    /* the guest exceptions that exit (bit = vector) */
};

/* Everything a new vCPU's VMCS needs, in the order of the SDM's chapters
 * (host state, execution controls, exit, entry, guest state): the guest
 * starts in the Multiboot state at entry_eip with EAX = eax, EBX = ebx
 * (regs is cleared and gets them). */
void vmcs_init_multiboot(const struct vmcs_resources *res, struct guest_regs *regs,
			 uint32_t entry_eip, uint32_t eax, uint32_t ebx);

/* The same controls and host state, with the guest in the x86 boot
 * protocol's 32-bit entry state: flat segments with the selectors cs_sel
 * and ds_sel of the loader's GDT at gdt_base (GDTR loaded), ESI = zero_page,
 * the other general registers 0 (regs is cleared and gets ESI). */
void vmcs_init_linux32(const struct vmcs_resources *res, struct guest_regs *regs,
		       uint32_t entry_eip, uint32_t zero_page, uint32_t gdt_base,
		       uint16_t gdt_limit, uint16_t cs_sel, uint16_t ds_sel);

/* Start the (current) VMCS's guest in real mode at the SIPI vector's page,
 * as an AP after INIT-SIPI (regs is cleared). */
void vmcs_init_realmode(struct guest_regs *regs, uint8_t vector);

/* The host-state fields that differ between pCPUs (TR selector and base,
 * GS base), for pCPU cpu: written again whenever the VMCS will next exit
 * on another pCPU, by that pCPU at its load, or by the pCPU that hands the
 * vCPU over to it, before its VMCLEAR (vmm/run.c). CR3, the GDT and the
 * IDT are the same on every pCPU (written once). Inline: every move writes
 * them. */
static inline void vmcs_write_host_state(uint32_t cpu)
{
	vmcs_write16(HOST_TR_SELECTOR, GDT_TSS(cpu));
	vmcs_writenat(HOST_TR_BASE, (uint64_t)(uintptr_t)tss_of(cpu));
	vmcs_writenat(HOST_GS_BASE, (uint64_t)(uintptr_t)&percpu[cpu]);
}

#endif
