/*
 * vmx/controls.c - the VM-execution, VM-exit and VM-entry controls, computed
 * in one place from the capability MSRs.
 *
 * Context: kernel, boot CPU, once. SDM Vol. 3D, appendix "VMX Capability
 * Reporting Facility": bits 31:0 of a capability MSR are the allowed
 * 0-settings (a 1 there means the control must be 1), bits 63:32 the allowed
 * 1-settings. The TRUE_* MSRs are used when IA32_VMX_BASIC[55] says they
 * exist (vmx_probe() stored those), so default1 controls we do not want can
 * be cleared. Bochs rejects controls not adjusted this way with
 * VMfailValid 7 ("allowed 0-settings").
 */
#include "vmx/vmx.h"
#include "kernel/console.h"
#include "vmx/vmx_defs.h"
#include "vmx/tlb.h"

struct vmx_controls vmx_ctls;

static uint32_t adjust(const char *word, uint64_t cap, uint32_t required, uint32_t optional)
{
	uint32_t must1 = (uint32_t)cap;
	uint32_t may1 = (uint32_t)(cap >> 32);
	uint32_t missing = required & ~may1;

	if (missing) {
		for (unsigned b = 0; b < 32; b++) {
			if (!(missing & (1u << b)))
				continue;
			const char *name = "(unnamed)";
			for (size_t i = 0; i < vmx_nr_features; i++)
				if (vmx_features[i].mask == (1u << b))
					name = vmx_features[i].name;
			kprintf("[hv] vmx: required %s control bit %u (%s) is not allowed-1 on this CPU\n",
				word, b, name);
		}
		panic("VMX controls: %s lacks required bits %#x", word, missing);
	}
	return (required | (optional & may1) | must1) & may1;
}

void vmx_controls_init(void)
{
	struct vmx_controls *c = &vmx_ctls;

	/* Virtual NMIs: the guest's NMI blocking lives in its interruptibility
	 * state and NMI-window exiting is allowed (SDM Vol. 3C, "Pin-Based
	 * VM-Execution Controls"). */
	c->pin = adjust("pin-based", vmx_caps.pinbased,
			PIN_BASED_EXT_INTR_EXITING | PIN_BASED_NMI_EXITING |
			PIN_BASED_VIRTUAL_NMIS | PIN_BASED_VMX_PREEMPTION_TIMER, 0);
	/* CR8 exiting is the apicv=off default; a VMCS with the TPR shadow
	 * trades it for "use TPR shadow" (vmx/vmcs_setup.c). Interrupt- and
	 * NMI-window exiting are switched per entry (vmm/inject.c), so they
	 * are only checked here. */
	c->proc = adjust("primary processor-based", vmx_caps.procbased,
			 CPU_BASED_HLT_EXITING | CPU_BASED_USE_TSC_OFFSETTING |
			 CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS |
			 CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
			 CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0);
	(void)adjust("primary processor-based", vmx_caps.procbased,
		     CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING, 0);
	c->tpr_shadow = vmx_ctl_allowed1(vmx_caps.procbased, CPU_BASED_TPR_SHADOW);
	/* CR3 load/store exiting are default1: requested by nobody, they stay
	 * off wherever the TRUE controls allow it. */
	c->proc2 = adjust("secondary processor-based", vmx_caps.procbased2,
			  SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST |
			  SECONDARY_EXEC_ENABLE_RDTSCP,
			  SECONDARY_EXEC_ENABLE_VPID);
	c->exit = adjust("VM-exit", vmx_caps.exit,
			 VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_EFER | VM_EXIT_LOAD_EFER,
			 VM_EXIT_ACK_INTR_ON_EXIT);
	c->ack_intr = c->exit & VM_EXIT_ACK_INTR_ON_EXIT;
	c->entry = adjust("VM-entry", vmx_caps.entry, VM_ENTRY_LOAD_EFER, 0);
	/* IA-32e mode guest is not requested: it follows the guest's EFER.LMA,
	 * which the CPU stores into it at every exit (save EFER). */
	/* VPID only where INVVPID can flush a vCPU that moved (vmx/tlb.h). */
	if (!vmx_can_flush_vpid())
		c->proc2 &= ~(uint32_t)SECONDARY_EXEC_ENABLE_VPID;
	c->vpid = c->proc2 & SECONDARY_EXEC_ENABLE_VPID;
	c->rdtscp = c->proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;
	/* Not in proc2: set per VMCS, only for a VM with tsc_khz= (vmx/vmcs_setup.c). */
	c->tsc_scaling = vmx_ctl_allowed1(vmx_caps.procbased2, SECONDARY_EXEC_TSC_SCALING);

	kprintf("[hv] vmx: controls pin %#x proc %#x proc2 %#x exit %#x entry %#x%s%s%s\n",
		c->pin, c->proc, c->proc2, c->exit, c->entry, c->vpid ? " (VPID on)" : "",
		c->tpr_shadow ? " (TPR shadow available)" : "",
		c->ack_intr ? " (acknowledge interrupt on exit)" : "");
}
