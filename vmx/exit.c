/*
 * vmx/exit.c - VM-exit dispatch and the diagnosis of failed VM entries.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 * The dispatch table maps basic exit reasons to handlers in vmm/; the index
 * is bounds-checked, and an empty slot ends the VM with the full named VMCS
 * dump (STYLE.md: never "default: break"). A failed entry is decoded into
 * its class (SDM Vol. 3C, "VM Entries": VMfailInvalid, VMfailValid with the
 * VM-instruction error, or a VM exit with bit 31 set: 33 invalid guest
 * state, 34 MSR loading, 41 machine check) and also ends only that VM.
 */
#include "vmx/exit.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "vmx/exit_reasons.h"
#include "vmx/vmcs.h"

static const char *const exit_reason_names[EXIT_REASON_MAX] = {
#define EXIT_NAME(name, nr) [nr] = #name,
	EXIT_REASONS(EXIT_NAME)
#undef EXIT_NAME
};

const char *exit_reason_name(uint32_t basic)
{
	if (basic < EXIT_REASON_MAX && exit_reason_names[basic])
		return exit_reason_names[basic];
	return "UNKNOWN";
}

const exit_handler_t exit_handlers[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INVD] = handle_invd,
	[EXIT_REASON_VMCALL] = handle_vmcall,
	[EXIT_REASON_VMCLEAR] = handle_vmx_instruction,
	[EXIT_REASON_VMLAUNCH] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRLD] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRST] = handle_vmx_instruction,
	[EXIT_REASON_VMREAD] = handle_vmx_instruction,
	[EXIT_REASON_VMRESUME] = handle_vmx_instruction,
	[EXIT_REASON_VMWRITE] = handle_vmx_instruction,
	[EXIT_REASON_VMOFF] = handle_vmx_instruction,
	[EXIT_REASON_VMON] = handle_vmx_instruction,
	[EXIT_REASON_INVEPT] = handle_vmx_instruction,
	[EXIT_REASON_INVVPID] = handle_vmx_instruction,
	[EXIT_REASON_VMFUNC] = handle_vmx_instruction,
	[EXIT_REASON_GETSEC] = handle_vmx_instruction,
	[EXIT_REASON_CR_ACCESS] = handle_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = handle_io,
	[EXIT_REASON_MSR_READ] = handle_rdmsr,
	[EXIT_REASON_MSR_WRITE] = handle_wrmsr,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_PAUSE_INSTRUCTION] = handle_pause,
};

void vcpu_dump(struct vcpu *v)
{
	const struct guest_regs *r = &v->regs;

	kprintf("[hv] vm%u vcpu%u on pcpu %u: guest registers\n", v->vm->id, v->id,
		this_cpu()->cpu_id);
	kprintf("[hv]   RAX %016lx RCX %016lx RDX %016lx RBX %016lx\n", r->rax, r->rcx, r->rdx, r->rbx);
	kprintf("[hv]   RBP %016lx RSI %016lx RDI %016lx CR2 %016lx\n", r->rbp, r->rsi, r->rdi, r->cr2);
	kprintf("[hv]   R8  %016lx R9  %016lx R10 %016lx R11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	kprintf("[hv]   R12 %016lx R13 %016lx R14 %016lx R15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
	vmcs_dump();
}

void vmx_entry_failed(struct vcpu *v, int fail_class)
{
	if (fail_class == VMX_FAIL_INVALID) {
		vcpu_dump(v);
		vm_end(v->vm, VM_END_ENTRY_FAILED,
		       "VMfailInvalid (no valid current VMCS)");
		return;
	}
	uint32_t err = vmcs_read32(VM_INSTRUCTION_ERROR);
	vcpu_dump(v);
	vm_end(v->vm, VM_END_ENTRY_FAILED, "VMfailValid, error %u: %s",
	       err, vmx_instruction_error_name(err));
}

/* Exit qualification of exit 33, SDM Vol. 3C, "VM-Entry Failures During or
 * After Loading Guest State". */
static const char *invalid_state_detail(uint64_t qual)
{
	switch (qual) {
	case 2: return "qualification 2: failure loading PDPTEs";
	case 3: return "qualification 3: NMI injection with blocking by NMI";
	case 4: return "qualification 4: invalid VMCS link pointer";
	}
	return "qualification 0: a guest-state check failed (Bochs' log names it)";
}

void vmx_exit_unhandled(struct vcpu *v)
{
	uint32_t basic = EXIT_REASON_BASIC(v->exit_reason);

	vcpu_dump(v);
	if (v->exit_reason & EXIT_REASON_FAILED_VMENTRY) {
		/* A failed entry is not "launched": the next try must VMLAUNCH. */
		v->launched = false;
		vm_end(v->vm, VM_END_ENTRY_FAILED, "exit reason %u %s, %s", basic,
		       exit_reason_name(basic),
		       basic == EXIT_REASON_INVALID_STATE ? invalid_state_detail(v->exit_qualification)
							  : "see the dump");
		return;
	}
	vm_end(v->vm, VM_END_UNHANDLED_EXIT, "unhandled VM exit %u (%s), qualification %#lx, RIP %#lx",
	       basic, exit_reason_name(basic), v->exit_qualification, v->rip);
}
