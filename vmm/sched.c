/*
 * vmm/sched.c - the scheduler: all vCPUs of all VMs over all pCPUs.
 *
 * Context: VMX root, interrupts off. Every pCPU runs sched_loop(): pick a
 * runnable vCPU allowed here, run it for a slice (vmm/run.c: VMPTRLD here,
 * VMCLEAR here when it leaves), decide where it may run next, repeat until
 * every VM has ended. The pCPU that puts a vCPU away VMCLEARs it itself, so
 * no pCPU ever needs another's help (no IPI; DESIGN.md, "Scheduling and
 * migration"). One lock guards the vCPU states; it is held only to pick
 * and to give back, never while a guest runs.
 *
 * A vCPU leaves its pCPU when its slice (slice= ticks) ends, when it
 * sleeps (HLT, HC_SLEEP, HC_YIELD), or after every exit with
 * migrate=every-exit. Where it runs next is migrate='s choice:
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
#include "vmm/run.h"
#include "kernel/smp.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"

enum migrate_mode { MIGRATE_OFF, MIGRATE_RR, MIGRATE_RANDOM, MIGRATE_EVERY_EXIT };

#define DEFAULT_SLICE_TICKS   10000000ULL

static struct spinlock sched_lock;
static enum migrate_mode migrate_mode = MIGRATE_OFF;
static uint64_t rng_state, rng_seed;
bool sched_every_exit;
static uint32_t ncpus;
static uint32_t vms_left;             /* VMs not yet ended, under sched_lock */
static uint32_t next_scan[MAX_CPUS];  /* round-robin start point per pCPU */

uint64_t sched_slice_ticks(void)
{
	return hv_opts.slice ? hv_opts.slice : DEFAULT_SLICE_TICKS;
}

bool sched_parse_migrate(const char *s, char *err, size_t errlen)
{
	if (!*s || !strcmp(s, "off")) {
		migrate_mode = MIGRATE_OFF;
	} else if (!strcmp(s, "rr")) {
		migrate_mode = MIGRATE_RR;
	} else if (!strcmp(s, "every-exit")) {
		migrate_mode = MIGRATE_EVERY_EXIT;
		sched_every_exit = true;
	} else if (!strncmp(s, "random:", 7) && s[7]) {
		uint64_t seed = 0;
		for (const char *p = s + 7; *p; p++) {
			if (*p < '0' || *p > '9' || seed > (UINT64_MAX - 9) / 10) {
				cv_snprintf(err, errlen, "option 'migrate': bad seed in '%s'; "
					    "allowed: off|rr|random:SEED|every-exit", s);
				return false;
			}
			seed = seed * 10 + (uint64_t)(*p - '0');
		}
		migrate_mode = MIGRATE_RANDOM;
		rng_seed = seed;
		rng_state = seed ^ 0x9E3779B97F4A7C15ULL;
	} else {
		cv_snprintf(err, errlen, "option 'migrate': bad value '%s'; "
			    "allowed: off|rr|random:SEED|every-exit", s);
		return false;
	}
	return true;
}

/* splitmix64: small, seedable, the same sequence on every run */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Where v may run after leaving pCPU `from` (under sched_lock). */
static int32_t next_pcpu_for(struct vcpu *v, uint32_t from)
{
	switch (migrate_mode) {
	case MIGRATE_OFF:
		return v->next_pcpu;
	case MIGRATE_RR:
	case MIGRATE_EVERY_EXIT:
		return (int32_t)((from + 1) % ncpus);
	case MIGRATE_RANDOM:
		return (int32_t)(rng_next() % ncpus);
	}
	return -1;
}

/* The flat list of every vCPU, in VM order. */
static struct vcpu *all_vcpus[MAX_VMS * MAX_VCPUS];
static uint32_t nall;

/* A runnable vCPU this pCPU may run now, marked RUNNING; NULL if none. */
static struct vcpu *pick(uint32_t me)
{
	struct vcpu *found = NULL;
	uint64_t now = ref_now();

	spin_lock(&sched_lock);
	for (uint32_t k = 0; k < nall && !found; k++) {
		uint32_t i = (next_scan[me] + k) % nall;
		struct vcpu *v = all_vcpus[i];
		if (v->vm->state == VM_ENDED && v->state != VCPU_RUNNING) {
			v->state = VCPU_STOPPED;
			continue;
		}
		if (v->state != VCPU_RUNNABLE)
			continue;
		if (v->next_pcpu >= 0 && v->next_pcpu != (int32_t)me)
			continue;
		if (v->parked || (v->sleeping && (int64_t)(now - v->wake_ref) < 0))
			continue;
		v->state = VCPU_RUNNING;
		v->sleeping = false;
		next_scan[me] = i + 1;
		found = v;
	}
	spin_unlock(&sched_lock);
	return found;
}

static void give_back(struct vcpu *v, uint32_t me)
{
	spin_lock(&sched_lock);
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
		v->next_pcpu = next_pcpu_for(v, me);
		v->state = VCPU_RUNNABLE;
	}
	spin_unlock(&sched_lock);
}

/* Retire VMs that ended while none of their vCPUs ran (e.g. a SIPI-less AP). */
static void retire_idle_vms(void)
{
	spin_lock(&sched_lock);
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
	spin_unlock(&sched_lock);
}

/* A VM none of whose vCPUs can ever run again (each parked by HLT with
 * interrupts off, or waiting for a SIPI that no running vCPU can send) is
 * over: end it, naming where it halted. */
static void end_stuck_vms(void)
{
	spin_lock(&sched_lock);
	for (uint32_t i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state != VM_RUNNING)
			continue;
		bool stuck = true;
		for (uint32_t c = 0; c < vm->nvcpus; c++) {
			const struct vcpu *v = &vm->vcpus[c];
			stuck &= v->state == VCPU_WAIT_SIPI ||
				 (v->state == VCPU_RUNNABLE && v->parked);
		}
		if (stuck)
			vm_end(vm, VM_END_HALTED, "HLT at RIP %#lx with interrupts off, no vCPU left to run",
			       vm->vcpus[0].parked_rip);
	}
	spin_unlock(&sched_lock);
}

static void sched_loop(void *arg)
{
	uint32_t me = this_cpu()->cpu_id;

	for (;;) {
		struct vcpu *v = pick(me);
		if (v) {
			vcpu_run_slice(v);
			give_back(v, me);
			continue;
		}
		retire_idle_vms();
		end_stuck_vms();
		if (!__atomic_load_n(&vms_left, __ATOMIC_ACQUIRE))
			return;
		cpu_relax();
	}
}

void sched_vcpu_init_signal(struct vcpu *target)
{
	spin_lock(&sched_lock);
	/* Only an AP that has not started yet: re-INIT of a running vCPU is
	 * not emulated (it would need its whole state reset). */
	if (target->state == VCPU_WAIT_SIPI)
		target->pending_sipi = false;
	spin_unlock(&sched_lock);
}

void sched_vcpu_sipi(struct vcpu *target, uint8_t vector)
{
	spin_lock(&sched_lock);
	if (target->state == VCPU_WAIT_SIPI) {
		target->pending_sipi = true;
		target->sipi_vector = vector;
		target->state = VCPU_RUNNABLE;
	}
	spin_unlock(&sched_lock);
}

static void print_vcpu_tsc_stats(struct vm *vm)
{
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		struct vcpu *v = &vm->vcpus[c];
		kprintf("[hv] vm%u vcpu%u tsc: policy %s, migrations %lu (cost avg %lu max %lu ticks), "
			"%s %lu (%lu ticks), max clock error %ld ticks\n", vm->id, c,
			tsc_policy_names[vm->tsc_policy],
			v->migrations, v->migrations ? v->migration_ticks_sum / v->migrations : 0,
			v->migration_ticks_max,
			vm->tsc_policy == TSC_POLICY_KVM2633 ? "backwards fixes" : "guard corrections",
			v->corrections, v->correction_ticks, v->max_clock_error);
	}
}

bool sched_run_all(void)
{
	ncpus = smp_ncpus();
	nall = 0;
	for (uint32_t i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state != VM_CREATED) {
			vm->counted_done = true;   /* refused at load: never runs */
			continue;
		}
		vm->state = VM_RUNNING;
		vms_left++;
		vm->watchdog_ref = hv_opts.watchdog ? ref_now() + hv_opts.watchdog : UINT64_MAX;
		for (uint32_t c = 0; c < vm->nvcpus; c++) {
			struct vcpu *v = &vm->vcpus[c];
			v->state = c == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
			v->last_pcpu = -1;
			v->next_pcpu = migrate_mode == MIGRATE_OFF ? (int32_t)(nall % ncpus) : -1;
			for (uint32_t r = 0; r < HC_EXIT_REASONS; r++)
				v->hv_ticks_min[r] = UINT64_MAX;
			all_vcpus[nall++] = v;
		}
		kprintf("[hv] vm%u \"%s\": starting (%u vCPU%s)\n", vm->id, vm->name, vm->nvcpus,
			vm->nvcpus == 1 ? "" : "s");
	}
	char mig[32];
	if (migrate_mode == MIGRATE_RANDOM)
		cv_snprintf(mig, sizeof(mig), "random:%lu", rng_seed);
	else
		cv_snprintf(mig, sizeof(mig), "%s", migrate_mode == MIGRATE_OFF ? "off"
			    : migrate_mode == MIGRATE_RR ? "rr" : "every-exit");
	kprintf("[hv] sched: %u vCPU(s) on %u pCPU(s), slice %lu ticks, migrate=%s, tsc=%s\n",
		nall, ncpus, sched_slice_ticks(), mig,
		tsc_policy_names[hv_opts.tsc]);

	for (uint32_t cpu = 1; cpu < ncpus; cpu++)
		smp_call(cpu, sched_loop, NULL);
	sched_loop(NULL);
	for (uint32_t cpu = 1; cpu < ncpus; cpu++)
		smp_wait(cpu);

	bool all = true;
	for (uint32_t i = 0; i < nvms; i++) {
		report_vm(&vms[i]);
		if (vms[i].nvcpus)
			print_vcpu_tsc_stats(&vms[i]);
		all = all && vm_passed(&vms[i]);
	}
	return all;
}
