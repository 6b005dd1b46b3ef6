/*
 * vmx/vmcs.c - checked VMREAD/VMWRITE, field names, the full VMCS dump, and
 * the VM-instruction error names.
 *
 * Context: VMX root operation, on the pCPU where the VMCS is current.
 */
#include "vmx/vmcs.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/platform.h"

static const struct {
	uint32_t enc;
	const char *name;
} vmcs_names[] = {
#define VMCS_NAME(name, enc) { enc, #name },
	VMCS_FIELDS(VMCS_NAME)
#undef VMCS_NAME
};

const char *vmcs_field_name(uint32_t field)
{
	for (size_t i = 0; i < ARRAY_SIZE(vmcs_names); i++)
		if (vmcs_names[i].enc == field)
			return vmcs_names[i].name;
	return NULL;
}

/* SDM Vol. 3C, "VM Instruction Error Numbers" */
static const char *const vm_instruction_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmx_instruction_error_name(uint32_t err)
{
	if (err < ARRAY_SIZE(vm_instruction_errors) && vm_instruction_errors[err])
		return vm_instruction_errors[err];
	return "unknown VM-instruction error";
}

void vmx_insn_fatal(const char *insn, uint64_t operand, uint64_t value,
		    enum vmx_result r, const char *caller)
{
	if (r == VMX_FAIL_INVALID) {
		kprintf("[hv] vmx: %s %#lx (value %#lx) in %s(): VMfailInvalid "
			"(CF=1: no current VMCS or a bad operand)\n", insn, operand, value, caller);
	} else {
		uint64_t err = 0;
		vmread_raw(VM_INSTRUCTION_ERROR, &err);
		kprintf("[hv] vmx: %s %#lx (value %#lx) in %s(): VMfailValid, VM-instruction "
			"error %lu: %s\n", insn, operand, value, caller, err,
			vmx_instruction_error_name((uint32_t)err));
	}
	panic("VMX instruction %s failed on pcpu %u", insn,
	      percpu_ready() ? this_cpu()->cpu_id : 0);
}

/* After a failed VMREAD/VMWRITE: VMfailValid leaves a current VMCS whose
 * VM-instruction error field can be read; VMfailInvalid means there is none. */
static enum vmx_result failure_class(void)
{
	uint64_t err;
	return vmread_raw(VM_INSTRUCTION_ERROR, &err) == VMX_SUCCEED ? VMX_FAIL_VALID
								     : VMX_FAIL_INVALID;
}

void vmcs_read_failed(uint32_t field, const char *caller)
{
	enum vmx_result r = failure_class();
	const char *name = vmcs_field_name(field);
	kprintf("[hv] vmx: VMREAD of %s failed\n", name ? name : "(unnamed field)");
	vmx_insn_fatal("vmread", field, 0, r, caller);
}

void vmcs_write_failed(uint32_t field, uint64_t value, const char *caller)
{
	enum vmx_result r = failure_class();
	const char *name = vmcs_field_name(field);
	kprintf("[hv] vmx: VMWRITE of %s = %#lx failed\n", name ? name : "(unnamed field)", value);
	vmx_insn_fatal("vmwrite", field, value, r, caller);
}

void vmcs_dump(void)
{
	static const char *const widths[] = { "16-bit", "64-bit", "32-bit", "natural-width" };
	static const char *const types[] = { "control", "exit info", "guest", "host" };
	int last_group = -1;

	kprintf("[hv] ---- VMCS dump (pcpu %u) ----\n", percpu_ready() ? this_cpu()->cpu_id : 0);
	for (size_t i = 0; i < ARRAY_SIZE(vmcs_names); i++) {
		uint32_t enc = vmcs_names[i].enc;
		int group = (int)(VMCS_WIDTH(enc) * 4 + ((enc >> 10) & 3));
		uint64_t v;

		if (group != last_group) {
			kprintf("[hv] [%s %s]\n", widths[VMCS_WIDTH(enc)], types[(enc >> 10) & 3]);
			last_group = group;
		}
		if (vmread_raw(enc, &v) == VMX_SUCCEED)
			kprintf("[hv]   %-30s 0x%016lx\n", vmcs_names[i].name, v);
		else
			kprintf("[hv]   %-30s n/a\n", vmcs_names[i].name);
	}
	kprintf("[hv] ---- end of VMCS dump ----\n");
}
