/*
 * vmx/caps.c - read this pCPU's VMX capabilities (CPUID and the VMX MSRs)
 * and print the named report.
 *
 * Context: kernel, VMX root-to-be: runs on each pCPU before VMXON, with
 * interrupts off. Reads only MSRs whose existence is established first,
 * because RDMSR of a missing MSR raises #GP (SDM Vol. 4, "Model-Specific
 * Registers"): nothing VMX unless CPUID says VMX, and each optional
 * capability MSR only when the MSR before it announces it. The decoding and
 * the verdict are pure C in vmx/caps_decode.c.
 *
 * SDM Vol. 3C, "Discovering Support for VMX" and "Enabling and Entering VMX
 * Operation"; SDM Vol. 3D, appendix "VMX Capability Reporting Facility":
 * "Basic VMX Information", "VM-Execution Controls", "VM-Exit Controls",
 * "VM-Entry Controls", "Miscellaneous Data", "VMX-Fixed Bits in CR0",
 * "VMX-Fixed Bits in CR4", "VMCS Enumeration", "VPID and EPT Capabilities",
 * "VM Functions".
 */
#include "vmx/caps.h"
#include "lib/x86.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/msr.h"


/*
 * Firmware normally locks IA32_FEATURE_CONTROL. If it left the MSR
 * unlocked, VMXON would raise #GP until software locks it, so enable VMX
 * outside SMX and lock it (the lock holds until the next reset). VMX inside
 * SMX stays off: setting it on a CPU without SMX raises #GP, and chronovisor
 * is not launched by GETSEC[SENTER].
 */
static void probe_feature_control(struct vmx_caps_raw *raw)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	raw->feature_control_we_locked = false;
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK |
		      FEATURE_CONTROL_VMX_OUTSIDE_SMX);
		fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
		raw->feature_control_we_locked = true;
	}
	raw->feature_control = fc;
}

/*
 * Which optional MSRs exist ("VMX Capability Reporting Facility"):
 * - IA32_VMX_TRUE_*_CTLS: only if IA32_VMX_BASIC bit 55 is 1; they then
 *   describe the controls exactly (default1 bits that may be 0 show as 0).
 * - IA32_VMX_PROCBASED_CTLS2: only if "activate secondary controls" may be
 *   1 (bit 63 of IA32_VMX_PROCBASED_CTLS).
 * - IA32_VMX_EPT_VPID_CAP: only if secondary controls exist and "enable
 *   EPT" or "enable VPID" may be 1.
 * - IA32_VMX_VMFUNC: only if secondary "enable VM functions" may be 1.
 */
static void probe_vmx_msrs(struct vmx_caps_raw *raw)
{
	bool true_ctls;

	raw->basic = rdmsr(MSR_IA32_VMX_BASIC);
	true_ctls = raw->basic & VMX_BASIC_TRUE_CTLS;
	raw->pinbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			      MSR_IA32_VMX_PINBASED_CTLS);
	raw->procbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			       MSR_IA32_VMX_PROCBASED_CTLS);
	raw->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			  MSR_IA32_VMX_EXIT_CTLS);
	raw->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			   MSR_IA32_VMX_ENTRY_CTLS);
	raw->misc = rdmsr(MSR_IA32_VMX_MISC);
	raw->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	raw->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	raw->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	raw->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	raw->vmcs_enum = rdmsr(MSR_IA32_VMX_VMCS_ENUM);

	/* The TRUE MSR's allowed-1 half equals the legacy one, so either
	 * tells whether the secondary controls exist. */
	raw->have_procbased2 = vmx_ctl_allowed1(raw->procbased,
					CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	raw->procbased2 = raw->have_procbased2 ?
			  rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;

	raw->have_ept_vpid = raw->have_procbased2 &&
		(vmx_ctl_allowed1(raw->procbased2, SECONDARY_EXEC_ENABLE_EPT) ||
		 vmx_ctl_allowed1(raw->procbased2, SECONDARY_EXEC_ENABLE_VPID));
	raw->ept_vpid = raw->have_ept_vpid ?
			rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;

	raw->have_vmfunc = raw->have_procbased2 &&
		vmx_ctl_allowed1(raw->procbased2, SECONDARY_EXEC_ENABLE_VMFUNC);
	raw->vmfunc = raw->have_vmfunc ? rdmsr(MSR_IA32_VMX_VMFUNC) : 0;
}

/* Every field is written (no memset: the kernel may not have one yet). */
static void clear_raw(struct vmx_caps_raw *raw)
{
	raw->cpuid1_ecx = 0;
	raw->feature_control = 0;
	raw->feature_control_we_locked = false;
	raw->basic = raw->pinbased = raw->procbased = 0;
	raw->exit = raw->entry = 0;
	raw->have_procbased2 = false;
	raw->procbased2 = 0;
	raw->have_ept_vpid = false;
	raw->ept_vpid = 0;
	raw->misc = raw->cr0_fixed0 = raw->cr0_fixed1 = 0;
	raw->cr4_fixed0 = raw->cr4_fixed1 = raw->vmcs_enum = 0;
	raw->have_vmfunc = false;
	raw->vmfunc = 0;
}

enum vmx_verdict vmx_probe(struct vmx_caps_raw *raw)
{
	clear_raw(raw);
	raw->cpuid1_ecx = cpuid(CPUID_LEAF_FEATURES, 0).ecx;
	if (raw->cpuid1_ecx & CPUID_1_ECX_VMX) {
		probe_feature_control(raw);
		probe_vmx_msrs(raw);
	}
	return vmx_caps_evaluate(raw, NULL, 0, NULL);
}

static void console_emit(void *ctx, const char *line)
{
	kprintf("%s\n", line);
}

void vmx_report(const struct vmx_caps_raw *raw)
{
	vmx_caps_format(raw, console_emit, NULL);
}
