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
#include "vmx/caps.h"
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

/* The required and optional bits of one control word, from the one table
 * of features (vmx/caps_decode.c: vmx_features): its VMX_SET entries. */
static void table_bits(enum vmx_cap_word word, uint32_t *required, uint32_t *optional)
{
	*required = *optional = 0;
	for (size_t i = 0; i < vmx_nr_features; i++) {
		const struct vmx_feature *f = &vmx_features[i];
		if (f->word != word || f->use != VMX_SET)
			continue;
		if (f->required)
			*required |= (uint32_t)f->mask;
		else
			*optional |= (uint32_t)f->mask;
	}
}

static uint32_t word_controls(const char *name, enum vmx_cap_word word, uint64_t cap)
{
	uint32_t required, optional;

	table_bits(word, &required, &optional);
	return adjust(name, cap, required, optional);
}

void vmx_controls_init(void)
{
	struct vmx_controls *c = &vmx_ctls;

	c->pin = word_controls("pin-based", VMX_CAP_PINBASED, vmx_caps.pinbased);
	/* CR8 exiting is the apicv=off default; a VMCS with the TPR shadow
	 * trades it for "use TPR shadow" (vmx/vmcs_setup.c). Interrupt- and
	 * NMI-window exiting are switched per entry (vmm/inject.c): the table
	 * marks them required but VMX_REPORT_ONLY. */
	c->proc = word_controls("primary processor-based", VMX_CAP_PROCBASED, vmx_caps.procbased);
	c->tpr_shadow = vmx_ctl_allowed1(vmx_caps.procbased, CPU_BASED_TPR_SHADOW);
	/* CR3 load/store exiting are default1: requested by nobody, they stay
	 * off wherever the TRUE controls allow it. */
	c->proc2 = word_controls("secondary processor-based", VMX_CAP_PROCBASED2,
				 vmx_caps.procbased2);
	c->exit = word_controls("VM-exit", VMX_CAP_EXIT, vmx_caps.exit);
	c->ack_intr = c->exit & VM_EXIT_ACK_INTR_ON_EXIT;
	c->entry = word_controls("VM-entry", VMX_CAP_ENTRY, vmx_caps.entry);
	/* IA-32e mode guest is VMX_REPORT_ONLY: it follows the guest's
	 * EFER.LMA, which the CPU stores into it at every exit (save EFER). */
	/* VPID only where INVVPID can flush a vCPU that moved (vmx/tlb.h). */
	if (!vmx_can_flush_vpid())
		c->proc2 &= ~(uint32_t)SECONDARY_EXEC_ENABLE_VPID;
	c->vpid = c->proc2 & SECONDARY_EXEC_ENABLE_VPID;
	c->rdtscp = c->proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;
	/* Not in proc2: set per VMCS, only for a VM with tsc_khz= (vmx/vmcs_setup.c). */
	c->tsc_scaling = vmx_ctl_allowed1(vmx_caps.procbased2, SECONDARY_EXEC_TSC_SCALING);
	/* Not in proc2 either: set per VMCS for apicv=on (vmx/vmcs_setup.c).
	 * Virtual-interrupt delivery needs external-interrupt exiting (SDM
	 * Vol. 3C, "VM-Execution Control Fields"), which pin always has. */
	c->apic_virt = c->tpr_shadow && (c->pin & PIN_BASED_EXT_INTR_EXITING) &&
		       vmx_ctl_allowed1(vmx_caps.procbased2, APICV_SECONDARY_BITS);

	kprintf("[hv] vmx: controls pin %#x proc %#x proc2 %#x exit %#x entry %#x%s%s%s%s\n",
		c->pin, c->proc, c->proc2, c->exit, c->entry, c->vpid ? " (VPID on)" : "",
		c->tpr_shadow ? " (TPR shadow available)" : "",
		c->apic_virt ? " (APIC virtualization available)" : "",
		c->ack_intr ? " (acknowledge interrupt on exit)" : "");
}
