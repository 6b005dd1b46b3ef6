/*
 * vmm/time/vtsc.c - the virtual TSC of each vCPU, and TSC_OFFSET in its VMCS.
 *
 * Context: VMX root, on the pCPU where the vCPU is being loaded or is
 * loaded (vtsc_init: at creation). Only vtsc_write, vtsc_offset_changed and
 * write_offset need its VMCS current here; vtsc_load does not, so a pCPU
 * that takes over a vCPU computes its offset while the old pCPU is still
 * clearing the VMCS (vmm/run.c:vcpu_load). Equations: vmm/time/tsc_math.h.
 *
 * TSC_OFFSET is written on the pCPU that owns the VMCS, right when the
 * vCPU is loaded there or when the guest changed its own TSC, and only when
 * the value differs from the one last written (NOVA's "hazard" idea): a
 * VMWRITE on every exit would be pure overhead on the exit path.
 */
#include "vmm/time/vtsc.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/pit.h"
#include "lib/atomic.h"
#include "vmm/time/tsc_sync.h"
#include "vmx/vmcs.h"

const char *const tsc_policy_names[NUM_TSC_POLICIES + 1] = {
	[TSC_POLICY_NONE] = "none",
	[TSC_POLICY_KVM2633] = "kvm2633",
	[TSC_POLICY_PERCPU] = "percpu",
	[NUM_TSC_POLICIES] = NULL,
};

uint64_t boot_ref_tsc;

enum tsc_policy tsc_policy_from_choice(uint32_t choice)
{
	/* The option parser only returns indices of tsc_policy_names. */
	assert(choice < NUM_TSC_POLICIES);
	return (enum tsc_policy)choice;
}

uint64_t vtsc_policy_ref(const struct vclock *c)
{
	switch (c->policy) {
	case TSC_POLICY_PERCPU:
		return ref_now();
	case TSC_POLICY_NONE:
	case TSC_POLICY_KVM2633:
	case NUM_TSC_POLICIES:
		break;
	}
	return rdtsc();
}

void vtsc_init(struct vclock *c, enum tsc_policy policy, uint64_t base_ref, uint64_t mult,
	       uint64_t khz_asked)
{
	/* One timeline per VM: every vCPU counts from the VM's creation (and
	 * INIT/SIPI leave the TSC alone, SDM Vol. 3A, "IA-32 Processor States
	 * Following Power-up, Reset, or INIT"). */
	assert(policy < NUM_TSC_POLICIES);
	*c = (struct vclock){ .policy = policy, .khz_asked = khz_asked,
			      .scaled = mult != TSC_MULT_ONE };
	tsc_init(&c->tsc, base_ref, mult);
}

static void write_offset(struct vclock *c, uint64_t offset)
{
	if (c->offset_valid && c->offset == offset)
		return;
	vtsc_set_offset(c, offset);
}

/*
 * The TSC_OFFSET for loading the vCPU on this pCPU p, by policy
 * (docs/design.md, "Policies"); vtsc_write then puts it in the VMCS:
 *   none     TSC_OFFSET = off[v]: the guest sees ref + skew[p] + off[v], so
 *            its clock jumps by the skew difference at every move (the bug).
 *   kvm2633  as KVM 2.6.33's vmx_vcpu_load: off[v], raised by
 *            last_host_tsc - tsc_now when this pCPU's TSC is below the one
 *            recorded when v last left a pCPU (arch.host_tsc, saved in
 *            __vcpu_clear); the raise stays in the offset for good.
 *   percpu   TSC_OFFSET = off[v] - scale(skew[p]), then the monotonic guard:
 *            if the guest would read less than it last read when it left,
 *            off[v] is raised just enough, and counted. The guard's floor is
 *            reset by the guest's own TSC writes, so a guest may still move
 *            its own TSC backwards.
 * Its clock error is taken at the put (vtsc_note_error), off the path of
 * the move.
 */
uint64_t vtsc_load(struct vclock *c)
{
	uint32_t me = this_cpu()->cpu_id;
	struct vtsc *t = &c->tsc;
	uint64_t offset = t->off;

	switch (c->policy) {
	case TSC_POLICY_NONE:
		break;
	case TSC_POLICY_KVM2633: {
		/* LAB 3 BEGIN: the kvm2633 rule (labs/03-kvm2633.md) */
		uint64_t tsc_this = rdtsc();
		if (c->has_run && tsc_this < c->last_host_tsc) {
			uint64_t delta = c->last_host_tsc - tsc_this;
			t->off += delta;
			c->corrections++;
			c->correction_ticks += delta;
		}
		offset = t->off;
		/* LAB 3 END */
		break;
	}
	case TSC_POLICY_PERCPU:
		offset = tsc_offset_compensated(t, tsc_skew(me));
		/* LAB 5 BEGIN: the monotonic guard (labs/05-guard.md) */
		if (c->has_run) {
			uint64_t would_read = tsc_scale(rdtsc(), t->mult) + offset;
			if ((int64_t)(would_read - c->last_guest_tsc) < 0) {
				uint64_t delta = c->last_guest_tsc - would_read;
				t->off += delta;
				offset += delta;
				c->corrections++;
				c->correction_ticks += delta;
			}
		}
		/* LAB 5 END */
		break;
	case NUM_TSC_POLICIES:
		panic("vtsc: vCPU clock with no policy");
	}

	return offset;
}

/* The clock error is the guest's clock minus the ideal one, which runs on
 * the true reference timeline (the injected skew, known by construction,
 * not the measured one) with off[v] as the guest itself set it:
 *   guest clock - ideal clock = offset + scale(injected[p]) - (off - corrections)
 * for the offset in force on pCPU p (a guest write to its TSC since the
 * load changed off and the offset together, and is a sample of its own). */
void vtsc_note_error(struct vclock *c, const struct vtsc_sample *s, uint32_t cpu)
{
	if (!s->due)
		return;
	int64_t err = (int64_t)(s->offset +
				(uint64_t)tsc_scale_signed(tsc_skew_injected(cpu), c->tsc.mult) -
				s->ideal_off);
	atomic_max_u64(&c->max_clock_error, err < 0 ? -(uint64_t)err : (uint64_t)err);
}

void vtsc_offset_changed(struct vclock *c)
{
	uint64_t offset = c->policy == TSC_POLICY_PERCPU
		? tsc_offset_compensated(&c->tsc, tsc_skew(this_cpu()->cpu_id)) : c->tsc.off;
	write_offset(c, offset);
	/* The guest set its own clock: the guard must not undo that. */
	c->last_guest_tsc = vtsc_guest_now(c);
}

int64_t vtsc_guest_check(struct vclock *c, uint64_t guest_read, uint64_t host_tsc)
{
	int64_t err = tsc_guest_error(guest_read, host_tsc, tsc_skew_injected(this_cpu()->cpu_id),
				      c->tsc.mult, c->tsc.off - c->correction_ticks);
	uint64_t mag = err < 0 ? 0 - (uint64_t)err : (uint64_t)err;

	c->guest_checks++;
	if (mag > c->max_guest_error)
		c->max_guest_error = mag;
	return err;
}

uint64_t vtsc_guest_now(const struct vclock *c)
{
	/* Exactly what the CPU computes for RDTSC in the guest. */
	return tsc_scale(rdtsc(), c->tsc.mult) + c->offset;
}

uint64_t vtsc_timer_now(const struct vclock *c)
{
	switch (c->policy) {
	case TSC_POLICY_PERCPU:
		return vtsc_guest_now(c);
	case TSC_POLICY_NONE:
	case TSC_POLICY_KVM2633:
	case NUM_TSC_POLICIES:
		break;
	}
	return tsc_guest(&c->tsc, ref_now());
}

uint64_t vtsc_deadline_ref(const struct vclock *c, uint64_t deadline)
{
	return tsc_deadline_to_host(deadline, c->tsc.off, c->tsc.mult, ref_now());
}

uint64_t vtsc_deadline_host(const struct vclock *c, uint64_t deadline)
{
	if (c->policy == TSC_POLICY_PERCPU)
		return tsc_deadline_to_host(deadline, c->offset, c->tsc.mult, rdtsc());
	uint64_t r = vtsc_deadline_ref(c, deadline);
	return r == UINT64_MAX ? r : ref_to_host(this_cpu()->cpu_id, r);
}

uint64_t vtsc_guest_khz(const struct vclock *c)
{
	/* tsc_khz= exactly as asked: the multiplier realises it to within
	 * 2^-48, and rounding host_khz * mult down would say one kHz less. */
	if (c->khz_asked)
		return c->khz_asked;
	return tsc_scale(tsc_khz(), c->tsc.mult);
}
