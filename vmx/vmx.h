/*
 * vmx/vmx.h - VMX operation on a pCPU, and the control words we run with.
 *
 * Context: VMX root (kernel). Mechanism only: which controls a guest gets is
 * decided here from what the CPU allows; what the exits mean is vmm/'s job.
 */
#ifndef CV_VMX_H
#define CV_VMX_H

#include "lib/types.h"
#include "vmx/caps.h"

/* What vmx_probe() read on the boot CPU; every pCPU is assumed alike. */
extern struct vmx_caps_raw vmx_caps;

/* Set CR0/CR4 to the VMX fixed bits and execute VMXON on this pCPU.
 * Returns false (after printing why) when VMXON fails. */
bool vmx_cpu_enable(void);

struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
	bool vpid, tsc_scaling, rdtscp;
	bool tpr_shadow;          /* "use TPR shadow" allowed (apicv=tpr and on may use it) */
	bool apic_virt;           /* "virtualize APIC accesses", "APIC-register virtualization"
				   * and "virtual-interrupt delivery" all allowed (apicv=on) */
	bool ack_intr;            /* "acknowledge interrupt on exit" is on: host IPIs can kick */
};

/* The controls every guest VMCS uses, computed once from the TRUE capability
 * MSRs: required bits that are not allowed-1 are fatal, by name. */
extern struct vmx_controls vmx_ctls;
void vmx_controls_init(void);

/* CR0/CR4 bits VMX operation fixes to 1 (IA32_VMX_CR0/CR4_FIXED0). For an
 * unrestricted guest CR0.PE and CR0.PG are exempt (SDM Vol. 3C, "Checks on
 * Guest Control Registers, Debug Registers, and MSRs"). */
uint64_t vmx_guest_cr0_fixed1_bits(void);
uint64_t vmx_cr4_fixed1_bits(void);

#endif
