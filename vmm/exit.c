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
#include "vmm/dev/xsetbv.h"
#include "vmm/inject.h"
#include "vmm/options.h"
#include "vmm/time/tsc_sync.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"

static void exit_unhandled(struct vcpu *v);
static void exit_during_delivery(struct vcpu *v);
static void handle_preemption_timer(struct vcpu *v);

/*
 * The exits that can happen while the CPU delivers an event through the
 * guest's IDT (SDM Vol. 3C, "Information for VM Exits That Occur During
 * Event Delivery"): an exception in the exception bitmap (or an NMI), triple
 * fault, task switch, APIC access, EPT violation or misconfiguration, a full
 * page-modification log, a sub-page-permission exit; external interrupts
 * and the preemption timer are kept with them (the field is read once on
 * those rarer exits). Their slot in exit_handlers is exit_during_delivery,
 * which reads the IDT-vectoring information, keeps the event to deliver
 * again at the next entry (vmm/inject.c), whichever pCPU that is on (SDM
 * Vol. 3C, "Reinjection"), and then calls their handler from this table. So
 * the event is captured once, here, for every such exit, and no handler can
 * forget it; an instruction's exit (CPUID, VMCALL, MSR, I/O, HLT, CR, ...),
 * which never interrupts a delivery, pays nothing for it. A handler that
 * deliberately replaces the event (the VM ends; an exception it raises
 * combines with it as the CPU's double-fault rules say, vmm/inject.c)
 * clears v->reinject_info or leaves it to vmm/inject.c.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const exit_handler_t delivery_handlers[EXIT_REASON_MAX] = {
	[0 ... EXIT_REASON_MAX - 1] = exit_unhandled,
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_REASON_APIC_ACCESS] = handle_apic_access,    /* apicv=on: the APIC-access page */
	/* TASK_SWITCH, EPT_MISCONFIG, PML_FULL, SPP: not enabled, so never
	 * expected: exit_unhandled, with the event named in the dump */
};
#pragma GCC diagnostic pop

/* Every slot holds a handler: the reasons chronovisor does not handle, and
 * 33/34/41 (the only reasons a failed VM entry reports, with bit 31 set),
 * go to exit_unhandled. So the hot path needs one bounds check and no NULL
 * or bit-31 test. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const exit_handler_t exit_handlers[EXIT_REASON_MAX] = {
	[0 ... EXIT_REASON_MAX - 1] = exit_unhandled,
	[EXIT_REASON_EXCEPTION_NMI] = exit_during_delivery,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = exit_during_delivery,
	[EXIT_REASON_TRIPLE_FAULT] = exit_during_delivery,
	[EXIT_REASON_TASK_SWITCH] = exit_during_delivery,
	[EXIT_REASON_APIC_ACCESS] = exit_during_delivery,
	[EXIT_REASON_EPT_VIOLATION] = exit_during_delivery,
	[EXIT_REASON_EPT_MISCONFIG] = exit_during_delivery,
	[EXIT_REASON_PREEMPTION_TIMER] = exit_during_delivery,
	[EXIT_REASON_PML_FULL] = exit_during_delivery,
	[EXIT_REASON_SPP] = exit_during_delivery,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_REASON_NMI_WINDOW] = handle_nmi_window,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INVD] = handle_invd,
	[EXIT_REASON_RDPMC] = handle_rdpmc,
	[EXIT_REASON_MWAIT_INSTRUCTION] = handle_mwait,
	[EXIT_REASON_MONITOR_INSTRUCTION] = handle_monitor,
	[EXIT_REASON_WBINVD] = handle_wbinvd,
	[EXIT_REASON_VMCALL] = handle_vmcall,
	[EXIT_REASON_VMCLEAR] = handle_vmx_instruction,
	[EXIT_REASON_VMLAUNCH] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRLD] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRST] = handle_vmx_instruction,
	[EXIT_REASON_VMREAD] = handle_vmx_instruction,
	[EXIT_REASON_VMRESUME] = handle_vmx_instruction,
	[EXIT_REASON_VMWRITE] = handle_vmx_instruction,
	[EXIT_REASON_VMOFF] = handle_vmx_instruction,
	[EXIT_REASON_VMXON] = handle_vmx_instruction,
	[EXIT_REASON_INVEPT] = handle_vmx_instruction,
	[EXIT_REASON_INVVPID] = handle_vmx_instruction,
	[EXIT_REASON_VMFUNC] = handle_vmx_instruction,
	[EXIT_REASON_GETSEC] = handle_vmx_instruction,
	[EXIT_REASON_CR_ACCESS] = handle_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = handle_io,
	[EXIT_REASON_MSR_READ] = handle_rdmsr,
	[EXIT_REASON_MSR_WRITE] = handle_wrmsr,
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = handle_tpr_below_threshold,
	[EXIT_REASON_APIC_WRITE] = handle_apic_write,
	[EXIT_REASON_EOI_INDUCED] = handle_eoi_induced,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_PAUSE_INSTRUCTION] = handle_pause,
};
#pragma GCC diagnostic pop

_Static_assert(EXIT_REASON_MAX < HC_EXIT_REASONS, "every basic reason has its own counter");

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
static __attribute__((noinline, cold)) void exit_unhandled(struct vcpu *v)
{
	uint32_t basic = EXIT_REASON_BASIC(v->exit_reason);

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

/* See delivery_handlers: capture the interrupted event, then handle. */
static void exit_during_delivery(struct vcpu *v)
{
	vcpu_capture_vectoring(v);
	delivery_handlers[EXIT_REASON_BASIC(v->exit_reason)](v);
}

void (*exit_slice_end_hook)(struct vcpu *v);

/* The exit that ends a slice, the watchdog's, a sleep or the VM's end. */
static __attribute__((noinline, cold)) void exit_leave(struct vcpu *v)
{
	if (v->vm->state != VM_RUNNING)
		return;
	if (v->regs.exit_tsc > v->watchdog_deadline)
		vm_end(v->vm, VM_END_WATCHDOG, "still running after %lu ticks (watchdog=)",
		       hv_opts.watchdog);
	else if (exit_slice_end_hook)
		exit_slice_end_hook(v);   /* returns only if v was not handed over */
}

/*
 * A preemption-timer exit: a slice ended, or the APIC timer is due; the
 * rest of the exit path services the timer, checks the slice and the
 * watchdog, and re-arms. When it ends the slice and that path has nothing
 * else to do (no pending event or entry work, the watchdog's deadline not
 * passed: exactly when vmm_handle_exit would go straight to exit_leave and
 * the hook), the hook runs here, 20 instructions sooner: a move's handover
 * starts that much earlier (docs/performance.md). If it hands v over, the
 * exit ends inside it (vmm/run.c:vcpu_clear_handed); if not, the rest of
 * the path reaches exit_leave (leave_tsc has passed), which calls the
 * hook once more.
 */
static void handle_preemption_timer(struct vcpu *v)
{
	void (*hook)(struct vcpu *) = exit_slice_end_hook;   /* (NULL: no moves) */

	if (hook && v->regs.exit_tsc >= __atomic_load_n(&v->leave_tsc, __ATOMIC_RELAXED) &&
	    __atomic_load_n(&v->any_work, __ATOMIC_ACQUIRE) == 0 &&
	    v->regs.exit_tsc <= v->watchdog_deadline && v->vm->state == VM_RUNNING)
		hook(v);
}

/* The end of an exit with work for the APIC timer or the events (off the
 * hot path): service the timer if its instant on this pCPU has come, leave
 * for an INIT, then decide as the hot path does, and prepare the entry
 * (vmm/inject.c). */
static __attribute__((noinline)) bool exit_tail_slow(struct vcpu *v, struct guest_regs *regs)
{
	if (regs->exit_tsc >= v->timer_host)
		lapic_timer_service(v);
	if (__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & (EV_INIT | EV_SNAP))
		return false;           /* vmm/run.c takes an INIT, vmm/snap.c a save, off the guest */
	if (regs->exit_tsc >= __atomic_load_n(&v->leave_tsc, __ATOMIC_RELAXED)) {
		exit_leave(v);
		return false;
	}
	if (v->vm->state != VM_RUNNING || v->sleeping)
		return false;
	vcpu_prepare_entry(v);
	return true;
}

/*
 * The hot path, every exit (make bench measures it whole: from the stub's
 * first instruction to VMRESUME). Kept short on purpose: the reason and RIP
 * are read once (the qualification only by handlers that need it; the
 * IDT-vectoring information only for the exits that can interrupt an
 * event's delivery: exit_during_delivery), the exit is counted, one
 * bounds-checked table call, one test for pending events or entry work
 * (timers, windows, re-injection: exit_tail_slow), and one compare decides
 * whether to resume: leave_tsc is the earlier of the slice's end and the
 * watchdog's deadline, or 0 when the vCPU sleeps, its VM ended or
 * migrate=every-exit. A guest that exits often restarts the preemption
 * timer at each entry and would otherwise never be preempted, hence the
 * compare against the TSC the stub read.
 */
bool vmm_handle_exit(struct guest_regs *regs)
{
	struct vcpu *v = (struct vcpu *)regs;   /* regs is the first member */
	uint32_t reason = vmcs_read32(VM_EXIT_REASON);
	uint32_t basic = EXIT_REASON_BASIC(reason);

	v->exit_reason = reason;
	v->rip = vmcs_readnat(GUEST_RIP);
	if (__builtin_expect(basic >= EXIT_REASON_MAX, 0)) {
		v->counters.exits_by_reason[HC_EXIT_REASONS - 1]++;
		exit_unhandled(v);
	} else {
		v->counters.exits_by_reason[basic]++;
		exit_handlers[basic](v);
	}
	/* Events, timers, windows: one test on the common path (ev_pending,
	 * set from any pCPU, and entry_work in one word). */
	if (__builtin_expect(__atomic_load_n(&v->any_work, __ATOMIC_ACQUIRE) != 0, 0))
		return exit_tail_slow(v, regs);
	if (__builtin_expect(regs->exit_tsc >= __atomic_load_n(&v->leave_tsc, __ATOMIC_RELAXED), 0)) {
		exit_leave(v);
		return false;
	}
	return true;
}

