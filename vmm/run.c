/*
 * vmm/run.c - the loop that enters a vCPU, handles its exits, and ends.
 *
 * Context: VMX root, interrupts off. Loading a vCPU on a pCPU is VMPTRLD plus
 * the host-state fields of that pCPU; putting it away is VMCLEAR on the same
 * pCPU (SDM Vol. 3C, "Software Use of Virtual-Machine Control Structures"),
 * after which the next entry must be VMLAUNCH again. `loaded_on` keeps a VMCS
 * from being current on two pCPUs at once: loading one still active on
 * another pCPU ends its VM by name (vcpu_load); putting one away asserts it.
 *
 * Before the CPU sees a VMCS, the software VM-entry checker
 * (vmx/entry_check.h) runs over it: before every VMLAUNCH, and with
 * entry_check=always before every VMRESUME issued from here too (the
 * per-exit fast path, where vmx/entry.asm resumes straight from an exit,
 * is never checked). A failed rule ends that VM by name before the entry.
 *
 * Every entry arms the VMX-preemption timer: it returns control to us even
 * from a guest that spins with interrupts off (Bochs 2.7 does not deliver
 * host interrupts as exits then, see docs/platform.md), so slices end and the
 * watchdog works, and it wakes the vCPU for its APIC timer (vmm/inject.c).
 * Which vCPU runs where is vmm/sched.c's business.
 *
 * A vCPU's life events are taken here, where it is loaded but not running:
 * an INIT (reset, back to wait-for-SIPI), a SIPI (real mode at the
 * vector's page), the end of a HLT (vmm/exits_core.c:vcpu_hlt_resume).
 */
#include "vmm/run.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/percpu.h"
#include "lib/atomic.h"
#include "lib/msr.h"
#include "vmm/break.h"
#include "vmm/core/guest_fpu.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic.h"
#include "vmm/exit.h"
#include "vmm/inject.h"
#include "vmm/options.h"
#include "vmm/snap.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"
#include "vmx/entry_check.h"

#include "vmx/exit_reasons.h"
#include "vmx/tlb.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx.h"

/*
 * The travelling MSRs (vmm/core/vm.h): the guest's writes to them exit and
 * land in v->msrs (vmm/dev/msr_emul.c), and a pCPU loads them only when it
 * does not hold them already: msrs_held has this pCPU's bit, and no other
 * vCPU's MSRs were loaded here since (msrs_owner). A vCPU that comes back
 * to a pCPU that last held its MSRs, and did not write them elsewhere
 * meanwhile, pays nothing for those.
 * One exception: IA32_KERNEL_GS_BASE also changes with no exit, because
 * the guest's SWAPGS exchanges it with GS.base (SDM Vol. 2B, "SWAPGS"), and
 * a Linux guest does that on every entry from user mode. So it is read back
 * at every put, and written at every load on a pCPU other than the last
 * one. (Without this, a Linux guest whose vCPU moved while in its kernel
 * came back with the user's GS base as its per-CPU base, and its next
 * page fault from user mode faulted again on the entry stack.)
 */
static const struct vcpu *msrs_owner[MAX_CPUS];

static __attribute__((noinline)) void msrs_load_all(struct vcpu *v, uint32_t me)
{
	for (unsigned i = 0; i < TMSR_TSC_AUX; i++)
		wrmsr(travelling_msrs[i], v->msrs[i]);
	if (vmx_ctls.rdtscp)          /* TSC_AUX is last: the guest sees it only with RDTSCP */
		wrmsr(MSR_IA32_TSC_AUX, v->msrs[TMSR_TSC_AUX]);
	cpuset_add(&v->msrs_held, me);
	msrs_owner[me] = v;
}

/* Inline: every move, and it usually holds them. */
static inline void msrs_load(struct vcpu *v, uint32_t me)
{
	if (msrs_owner[me] == v && cpuset_has(&v->msrs_held, me)) {
		if (v->last_pcpu != (int32_t)me &&   /* it may have done SWAPGS elsewhere */
		    v->vm->flaw != FLAW_STALE_SWAPGS)
			wrmsr(MSR_IA32_KERNEL_GS_BASE, v->msrs[TMSR_KERNEL_GS_BASE]);
		return;
	}
	msrs_load_all(v, me);
}

/*
 * Make v's VMCS current here. A VMCS is active on at most one pCPU
 * (loaded_on; SDM Vol. 3C, "Software Use of Virtual-Machine Control
 * Structures"): one still active here from its last slice (stay) needs only
 * VMPTRLD, and not even that when no other VMCS was made current since;
 * its host state, TSC_OFFSET and MSRs are still this pCPU's. Anything else
 * was VMCLEARed by the pCPU that ran it last, and gets everything.
 *
 * A vCPU handed over before it was put away (vmm/sched.c:handoff_early) may
 * still be current on its old pCPU when it gets here. Each piece of the
 * load waits only for the step of the old pCPU it needs (v->handover,
 * vmm/core/vm.h), so the two pCPUs work at the same time for most of a
 * move: computing the deadlines and INVVPID need nothing of it; the
 * TSC_OFFSET (vtsc_load) needs its record of where and when v left (LEFT);
 * CR2, the travelling MSRs, the FPU/XSAVE state and the debug registers
 * need its saves (SAVED), and are loaded before the VMPTRLD; VMPTRLD and
 * every VMCS access need its VMCLEAR (VMCS_FREE). Its exit path reads
 * nothing of v after the handoff (it ends in vcpu_clear_handed), so the
 * deadlines are stored at once; only load_plain waits for DONE
 * (vcpu_run_slice). A vCPU that was given back is DONE already.
 */
/* Wait until the pCPU that handed v over is no more than `step` steps from
 * done (enum vcpu_handover counts them down). A VM with flaw=`skip` (a
 * negative control; FLAW_NONE: none) does not wait. */
static inline void handover_wait(struct vcpu *v, enum vcpu_handover step, enum vm_flaw skip)
{
	while (__atomic_load_n(&v->handover, __ATOMIC_ACQUIRE) > step) {
		if (skip != FLAW_NONE && v->vm->flaw == skip)
			break;
		cpu_relax();
	}
}

/* The registers the guest left in its last pCPU that VMX does not load:
 * the travelling MSRs (when this pCPU does not hold them already: msrs),
 * CR2, the FPU/XSAVE state with XCR0, DR0-DR3 and DR6. */
static inline void vcpu_load_regs(struct vcpu *v, uint32_t me, bool msrs)
{
	if (msrs)
		msrs_load(v, me);
	write_cr2(v->regs.cr2);       /* the entry stub leaves CR2 alone */
	guest_fpu_load(v);
}

static bool vcpu_load(struct vcpu *v, uint64_t slice_ticks, bool every_exit, bool *handed)
{
	struct percpu *cpu = this_cpu();
	uint32_t me = cpu->cpu_id;
	uint64_t pa = virt_to_phys(v->vmcs);
	bool moved = false;

	/* Another VM ran here last: its branch predictions must not steer
	 * this one's (nor the host's on its behalf). */
	if (cpu->last_vm != v->vm) {
		if (cpu->last_vm && cpu_has_ibpb()) {
			ibpb();
			cpu->ibpb_count++;
		}
		cpu->last_vm = v->vm;
	}

	/* Deadlines in this pCPU's own TSC, which the exit path reads. */
	uint64_t watchdog = v->vm->watchdog_ref == UINT64_MAX
		? UINT64_MAX : ref_to_host(me, v->vm->watchdog_ref);
	uint64_t slice_end = rdtsc() + slice_ticks;

	if (v->loaded_on == (int32_t)me) {
		bool msrs = false;
		if (cpu->current_vcpu != v) {
			vmptrld_checked(pa, __func__);
			cpu->current_vcpu = v;
			msrs = true;  /* another vCPU ran here meanwhile */
		}
		vcpu_load_regs(v, me, msrs);
	} else {
		*handed = __atomic_load_n(&v->handover, __ATOMIC_RELAXED) != HANDOVER_DONE;
		handover_wait(v, HANDOVER_LEFT, FLAW_NONE);
		/* Its TLB entries here may be stale after a move (SDM Vol. 3C,
		 * "VPID and Guest-Physical Mappings"), unless this pCPU flushed
		 * every VPID when it went idle and ran no guest since. */
		moved = v->last_pcpu >= 0 && v->last_pcpu != (int32_t)me;
		if (moved && vmx_ctls.vpid && !cpu->tlb_clean)
			vmx_flush_vpid(v->vpid);
		uint64_t offset = vtsc_load(&v->clock);
		/* The registers, once the old pCPU has saved them
		 * (flaw=handover-early-regs: the guest must see stale ones). */
		handover_wait(v, HANDOVER_SAVED, FLAW_HANDOVER_EARLY_REGS);
		vcpu_load_regs(v, me, true);
		/* (flaw=handover-no-wait: the loaded_on check below must catch it) */
		handover_wait(v, HANDOVER_VMCS_FREE, FLAW_HANDOVER_NO_WAIT);
		/* Never active on two pCPUs: whoever ran it last VMCLEARs it.
		 * Bochs would accept a VMPTRLD here anyway; hardware would not. */
		if (v->loaded_on != -1) {
			vm_end(v->vm, VM_END_ENTRY_FAILED,
			       "VMCS still active on pcpu %d: it must be VMCLEARed there before "
			       "VMPTRLD on pcpu %u (SDM Vol. 3C, \"Software Use of "
			       "Virtual-Machine Control Structures\")", v->loaded_on, me);
			return false;
		}
		vmptrld_checked(pa, __func__);
		v->loaded_on = (int32_t)me;
		/* vcpu_kick's other half: a poster ORs its event into ev_pending
		 * (a locked instruction), then reads loaded_on; this pCPU stores
		 * loaded_on, then reads ev_pending before the entry
		 * (vcpu_run_slice, vcpu_prepare_entry). x86 may let a load pass
		 * an earlier store (SDM Vol. 3A, "Memory Ordering in P6 and More
		 * Recent Processor Families"), and then neither side would see
		 * the other: the event would wait for the vCPU's next exit. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		cpu->current_vcpu = v;
		if (v->host_state_cpu != (int32_t)me) {   /* (a handover wrote it: vcpu_clear_handed) */
			vmcs_write_host_state(me);
			v->host_state_cpu = (int32_t)me;
		}
		vtsc_write(&v->clock, offset);
	}
	cpu->tlb_clean = false;         /* v runs here now */
	/* Where the guest goes on: HC_TSC_CHECK refuses a sample whose RDTSC
	 * came before this point and its VMCALL after (vmm/dev/hypercall.c).
	 * (A handover read it before the VMCLEAR: vcpu_clear_handed.) */
	if (!*handed)
		v->resume_rip = vmcs_readnat(GUEST_RIP);

	v->watchdog_deadline = watchdog;
	v->slice_end = slice_end;
	v->leave_tsc = every_exit ? 0 : MIN(slice_end, watchdog);
	/* its time off-CPU, added up at its next put (vcpu_account_put) */
	v->moved_in_tsc = moved ? slice_end - slice_ticks : 0;
	if (moved)
		v->migrations++;
	/* (HANDOVER_DONE, for load_plain: vcpu_run_slice waits for it) */
	return true;
}

/* Inline: every move and slice end. */
static inline void vcpu_clear(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();
	uint64_t pa = virt_to_phys(v->vmcs);

	assert(v->loaded_on == (int32_t)cpu->cpu_id);
	vmclear_checked(pa, __func__);
	v->loaded_on = -1;
	v->launched = false;
	cpu->current_vcpu = NULL;
}

/* What a put adds to v's statistics, read before a handover's new pCPU
 * may change it, and added up after, off the move's path: what the new
 * pCPU's guard may change from HANDOVER_LEFT on (put_record_take), and
 * what it writes once the VMCS is free (put_record_take_late). */
struct put_record {
	uint64_t prev_ref;            /* put_ref of the put before: the last move left then */
	uint64_t moved_in_tsc;        /* that move's load here (vcpu_load), or 0 */
	struct vtsc_sample clock;     /* the offset in force here, for the clock error */
};

static inline void put_record_take(struct vcpu *v, struct put_record *r)
{
	r->prev_ref = v->put_ref;
	vtsc_sample_take(&v->clock, &r->clock);
}

static inline void put_record_take_late(struct vcpu *v, struct put_record *r)
{
	r->moved_in_tsc = v->moved_in_tsc;
	vtsc_sample_take_late(&v->clock, &r->clock);
}

/* The time off any pCPU of the move that brought v here: from the exit
 * that made it leave its last pCPU (prev_ref) to its load here, both on
 * the reference timeline; and the clock error of the offset it ran with.
 * Atomic: on a handover the new pCPU may be putting v away again already. */
static void vcpu_account_put(struct vcpu *v, const struct put_record *r, uint32_t me)
{
	vtsc_note_error(&v->clock, &r->clock, me);
	if (!r->moved_in_tsc)
		return;
	int64_t d = (int64_t)(host_to_ref(me, r->moved_in_tsc) - r->prev_ref);
	uint64_t off_cpu = d > 0 ? (uint64_t)d : 0;   /* (skew measured to within unc) */
	__atomic_fetch_add(&v->migration_ticks_sum, off_cpu, __ATOMIC_RELAXED);
	atomic_max_u64(&v->migration_ticks_max, off_cpu);
}

/* What the next pCPU needs first of a vCPU that leaves this one: its guest
 * TSC at the put (vtsc_put), the exit on the reference timeline, this pCPU
 * as its last. */
static void vcpu_leaving(struct vcpu *v, uint32_t me)
{
	vtsc_put(&v->clock);
	v->put_ref = host_to_ref(me, v->regs.exit_tsc);
	v->last_pcpu = (int32_t)me;
}

/* The preemption-timer field for a whole slice: the timer counts down by
 * one every 2^rate TSC ticks (SDM Vol. 3C, "VMX-Preemption Timer"). */
static inline uint32_t ptimer_slice_value(uint64_t slice_ticks)
{
	return (uint32_t)MIN(slice_ticks >> vmx_misc_preemption_timer_rate(vmx_caps.misc),
			     UINT32_MAX);
}

/* Is the software VM-entry checker due before v's next entry on pCPU cpu
 * (entry_check=), its next entry a VMLAUNCH or not (launched)? first (the
 * default): at each (vCPU, pCPU) pair's first VMLAUNCH, as the host state
 * differs per pCPU; off: never. */
static inline bool entry_check_due(const struct vcpu *v, uint32_t cpu, bool launched)
{
	enum entry_check_mode ec = hv_opts.entry_check;

	return ec == ENTRY_CHECK_FIRST ? !launched && !cpuset_has(&v->entry_checked, cpu)
	     : ec == ENTRY_CHECK_LAUNCH ? !launched
	     : ec == ENTRY_CHECK_ALWAYS;
}

/* handover_delay= (a test aid): widen the window in which the pCPU the
 * vCPU was handed to must wait for this one. */
static void handover_delay(void)
{
	for (uint32_t i = 0; i < hv_opts.handover_delay; i++)
		cpu_relax();
}

/* What the guest left in this pCPU's registers that VMX does not switch:
 * CR2, the FPU/XSAVE state with XCR0, DR0-DR3/DR6, and KERNEL_GS_BASE
 * (SWAPGS changes it without an exit: see msrs_load). */
static void vcpu_save_regs(struct vcpu *v)
{
	v->regs.cr2 = read_cr2();
	guest_fpu_put(v);
	if (v->vm->flaw != FLAW_STALE_SWAPGS)
		v->msrs[TMSR_KERNEL_GS_BASE] = rdmsr(MSR_IA32_KERNEL_GS_BASE);
}

/* (No stack protector: no array on its frame, only the VMCLEAR operand
 * and the put's record; and this is the old pCPU's path in a move.) */
__attribute__((no_stack_protector))
void vcpu_clear_handed(struct vcpu *v, uint32_t next)
{
	struct percpu *cpu = this_cpu();
	uint32_t me = cpu->cpu_id;
	struct put_record rec;

	/* this pCPU's own record, not v's: a pCPU that ran v since must not
	 * take v->handover for it (vcpu_run_slice, vcpu_put) */
	cpu->handed_over = v;
	put_record_take(v, &rec);
	vcpu_leaving(v, me);
	__atomic_store_n(&v->handover, HANDOVER_LEFT, __ATOMIC_RELEASE);
	handover_delay();
	vcpu_save_regs(v);          /* still at the exit: the guest's registers are all here */
	__atomic_store_n(&v->handover, HANDOVER_SAVED, __ATOMIC_RELEASE);
	/* What the new pCPU would otherwise write or read itself, now, while
	 * the VMCS is still current here and that pCPU loads the registers:
	 * the host state of pCPU next, where its next exit will be; a full
	 * slice in the preemption timer; where the guest goes on. And where
	 * this exit's stack is, to leave it below. */
	vmcs_write_host_state(next);
	v->host_state_cpu = (int32_t)next;
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, ptimer_slice_value(hv_opts.slice));
	v->ptimer_short = false;
	v->resume_rip = vmcs_readnat(GUEST_RIP);
	uint64_t host_rsp = vmcs_readnat(HOST_RSP);
	put_record_take_late(v, &rec);
	handover_delay();
	vcpu_clear(v);
	/* the pCPU it was handed to may VMPTRLD it now (vcpu_load) */
	__atomic_store_n(&v->handover, HANDOVER_VMCS_FREE, __ATOMIC_RELEASE);
	/* Whether vcpu_run_slice's per-load tests, and vcpu_prepare_entry's,
	 * can find anything on pCPU next. What they look at here changes only
	 * where v is loaded, and the new pCPU reads this only after DONE: its
	 * APIC timer (lapic_timer_idle), an event to deliver again, window
	 * exits, the TPR threshold, its break, the entry checks done (its next
	 * entry is a VMLAUNCH). The preemption timer was just set to a full
	 * slice; halted, parked, sleeping and INIT-taken vCPUs are never
	 * handed over (handoff_early). */
	v->load_plain = lapic_timer_idle(v) && v->break_applied &&
			!entry_check_due(v, next, false) && !v->reinject_info &&
			!(v->proc_ctls & INJECT_WINDOW_BITS) && !v->tpr_threshold;
	__atomic_store_n(&v->handover, HANDOVER_DONE, __ATOMIC_RELEASE);
	/* v is pCPU next's now: only the statistics of this put are added,
	 * atomically, from what was read before the new pCPU could change
	 * it (before LEFT and before the VMCLEAR: put_record_take*). */
	vcpu_account_put(v, &rec, me);
	/* The rest of this exit's path would read v (its deadlines, its
	 * pending work), which pCPU next is rewriting: leave from here, as an
	 * exit that says "back to the scheduler" does (vmx_run returns 0). */
	vmx_exit_to_scheduler(host_rsp);
}

bool vcpu_put(struct vcpu *v, bool stay)
{
	uint32_t me = this_cpu()->cpu_id;
	struct put_record rec;

	if (this_cpu()->handed_over == v) {
		this_cpu()->handed_over = NULL;
		return true;        /* put away at its last exit (vcpu_clear_handed) */
	}
	if (v->clock.error_due || v->moved_in_tsc) {   /* (not for a slice end that stays) */
		put_record_take(v, &rec);
		put_record_take_late(v, &rec);
		vcpu_account_put(v, &rec, me);
	}
	vcpu_leaving(v, me);
	if (!stay || v->vm->state != VM_RUNNING)
		vcpu_clear(v);
	/* (otherwise active here until its next slice, here) */
	vcpu_save_regs(v);
	return false;
}

/* The software VM-entry checker on the current VMCS: false (after the
 * dump, the named rule, and the VM's end) when the CPU must not see it. */
static __attribute__((noinline, cold)) bool entry_allowed(struct vcpu *v)
{
	struct vmcs_snapshot snap;
	struct entry_check_result res;

	vmcs_snapshot_read(&snap);
	if (entry_check(&snap, &res))
		return true;
	vcpu_dump(v);
	kprintf("[hv] vm%u vcpu%u: entry check: %s; %u of %u rules failed, %s not run\n",
		v->vm->id, v->id, res.msg, res.failures, res.rules,
		v->launched ? "VMRESUME" : "VMLAUNCH");
	vm_end(v->vm, VM_END_ENTRY_FAILED, "entry check: %s", res.msg);
	return false;
}

/* INIT (SDM Vol. 3A, "MP Initialization Protocol Algorithm"): the APIC and
 * every pending event are reset; the vCPU waits for a SIPI, unless one came
 * already (vmm/sched.c:give_back finishes the move under the lock). */
static void take_init(struct vcpu *v)
{
	spin_lock(&vcpu_state_lock);
	__atomic_and_fetch(&v->ev_pending, ~(uint32_t)(EV_INIT | EV_NMI), __ATOMIC_SEQ_CST);
	v->halted = v->parked = v->sleeping = false;
	v->to_wait_sipi = !v->pending_sipi;
	spin_unlock(&vcpu_state_lock);
	lapic_init_signal(v);
	guest_fpu_init_signal(v);
	inject_reset(v);
}

/* (No stack protector: no array on its frame, only the VMPTRLD operand
 * and a flag vcpu_load sets; and this is the new pCPU's path in a move.
 * The entry checker's snapshot is in entry_allowed's frame.) */
__attribute__((no_stack_protector))
bool vcpu_run_slice(struct vcpu *v, uint64_t slice_ticks, bool every_exit)
{
	bool handed = false;        /* handed over: its old pCPU wrote the preemption timer */

	if (!vcpu_load(v, slice_ticks, every_exit, &handed))
		return false;               /* the VM ended: its VMCS is not current here */
	/* The usual move: handed over, and nothing posted by another pCPU
	 * since (an event: INIT, NMI, interrupt, a snapshot's; a SIPI; a
	 * snapshot; the VM's end). Once the old pCPU has said that none of
	 * the tests below can find anything either (load_plain, its last
	 * write: HANDOVER_DONE), straight to the entry. (These tests before
	 * the wait, and the wait again below for every other load: 5 ticks
	 * fewer on a move than one wait up front, in make bench.) */
	if (handed && __atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) == 0 && !v->pending_sipi &&
	    v->vm->snap_state != SNAP_CAPTURING && v->vm->state == VM_RUNNING) {
		handover_wait(v, HANDOVER_DONE, FLAW_NONE);
		if (v->load_plain) {
			vcpu_prepare_entry_none(v);
			goto enter;
		}
	}
	handover_wait(v, HANDOVER_DONE, FLAW_NONE);
	if (snap_on_load(v))
		return true;                /* its VM is being saved: copied, not run */
	/* handed over with nothing for the tests below (v->load_plain) */
	bool plain = handed && v->load_plain;
	if (__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & EV_INIT) {
		take_init(v);
		plain = false;
	}
	if (v->to_wait_sipi)
		return true;
	if (v->pending_sipi) {
		vmcs_init_realmode(&v->regs, v->sipi_vector);
		inject_reset(v);
		v->pending_sipi = false;
		cpuset_clear_all(&v->entry_checked);       /* a new guest state: check it again */
		plain = false;
	}
	if (!plain)
		lapic_timer_load(v);
	if ((v->halted || v->parked) && !vcpu_hlt_resume(v))
		return true;            /* nothing to take yet: back to sleep */
	/* With "save VMX-preemption timer value" off, exits leave this field
	 * alone and every entry restarts the timer from it (vmm/inject.c
	 * shortens it while the APIC timer is armed). */
	if (!handed) {
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, ptimer_slice_value(slice_ticks));
		v->ptimer_short = false;
	}
	if (!v->break_applied) {
		break_apply(v, (enum break_kind)hv_opts.brk,
			    hv_opts.entry_check != ENTRY_CHECK_OFF);
		v->break_applied = true;
		cpuset_clear_all(&v->entry_checked);
	}
	uint32_t here = this_cpu()->cpu_id;
	bool check = !plain && entry_check_due(v, here, v->launched);
	if (v->vm->state == VM_RUNNING)
		vcpu_prepare_entry(v);      /* the checker sees the event it injects */
	if (check && v->vm->state == VM_RUNNING && entry_allowed(v))
		cpuset_add(&v->entry_checked, here);
	if (v->vm->state == VM_RUNNING) {
enter:;
		int r = vmx_run(&v->regs, v->launched, vmm_handle_exit);
		if (this_cpu()->handed_over == v) {
			/* handed over and put away at its last exit
			 * (vmm/sched.c:handoff_early): not ours now. Its exit
			 * path ended there (vcpu_clear_handed), never resumed. */
			if (r != 0)
				panic("vm%u vcpu%u: VMRESUME after its handover (fail class %d)",
				      v->vm->id, v->id, r);
			return true;
		}
		if (r != 0)
			vmm_entry_failed(v, r);     /* VMLAUNCH/VMRESUME failed */
		else if (!(v->exit_reason & EXIT_REASON_FAILED_VMENTRY))
			v->launched = true;         /* it ran: the next entry is VMRESUME */
		snap_check_trigger(v);
	}
	if (__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & EV_INIT)
		take_init(v);
	return true;
}
