/*
 * vmm/exit.c - the one dispatch of every VM exit, and what a failed entry or
 * an exit with no handler does to its VM.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current, called by
 * the exit stub (vmx/entry.asm) on the vmx_run stack with interrupts off.
 * The table maps basic exit reasons to handlers; the index is bounds-checked
 * and an empty slot ends the VM with the full named VMCS dump (docs/design.md,
 * "Code style": never "default: break"). A failed entry (SDM Vol. 3C,
 * "VM Entries") ends only that VM, named by vmx/exit.c.
 */
#include "vmm/exit.h"
#include "kernel/percpu.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/cpuid.h"
#include "vmm/dev/hypercall.h"
#include "vmm/dev/io.h"
#include "vmm/dev/lapic.h"
#include "vmm/dev/msr_emul.h"
#include "vmm/inject.h"
#include "vmm/options.h"
#include "vmm/time/tsc_sync.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"

static const exit_handler_t exit_handlers[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_REASON_NMI_WINDOW] = handle_nmi_window,
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
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = handle_tpr_below_threshold,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_PAUSE_INSTRUCTION] = handle_pause,
};

void vmm_entry_failed(struct vcpu *v, int fail_class)
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

/* A failed entry (exit reason bit 31: 33, 34, 41) or an exit without a
 * handler: dump, name it, end the VM. Off the hot path. */
static __attribute__((noinline)) void exit_unhandled(struct vcpu *v)
{
	uint32_t basic = EXIT_REASON_BASIC(v->exit_reason);

	vcpu_capture_vectoring(v);
	vcpu_exit_qualification(v);
	vcpu_dump(v);
	if (v->exit_reason & EXIT_REASON_FAILED_VMENTRY) {
		/* A failed entry is not "launched": the next try must VMLAUNCH. */
		v->launched = false;
		vm_end(v->vm, VM_END_ENTRY_FAILED, "exit reason %u %s, %s", basic,
		       exit_reason_name(basic),
		       basic == EXIT_REASON_INVALID_STATE ? vmx_invalid_state_detail(v->exit_qualification)
							  : "see the dump");
		return;
	}
	vm_end(v->vm, VM_END_UNHANDLED_EXIT, "unhandled VM exit %u (%s), qualification %#lx, RIP %#lx",
	       basic, exit_reason_name(basic), v->exit_qualification, v->rip);
}

/* Ticks from the previous exit to the entry after it, charged to that
 * exit's reason (vmm_handle_exit keeps last_basic_reason in range). */
static inline void account_exit_cost(struct vcpu *v)
{
	uint32_t r = v->last_basic_reason;
	uint64_t ticks = v->regs.entry_tsc - v->prev_exit_tsc;

	v->hv_ticks_sum[r] += ticks;
	v->hv_ticks_n[r]++;
	if (ticks < v->hv_ticks_min[r])
		v->hv_ticks_min[r] = ticks;
}

/* The first exit after a move: the migration's cost is the time from the
 * exit on the old pCPU to the entry on this one, both on the reference
 * timeline. */
static void account_migration(struct vcpu *v)
{
	uint64_t cost = host_to_ref(this_cpu()->cpu_id, v->regs.entry_tsc) - v->put_ref;

	v->migrated_in = false;
	v->migration_ticks_sum += cost;
	v->migration_ticks_max = MAX(v->migration_ticks_max, cost);
}

/* The slice or the watchdog has run out: false (leave this pCPU), ending
 * the VM first if it was the watchdog. */
static __attribute__((noinline)) bool leave_now(struct vcpu *v, struct guest_regs *regs)
{
	if (regs->exit_tsc > v->watchdog_deadline && v->vm->state == VM_RUNNING)
		vm_end(v->vm, VM_END_WATCHDOG, "still running after %lu ticks (watchdog=)",
		       hv_opts.watchdog);
	return false;
}

/* The end of an exit with work for the APIC timer or the events: service
 * the timer if its instant on this pCPU has come, leave for an INIT, then
 * as the common path, and prepare the entry (vmm/inject.c). */
static __attribute__((noinline)) bool exit_tail_slow(struct vcpu *v, struct guest_regs *regs)
{
	if (regs->exit_tsc >= v->timer_host)
		lapic_timer_service(v);
	if (__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & EV_INIT)
		return false;           /* vmm/run.c takes it, off the guest */
	if (regs->exit_tsc >= v->leave_tsc)
		return leave_now(v, regs);
	if (v->vm->state != VM_RUNNING || v->sleeping)
		return false;
	vcpu_prepare_entry(v);
	return true;
}

bool vmm_handle_exit(struct guest_regs *regs)
{
	struct vcpu *v = (struct vcpu *)regs;   /* regs is the first member */
	struct vm *vm = v->vm;

	if (v->launched)
		account_exit_cost(v);     /* not across a VMCLEAR: the TSCs may differ */
	else if (v->migrated_in)
		account_migration(v);
	v->prev_exit_tsc = regs->exit_tsc;

	/* Read the reason and RIP once; count the exit. The exit cleared the
	 * entry's interruption field; an event whose delivery it interrupted is
	 * kept to go in again (never lost). */
	v->launched = true;
	v->exit_reason = vmcs_read32(VM_EXIT_REASON);
	v->rip = vmcs_readnat(GUEST_RIP);
	uint32_t basic = EXIT_REASON_BASIC(v->exit_reason);
	exit_handler_t h = NULL;
	if (__builtin_expect(basic < EXIT_REASON_MAX && !(v->exit_reason & EXIT_REASON_FAILED_VMENTRY), 1))
		h = exit_handlers[basic];
	/* Reasons past the counters' range share the last slot (EXIT_REASON_MAX
	 * is below it: the clamp is for the unhandled path only). */
	_Static_assert(EXIT_REASON_MAX <= HC_EXIT_REASONS, "exit counters cover the table");
	v->last_basic_reason = h ? basic : MIN(basic, HC_EXIT_REASONS - 1);
	v->counters.exits_total++;
	v->counters.exits_by_reason[v->last_basic_reason]++;

	/* The exits that can interrupt the delivery of an event read the
	 * IDT-vectoring information themselves (vcpu_capture_vectoring):
	 * instruction exits never do. */
	if (__builtin_expect(!h, 0))
		exit_unhandled(v);
	else
		h(v);

	/* Events, timers, windows: one test on the common path. */
	uint32_t ev = __atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE);
	if (__builtin_expect(ev | v->entry_work, 0))
		return exit_tail_slow(v, regs);

	/* One compare on the common path: leave_tsc is the earlier of the
	 * slice's end and the watchdog's deadline (0 with every-exit), checked
	 * on every exit against the TSC the stub already read. A guest that
	 * exits often restarts the preemption timer at each entry and would
	 * otherwise never be preempted. */
	if (__builtin_expect(regs->exit_tsc >= v->leave_tsc, 0))
		return leave_now(v, regs);
	return vm->state == VM_RUNNING && !v->sleeping;
}

