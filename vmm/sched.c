/*
 * vmm/sched.c - the scheduler: all vCPUs of all VMs over all pCPUs.
 *
 * Context: VMX root, interrupts off. Every pCPU runs sched_loop(): pick a
 * runnable vCPU allowed here, run it for a slice (vmm/run.c: VMPTRLD here,
 * VMCLEAR here when it leaves), decide where it may run next, repeat until
 * every VM has ended. The pCPU that puts a vCPU away VMCLEARs it itself, so
 * no pCPU ever needs another's help (no IPI; docs/design.md, "Scheduling and
 * migration"). One lock guards the vCPU states; it is held only to pick
 * and to give back, never while a guest runs.
 *
 * A vCPU leaves its pCPU when its slice (slice= ticks) ends, when it
 * sleeps (HLT, HC_SLEEP, HC_YIELD), when it takes an INIT, or after every
 * exit with migrate=every-exit. A vCPU halted with IF = 1 is picked again
 * once its APIC timer is due on the reference timeline (v->timer_wake) or its
 * APIC has an interrupt it can take, on whichever pCPU; one halted with
 * IF = 0 (parked) only for an NMI or INIT. The pCPUs that look for work
 * poll those conditions, so an IPI to a halted vCPU needs no kick. Where it
 * runs next is migrate='s choice:
 *   off          its home pCPU (vCPUs spread round-robin at start)
 *   rr           the next pCPU after the one it just left
 *   random:SEED  a pCPU drawn from a seeded generator (repeatable)
 *   every-exit   like rr, after every single exit
 */
#include "vmm/sched.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "vmm/options.h"
#include "kernel/percpu.h"
#include "lib/printf.h"
#include "vmm/exit.h"
#include "vmm/host_events.h"
#include "vmm/run.h"
#include "vmm/snap.h"
#include "vmm/report.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/io.h"
#include "vmm/dev/lapic.h"
#include "kernel/host_apic.h"
#include "vmx/tlb.h"
#include "vmx/vmx.h"
#include "kernel/smp.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"

static uint64_t rng_state;
static uint32_t ncpus;
static uint32_t vms_left;             /* VMs not yet ended, under vcpu_state_lock */
static uint32_t next_scan[MAX_CPUS];  /* round-robin start point per pCPU */

/*
 * Direct handoff to an idle pCPU. A pCPU whose pick() found nothing says
 * so in idle[]; a vCPU given back for such a pCPU (plainly runnable, its
 * next pCPU fixed) is marked RUNNING and put in that pCPU's slot, which the
 * idle loop reads first: the idle pCPU takes it without the lock and
 * without a scan. Only idle pCPUs get one, so a handoff never jumps ahead
 * of vCPUs already waiting for a busy pCPU. A slot is filled only when it
 * is empty, by a compare-and-exchange (slot_fill: give_back under
 * vcpu_state_lock, handoff_early from a slice's last exit without it); the
 * slot's own pCPU empties it and sets and clears its idle[] entry without
 * the lock: a stale false only means the vCPU is found by pick() instead,
 * and a stale true lasts only until that pCPU takes what is in its slot.
 */
static bool idle[MAX_CPUS];
static struct vcpu *handoff[MAX_CPUS];
#define IDLE_SLOT_SPINS 48     /* looks at the slot alone between two idle turns */

static int32_t rr_next[MAX_CPUS];     /* the pCPU after each, for rr and every-exit */

/* splitmix64: small, seedable, the same sequence on every run */
#define SPLITMIX_GAMMA 0x9E3779B97F4A7C15ULL   /* its increment, also the seed's mask */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += SPLITMIX_GAMMA);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Where v may run after leaving pCPU `from` (under vcpu_state_lock for
 * migrate=random, whose generator is shared). */
static inline int32_t next_pcpu_for(struct vcpu *v, uint32_t from)
{
	switch (hv_opts.migrate) {
	case MIGRATE_OFF:
		return v->next_pcpu;
	case MIGRATE_RR:
	case MIGRATE_EVERY_EXIT:
		return rr_next[from];
	case MIGRATE_RANDOM:
		return (int32_t)(rng_next() % ncpus);
	}
	return -1;
}

/* The flat list of every vCPU, in VM order. */
static struct vcpu *all_vcpus[MAX_VMS * MAX_VCPUS];
static uint32_t nall;

/* May a halted or parked vCPU be woken (under vcpu_state_lock)? now is
 * the reference timeline. */
static bool halt_over(struct vcpu *v, uint64_t now)
{
	uint32_t ev = __atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE);

	/* flaw=nmi-no-wake (a negative control): a vCPU parked with IF = 0
	 * sleeps through its NMI */
	if (v->parked && v->vm->flaw == FLAW_NMI_NO_WAKE)
		ev &= ~(uint32_t)EV_NMI;
	if (ev & (EV_NMI | EV_INIT | EV_SNAP))
		return true;            /* EV_SNAP: only to be captured (vmm/snap.c) */
	if (v->parked)
		return false;
	if (v->timer_wake != UINT64_MAX && now >= v->timer_wake)
		return true;
	return (ev & EV_IRR) && lapic_wants_wakeup(v);
}

/*
 * The idle pCPUs' view without the lock. An idle pCPU loops over pick(),
 * retire_idle_vms() and end_stuck_vms() until a vCPU is given back for it,
 * and how long one turn of that loop takes is most of how long a move to
 * an idle pCPU takes (docs/performance.md, "Slice ends and moves"). So each
 * of them first looks without vcpu_state_lock, with relaxed loads, and
 * takes the lock only when what it sees may need it; under the lock it
 * decides exactly as before. A stale view costs one more turn of the loop,
 * never a wrong decision: each condition that needs the lock lasts until
 * someone takes it.
 */
#define PEEK(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Might pick() find v for pCPU me (a superset of its test: halted vCPUs
 * with an interrupt pending count, whatever lapic_wants_wakeup says)? */
static bool may_pick(struct vcpu *v, uint32_t me, uint64_t *now)
{
	enum vcpu_state st = PEEK(v->state);

	if (PEEK(v->vm->state) == VM_ENDED)
		return st != VCPU_RUNNING && st != VCPU_STOPPED;   /* to stop it */
	if (st != VCPU_RUNNABLE)
		return false;
	int32_t next = PEEK(v->next_pcpu);
	if (next >= 0 && next != (int32_t)me)
		return false;
	bool parked = PEEK(v->parked);
	if (PEEK(v->halted) || parked) {
		uint32_t ev = __atomic_load_n(&v->ev_pending, __ATOMIC_RELAXED);
		if (ev & (EV_NMI | EV_INIT))
			return true;
		if (parked)
			return false;
		if (ev & EV_IRR)
			return true;
		if (PEEK(v->timer_wake) == UINT64_MAX)
			return false;
		if (*now == UINT64_MAX)
			*now = ref_now();
		return *now >= PEEK(v->timer_wake);
	}
	if (PEEK(v->sleeping)) {
		if (*now == UINT64_MAX)
			*now = ref_now();
		return (int64_t)(*now - PEEK(v->wake_ref)) >= 0;
	}
	return true;
}

/* A runnable vCPU this pCPU may run now, marked RUNNING; NULL if none. */
static struct vcpu *pick(uint32_t me)
{
	struct vcpu *found = NULL;
	uint64_t now = UINT64_MAX;      /* ref_now(), read once when needed */
	uint32_t i = next_scan[me] < nall ? next_scan[me] : 0, k;

	/* Without the lock: the first vCPU that may be for us, if any. */
	for (k = 0; k < nall; k++, i = i + 1 < nall ? i + 1 : 0)
		if (may_pick(all_vcpus[i], me, &now) || PEEK(handoff[me]))
			break;
	if (k == nall || PEEK(handoff[me]))
		return NULL;          /* (a vCPU handed over meanwhile goes first) */

	/* Under the lock, from there, the exact test over every vCPU. */
	spin_lock(&vcpu_state_lock);
	for (k = 0; k < nall && !found; k++, i = i + 1 < nall ? i + 1 : 0) {
		struct vcpu *v = all_vcpus[i];
		if (v->vm->state == VM_ENDED && v->state != VCPU_RUNNING) {
			v->state = VCPU_STOPPED;
			continue;
		}
		if (v->state != VCPU_RUNNABLE)
			continue;
		if (v->next_pcpu >= 0 && v->next_pcpu != (int32_t)me)
			continue;
		if (v->halted || v->parked || v->sleeping) {
			if (now == UINT64_MAX)
				now = ref_now();
			if (v->halted || v->parked) {
				if (!halt_over(v, now))
					continue;
			} else if ((int64_t)(now - v->wake_ref) < 0) {
				continue;
			}
		}
		v->state = VCPU_RUNNING;
		v->sleeping = false;
		next_scan[me] = i + 1;
		__atomic_store_n(&idle[me], false, __ATOMIC_RELAXED);
		found = v;
	}
	spin_unlock(&vcpu_state_lock);
	return found;
}

/* Put v in idle pCPU next's empty slot: false when next is not idle or
 * its slot is taken. A compare-and-exchange, because handoff_early fills
 * slots without vcpu_state_lock (and give_back with it). */
static bool slot_fill(int32_t next, struct vcpu *v)
{
	struct vcpu *empty = NULL;

	if (!PEEK(idle[next]) || PEEK(handoff[next]))
		return false;
	if (!__atomic_compare_exchange_n(&handoff[next], &empty, v, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(&idle[next], false, __ATOMIC_RELAXED);
	return true;
}

static void give_back(struct vcpu *v, uint32_t me)
{
	spin_lock(&vcpu_state_lock);
	if (v->vm->state == VM_ENDED) {
		v->state = VCPU_STOPPED;
		/* the last vCPU of a VM to stop makes it count as done */
		bool all_stopped = true;
		for (uint32_t i = 0; i < v->vm->nvcpus; i++)
			all_stopped &= v->vm->vcpus[i].state != VCPU_RUNNING;
		if (all_stopped && !v->vm->counted_done) {
			v->vm->counted_done = true;
			vms_left--;
		}
	} else {
		int32_t next = next_pcpu_for(v, me);
		v->next_pcpu = next;
		v->state = VCPU_RUNNABLE;
		if (v->to_wait_sipi) {
			/* it took an INIT: wait for a SIPI, unless one came since */
			v->to_wait_sipi = false;
			if (!v->pending_sipi)
				v->state = VCPU_WAIT_SIPI;
		} else if (next >= 0 && !v->halted && !v->parked && !v->sleeping) {
			v->state = VCPU_RUNNING;     /* reserved for pCPU next */
			if (!slot_fill(next, v))
				v->state = VCPU_RUNNABLE;
		}
	}
	spin_unlock(&vcpu_state_lock);
}

/*
 * exit_slice_end_hook (vmm/exit.h): the direct handoff, decided at the exit
 * that ends a slice, before the put. A vCPU that ends its slice plainly
 * runnable, whose next pCPU is idle with an empty slot, goes into that slot
 * now, still RUNNING, and only then does its old pCPU put it away, still
 * at the exit (vmm/run.c:vcpu_clear_handed). The idle pCPU loads it
 * meanwhile, waiting for each step of that put only where it needs it
 * (v->handover: its record, its saves, its VMCLEAR, load_plain;
 * vmm/run.c:vcpu_load); the exit ends there. Anything
 * else (its VM ended, it sleeps, halted, took an INIT, its next pCPU is
 * busy) is given back after the put (give_back). Without vcpu_state_lock:
 * v is this pCPU's while it is RUNNING here, the slot is filled by a
 * compare-and-exchange, and rr and every-exit need no shared state;
 * migrate=random draws under the lock, as give_back does.
 */
static void handoff_early(struct vcpu *v)
{
	uint32_t me = this_cpu()->cpu_id;
	int32_t next;
	bool handed;

	if (v->halted || v->parked || v->sleeping || v->to_wait_sipi ||
	    PEEK(v->vm->state) == VM_ENDED)
		return;
	snap_check_trigger(v);      /* (vcpu_run_slice's, which it skips once v is handed) */
	v->handover = HANDOVER_STARTED;
	if (hv_opts.migrate != MIGRATE_RANDOM) {   /* rr, every-exit (off has no hook) */
		next = rr_next[me];
		handed = slot_fill(next, v);
	} else {
		spin_lock(&vcpu_state_lock);
		uint64_t rng_before = rng_state;
		next = next_pcpu_for(v, me);
		handed = slot_fill(next, v);
		if (!handed)
			rng_state = rng_before;   /* give_back draws it again: the same sequence */
		spin_unlock(&vcpu_state_lock);
	}
	if (!handed) {
		v->handover = HANDOVER_DONE;
		return;
	}
	v->next_pcpu = next;
	vcpu_clear_handed(v, (uint32_t)next);   /* while pCPU next starts on it */
}

/* What a vCPU was doing when its VM's deadline passed (under vcpu_state_lock). */
static const char *vcpu_doing(const struct vcpu *v)
{
	if (v->state == VCPU_WAIT_SIPI)
		return "waiting for a SIPI";
	if (v->parked)
		return "parked by HLT with interrupts off";
	if (v->halted)
		return "halted by HLT";
	if (v->sleeping)
		return "asleep (HC_SLEEP, HC_YIELD or HLT)";
	return "waiting for a pCPU";
}

/*
 * The watchdog on the scheduler's clock: every VM whose deadline has passed
 * and none of whose vCPUs is on a pCPU ends now: its vCPUs asleep, halted,
 * parked or waiting for a SIPI are never run again (pick). A VM with a vCPU
 * on a pCPU is left to that vCPU's exit path (vmm/exit.c:exit_leave), which
 * ends it at its first exit past the deadline, at most a slice later (the
 * preemption timer), with the same reason as ever; if it leaves its pCPU
 * without exiting past the deadline, the next look here ends it.
 * next_deadline, the earliest deadline of a running VM, keeps the common
 * call to one compare.
 */
static uint64_t next_deadline = UINT64_MAX;

static __attribute__((noinline)) void end_overdue_vms_slow(uint64_t now)
{
	spin_lock(&vcpu_state_lock);
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state != VM_RUNNING)
			continue;
		bool running = false;
		for (uint32_t c = 0; c < vm->nvcpus; c++)
			running |= vm->vcpus[c].state == VCPU_RUNNING;
		if (now < vm->watchdog_ref || running) {
			/* a vCPU on a pCPU: its exit path ends the VM at the
			 * exact tick, within a slice (vmm/exit.c:exit_leave) */
			next = MIN(next, vm->watchdog_ref);
			continue;
		}
		char what[VM_REPORT_MAX - 96];
		size_t n = 0;
		for (uint32_t c = 0; c < vm->nvcpus && n < sizeof(what); c++)
			n += (size_t)cv_snprintf(what + n, sizeof(what) - n, "%svcpu%u %s",
						 c ? ", " : "", c, vcpu_doing(&vm->vcpus[c]));
		vm_end(vm, VM_END_WATCHDOG, "deadline of %lu ticks (watchdog=) passed, "
		       "seen by the scheduler: %s", hv_opts.watchdog, what);
	}
	__atomic_store_n(&next_deadline, next, __ATOMIC_RELAXED);
	spin_unlock(&vcpu_state_lock);
}

/* Inline: the idle loop's common case is one RDTSC and one compare (a
 * vCPU's move to an idle pCPU waits for that loop, docs/performance.md). */
static inline void end_overdue_vms(void)
{
	uint64_t now = ref_now();

	if (now >= __atomic_load_n(&next_deadline, __ATOMIC_RELAXED))
		end_overdue_vms_slow(now);
}

/* Retire VMs that ended while none of their vCPUs ran (e.g. a SIPI-less AP). */
static void retire_idle_vms(void)
{
	bool any = false;

	for (uint32_t i = 0; i < nvms && !any; i++)   /* a look without the lock first */
		any = PEEK(vms[i].state) == VM_ENDED && !PEEK(vms[i].counted_done);
	if (!any)
		return;
	spin_lock(&vcpu_state_lock);
	for (uint32_t i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state != VM_ENDED || vm->counted_done)
			continue;
		bool running = false;
		for (uint32_t c = 0; c < vm->nvcpus; c++)
			running |= vm->vcpus[c].state == VCPU_RUNNING;
		if (!running) {
			vm->counted_done = true;
			vms_left--;
		}
	}
	spin_unlock(&vcpu_state_lock);
}

/* Might vm be stuck (a superset of end_stuck_vms' test, without the lock):
 * no vCPU of it runs or may run, as far as a look without the lock sees. */
static bool may_be_stuck(struct vm *vm)
{
	if (PEEK(vm->state) != VM_RUNNING)
		return false;
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		struct vcpu *v = &vm->vcpus[c];
		enum vcpu_state st = PEEK(v->state);
		if (st == VCPU_WAIT_SIPI)
			continue;
		if (st != VCPU_RUNNABLE)
			return false;
		if (!PEEK(v->parked) && !(PEEK(v->halted) && PEEK(v->timer_wake) == UINT64_MAX))
			return false;
	}
	return true;
}

/* A VM none of whose vCPUs can ever run again (each parked by HLT with
 * interrupts off, or halted with no timer armed and nothing to take, or
 * waiting for a SIPI that no running vCPU can send) is over: end it,
 * naming where it halted. */
static void end_stuck_vms(void)
{
	bool any = false;

	for (uint32_t i = 0; i < nvms && !any; i++)   /* a look without the lock first */
		any = may_be_stuck(&vms[i]);
	if (!any)
		return;
	spin_lock(&vcpu_state_lock);
	for (uint32_t i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state != VM_RUNNING)
			continue;
		bool stuck = true;
		for (uint32_t c = 0; c < vm->nvcpus; c++) {
			struct vcpu *v = &vm->vcpus[c];
			bool asleep = v->parked ||
				(v->halted && v->timer_wake == UINT64_MAX);
			stuck &= v->state == VCPU_WAIT_SIPI ||
				 (v->state == VCPU_RUNNABLE && asleep && !halt_over(v, ref_now()));
		}
		if (stuck)
			vm_end(vm, VM_END_HALTED, "HLT at RIP %#lx with %s, no vCPU left to run",
			       vm->vcpus[0].parked_rip, vm->vcpus[0].parked ? "interrupts off"
			       : "no timer armed and no interrupt pending");
	}
	spin_unlock(&vcpu_state_lock);
}

/* pCPU 0's test NMIs (nmi_test=) and console input (console_in=): at every
 * turn of the loop that finds its slot empty, never between a handoff and
 * its load. That is every turn after a slice too: only an idle pCPU's slot
 * is ever filled (slot_fill), and a pCPU is not idle after a slice. */
static inline void chores(uint32_t me, struct vm *input_vm)
{
	if (me == 0 && hv_opts.nmi_test)
		host_events_test_step(me, ncpus);
	if (input_vm && vm_console_reading(input_vm))
		vm_console_input(input_vm);
}

/*
 * Every pCPU's loop. With migrate=off a vCPU always comes back to the pCPU
 * it left, so its VMCS stays active there between slices (vmm/run.c: no
 * VMCLEAR, VMPTRLD or host state again).
 */
static void sched_loop(void *arg)
{
	uint32_t me = this_cpu()->cpu_id;
	bool stay = hv_opts.migrate == MIGRATE_OFF;
	bool every_exit = hv_opts.migrate == MIGRATE_EVERY_EXIT;

	/* Kicks (vmm/core/vcpu.c:vcpu_kick) are fixed IPIs: this pCPU's APIC
	 * must accept them. They are only ever taken as VM exits. */
	if (vmx_ctls.ack_intr)
		host_apic_sw_enable();

	/* pCPU 0 reads the console's input for the console_in= VM, between
	 * slices and when idle (vmm/dev/io.c: vm_console_input) */
	struct vm *input_vm = me == 0 && hv_opts.console_in >= 0 && (uint32_t)hv_opts.console_in < nvms
		? &vms[hv_opts.console_in] : NULL;

	for (;;) {
		/* A vCPU handed to this pCPU first: its move waits for this. */
		struct vcpu *v = __atomic_load_n(&handoff[me], __ATOMIC_ACQUIRE);
		if (v) {
			__atomic_store_n(&handoff[me], NULL, __ATOMIC_RELAXED);
			__atomic_store_n(&idle[me], false, __ATOMIC_RELAXED);
		} else {
			chores(me, input_vm);
			v = pick(me);
			if (!v && PEEK(handoff[me]))
				continue;
		}
		if (v) {
			/* (not when it was handed over at its last exit: handoff_early) */
			if (!vcpu_run_slice(v, hv_opts.slice, every_exit) || !vcpu_put(v, stay))
				give_back(v, me);
			end_overdue_vms();
			continue;
		}
		if (!PEEK(idle[me])) {
			/* Every VPID's mappings here go now, while nothing
			 * waits: a vCPU handed to this pCPU then needs no flush
			 * of its own (vmm/run.c:vcpu_load). */
			if (vmx_ctls.vpid && !this_cpu()->tlb_clean)
				this_cpu()->tlb_clean = vmx_flush_all_vpids();
			__atomic_store_n(&idle[me], true, __ATOMIC_RELAXED);
		}
		/* A turn of these checks is about 95 instructions, and a vCPU
		 * handed to this pCPU meanwhile waits for the check under way
		 * (a move's cost, docs/performance.md): so the slot is looked
		 * at between them too. */
		end_overdue_vms();
		console_poll();       /* guest lines not yet sent: nothing better to do */
		if (PEEK(handoff[me]))
			continue;
		retire_idle_vms();
		if (PEEK(handoff[me]))
			continue;
		end_stuck_vms();
		if (!__atomic_load_n(&vms_left, __ATOMIC_ACQUIRE))
			return;
		/* Then the slot alone, for about as long again. Much longer
		 * watches cost the halted vCPUs, whose wake-ups only pick()
		 * sees: 128 PAUSEs once took an IPI to a halted vCPU from 2805
		 * to 3165 ticks. 48 gave moves of 475 ticks on 2 and 4 pCPUs
		 * and that IPI 2765; 16 gave 475/480 and 2820 (make bench). */
		for (uint32_t i = 0; i < IDLE_SLOT_SPINS && !PEEK(handoff[me]); i++)
			cpu_relax();
	}
}

bool sched_run_all(void)
{
	ncpus = smp_ncpus();
	for (uint32_t c = 0; c < ncpus; c++)
		rr_next[c] = c + 1 < ncpus ? (int32_t)(c + 1) : 0;
	nall = 0;
	for (uint32_t i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state != VM_CREATED) {
			vm->counted_done = true;   /* refused at load: never runs */
			continue;
		}
		vm->state = VM_RUNNING;
		vms_left++;
		uint64_t start = ref_now();
		vm->watchdog_ref = hv_opts.watchdog && hv_opts.watchdog < UINT64_MAX - start
				   ? start + hv_opts.watchdog : UINT64_MAX;
		next_deadline = MIN(next_deadline, vm->watchdog_ref);
		for (uint32_t c = 0; c < vm->nvcpus; c++) {
			struct vcpu *v = &vm->vcpus[c];
			v->state = c == 0 || v->start_runnable ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
			v->last_pcpu = -1;
			v->next_pcpu = hv_opts.migrate == MIGRATE_OFF ? (int32_t)(nall % ncpus) : -1;
			all_vcpus[nall++] = v;
		}
		kprintf("[hv] vm%u \"%s\": starting (%u vCPU%s)\n", vm->id, vm->name, vm->nvcpus,
			vm->nvcpus == 1 ? "" : "s");
	}
	char mig[32];
	rng_state = hv_opts.migrate_seed ^ SPLITMIX_GAMMA;
	if (hv_opts.migrate == MIGRATE_RANDOM)
		cv_snprintf(mig, sizeof(mig), "random:%lu", hv_opts.migrate_seed);
	else
		cv_snprintf(mig, sizeof(mig), "%s", hv_opts.migrate == MIGRATE_OFF ? "off"
			    : hv_opts.migrate == MIGRATE_RR ? "rr" : "every-exit");
	kprintf("[hv] sched: %u vCPU(s) on %u pCPU(s), slice %lu ticks, migrate=%s, tsc=%s, "
		"apicv=%s, IPI kicks %s\n", nall, ncpus, hv_opts.slice, mig,
		tsc_policy_names[hv_opts.tsc],
		hv_opts.apicv == APICV_ON && vmx_ctls.apic_virt ? "on (APIC-register virtualization, "
		"virtual-interrupt delivery, TPR shadow)"
		: hv_opts.apicv >= APICV_TPR && vmx_ctls.tpr_shadow
		? (hv_opts.apicv == APICV_ON ? "tpr (this CPU has no APIC virtualization: TPR shadow only)"
		   : "tpr (TPR shadow)")
		: hv_opts.apicv ? "off (this CPU has no TPR shadow: CR8 exits)" : "off (CR8 exits)",
		vmx_ctls.ack_intr && ncpus > 1 ? "on" : "off");

	vcpu_kicks_enabled = vmx_ctls.ack_intr && ncpus > 1;
	exit_slice_end_hook = hv_opts.migrate == MIGRATE_OFF || ncpus == 1 ? NULL : handoff_early;
	for (uint32_t cpu = 1; cpu < ncpus; cpu++)
		smp_call(cpu, sched_loop, NULL);
	sched_loop(NULL);
	for (uint32_t cpu = 1; cpu < ncpus; cpu++)
		smp_wait(cpu);

	host_events_report(ncpus);
	bool all = true;
	for (uint32_t i = 0; i < nvms; i++) {
		report_vm(&vms[i]);
		all = all && (vm_passed(&vms[i]) || vm_skipped(&vms[i]));
	}
	uint64_t bytes, ticks;
	console_stats(&bytes, &ticks);
	kprintf("[hv] console: %lu bytes sent from the ring in %lu ticks (%lu ticks a byte)\n",
		bytes, ticks, bytes ? ticks / bytes : 0);
	return all;
}
