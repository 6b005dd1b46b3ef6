/*
 * vmx/exit.c - names of exit reasons and of failed VM entries, and the
 * guest-register half of the dump.
 *
 * Context: VMX root. A failed entry comes in three classes (SDM Vol. 3C,
 * "VM Entries"): VMfailInvalid, VMfailValid with the VM-instruction error
 * (vmx_instruction_error_name), or a VM exit with bit 31 set (33 invalid
 * guest state, 34 MSR loading, 41 machine check); the names are here, the
 * decision to end the VM is the policy layer's (vmm/exit.c).
 */
#include "vmx/exit.h"
#include "kernel/console.h"

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

const char *vmx_invalid_state_detail(uint64_t qual)
{
	switch (qual) {
	case 2: return "qualification 2: failure loading PDPTEs";
	case 3: return "qualification 3: NMI injection with blocking by NMI";
	case 4: return "qualification 4: invalid VMCS link pointer";
	}
	return "qualification 0: a guest-state check failed (Bochs' log names it)";
}

void guest_regs_dump(const struct guest_regs *r)
{
	kprintf("[hv]   RAX %016lx RCX %016lx RDX %016lx RBX %016lx\n", r->rax, r->rcx, r->rdx, r->rbx);
	kprintf("[hv]   RBP %016lx RSI %016lx RDI %016lx CR2 %016lx\n", r->rbp, r->rsi, r->rdi, r->cr2);
	kprintf("[hv]   R8  %016lx R9  %016lx R10 %016lx R11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	kprintf("[hv]   R12 %016lx R13 %016lx R14 %016lx R15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
}
