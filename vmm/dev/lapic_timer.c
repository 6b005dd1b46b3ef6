/*
 * vmm/dev/lapic_timer.c - the local APIC timer in its three modes, as a
 * deadline on the guest's own TSC (the contract is in vmm/dev/lapic_timer.h
 * and vmm/dev/lapic.h; docs/interrupts.md, section 3).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current; the
 * helpers of lapic_timer.h run with the APIC's lock held.
 *
 * The timer counts the guest's own TSC, as the policy sees it
 * (vmm/time/vtsc.h: vtsc_timer_now): one-shot and periodic expire
 * count * divisor guest TSC ticks after their start (periodic: each period
 * from the previous expiry, so no drift accumulates), TSC-deadline when the
 * guest's TSC reaches IA32_TSC_DEADLINE (SDM Vol. 3A, "APIC Timer",
 * "TSC-Deadline Mode"). The expiry, a guest TSC value, becomes v->timer_host
 * on the pCPU that holds the vCPU (re-derived at every load and every TSC
 * write) and v->timer_wake, its instant on the reference timeline, for the
 * scheduler (vmm/time/vtsc.c). It fires only when vtsc_timer_now() has
 * reached it, and its vector is held back at injection until then too (the
 * guard, vmm/dev/lapic.c:lapic_pending_irq); under percpu that is what
 * RDTSC returns on the pCPU, so no timer interrupt is ever early by the
 * guest's own clock.
 */
#include "vmm/dev/lapic_timer.h"
#include "vmm/dev/lapic_vapic.h"
#include "kernel/arch.h"
#include "lib/x86.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic.h"
#include "vmm/time/vtsc.h"

/* TIMER_MIN_PERIOD_US (lapic_timer.h): the shortest period a periodic timer
 * gets: a guest cannot flood its pCPU with timer interrupts (KVM's
 * min_timer_period_us, the same 200 us). A guest whose calibration went
 * wrong (under tsc=none its TSC jumps while it measures) still runs. */
#define US_PER_MS               1000
/* A halted vCPU is woken this many ticks before its timer (on the reference
 * timeline), so that its load on a pCPU happens before the deadline and
 * vmm/exits_core.c:vcpu_hlt_resume polls the rest (KVM's
 * lapic_timer_advance_ns, fixed): about the cost of a pick and a load in
 * Bochs, far below HALT_POLL_TICKS. */
#define TIMER_WAKE_ADVANCE      1500

bool lapic_timer_deadline_mode(const struct lapic *l)
{
	return lapic_timer_mode(&l->r) == APIC_TIMER_TSC_DEADLINE;
}

/* Has the guest's TSC `now` reached the expiry? TSC-deadline compares as
 * the CPU does (unsigned); a count's expiry is near, so a signed distance
 * is safe and survives a guest TSC that wraps. */
static bool timer_reached(const struct lapic *l, uint64_t now)
{
	if (lapic_timer_deadline_mode(l))
		return now >= l->timer_deadline;
	return (int64_t)(now - l->timer_deadline) >= 0;
}

/* The divisor TDCR selects; 1 under flaw=divide (the negative control of
 * the apic guest's divide check). */
static uint32_t timer_divisor(const struct lapic *l)
{
	return l->flaw_divide ? 1 : lapic_timer_divisor(l->r.timer_divide);
}

void lapic_timer_start_count(struct lapic *l, uint64_t now, uint32_t count)
{
	l->timer_owed = 0;
	l->timer_start = now;
	l->timer_count0 = count;
	l->timer_deadline = now + (uint64_t)count * timer_divisor(l);
	l->timer_armed = count != 0 && lapic_timer_mode(&l->r) <= APIC_TIMER_PERIODIC;
}

/* TMCCT now: 0 in TSC-deadline mode and when stopped. */
uint32_t lapic_timer_current(struct vcpu *v, const struct lapic *l)
{
	if (!l->timer_armed || lapic_timer_deadline_mode(l))
		return 0;
	uint64_t now = vtsc_timer_now(&v->clock);
	uint32_t div = timer_divisor(l);
	if (!timer_reached(l, now))
		return lapic_timer_count_after(l->timer_count0, div, now - l->timer_start);
	if (lapic_timer_mode(&l->r) != APIC_TIMER_PERIODIC || !l->r.timer_initial)
		return 0;
	/* periodic, expired but not serviced yet: where it is in the next period */
	uint64_t period = (uint64_t)l->r.timer_initial * div;
	return l->r.timer_initial - (uint32_t)(((now - l->timer_deadline) % period) / div);
}

/* The host instants of the timer (and of a held timer interrupt) on this
 * pCPU and for the scheduler. */
void lapic_timer_rederive(struct vcpu *v, struct lapic *l)
{
	uint64_t host = UINT64_MAX, wake = UINT64_MAX;

	if (l->timer_armed) {
		host = vtsc_deadline_host(&v->clock, l->timer_deadline);
		wake = vtsc_deadline_ref(&v->clock, l->timer_deadline);
		if (wake != UINT64_MAX)
			wake = wake > TIMER_WAKE_ADVANCE ? wake - TIMER_WAKE_ADVANCE : 0;
	}
	/* a held timer interrupt needs a visit only while it is still held:
	 * an instant already passed would make every entry exit at once */
	if (l->hold_vector >= 0) {
		uint64_t h = vtsc_deadline_host(&v->clock, l->hold_until);
		if (h > rdtsc())
			host = MIN(host, h);
	}
	v->timer_host = host;
	v->timer_wake = wake;
	if (host != UINT64_MAX)
		v->entry_work = true;
}

/* The period of a periodic timer in guest ticks, at least
 * TIMER_MIN_PERIOD_US; 0 when the count is 0. */
static uint64_t timer_period(struct vcpu *v, struct lapic *l)
{
	uint64_t period = (uint64_t)l->r.timer_initial * timer_divisor(l);
	uint64_t floor = vtsc_guest_khz(&v->clock) * TIMER_MIN_PERIOD_US / US_PER_MS;

	if (period && period < floor) {
		period = floor;
		l->periods_floored++;
	}
	return period;
}

/* The expiry: the interrupt (unless masked), then the next state. Returns
 * true when a vector went into IRR. A periodic timer whose expiries came
 * while its vCPU was off every pCPU owes one interrupt per period: the
 * first goes into IRR now, the others each time the previous one is taken
 * (lapic_ack_irq), so a guest that counts ticks loses none (as KVM's
 * pending timer interrupts); at most TIMER_OWED_MAX are kept. */
#define TIMER_OWED_MAX          100000u

static bool timer_fire(struct vcpu *v, struct lapic *l, uint64_t now)
{
	uint32_t lvt = l->r.lvt[LVT_TIMER];
	uint8_t vec = lvt & APIC_VECTOR_MASK;
	bool raised = false, periodic = lapic_timer_mode(&l->r) == APIC_TIMER_PERIODIC;
	uint64_t late = now - l->timer_deadline;
	uint64_t period = periodic ? timer_period(v, l) : 0;
	uint64_t n = period ? late / period + 1 : 1;            /* expiries passed */
	uint64_t last = l->timer_deadline + (n - 1) * period;   /* the latest of them */

	l->timer_fires += n;
	l->fire_late_sum += late;
	l->fire_late_max = MAX(l->fire_late_max, late);
	if (!(lvt & APIC_LVT_MASKED) && lapic_sw_enabled(&l->r)) {
		uint64_t owed = n;
		bool in_irr = l->r.irr[vec / 32] & (1u << (vec % 32));
		if (!in_irr && lapic_accept_irq(&l->r, vec, false)) {
			raised = true;
			owed--;
		}
		l->timer_owed = (uint32_t)MIN(l->timer_owed + owed, TIMER_OWED_MAX);
		l->hold_vector = vec;
		l->hold_until = last;
		l->hold_wake = vtsc_deadline_ref(&v->clock, last);
	} else {
		l->timer_masked += n;
	}
	switch (lapic_timer_mode(&l->r)) {
	case APIC_TIMER_PERIODIC:
		if (!period) {
			l->timer_armed = false;
			break;
		}
		/* from the previous expiry, not from now: no drift */
		l->timer_start = last;
		l->timer_deadline = last + period;
		l->timer_count0 = l->r.timer_initial;
		break;
	case APIC_TIMER_TSC_DEADLINE:
		l->tsc_deadline = 0;            /* it reads 0 once it has fired */
		l->timer_armed = false;
		break;
	default:
		l->timer_armed = false;
		break;
	}
	return raised;
}


bool lapic_timer_write_deadline(struct vcpu *v, struct lapic *l, uint64_t val)
{
	/* ignored outside TSC-deadline mode; 0 disarms; a value already passed
	 * fires at once ("TSC-Deadline Mode") */
	if (lapic_timer_deadline_mode(l)) {
		l->tsc_deadline = val;
		l->timer_deadline = val;
		l->timer_armed = val != 0;
		lapic_timer_rederive(v, l);
	}
	return l->timer_armed && rdtsc() >= v->timer_host;
}

void lapic_timer_written(struct vcpu *v, struct lapic *l, unsigned off, uint32_t old_initial,
			 uint32_t cur)
{
	if (off == APIC_REG_LVT_TIMER) {
		/* a change of timer mode disarms it ("TSC-Deadline Mode") */
		l->timer_armed = false;
		l->timer_owed = 0;
		l->r.timer_initial = 0;
		l->tsc_deadline = 0;
	} else if (lapic_timer_deadline_mode(l)) {
		l->r.timer_initial = old_initial;   /* TMICT is ignored in this mode */
	} else if (off == APIC_REG_TIMER_INITIAL) {
		lapic_timer_start_count(l, vtsc_timer_now(&v->clock), l->r.timer_initial);
	} else if (l->timer_armed) {                /* TDCR: the rest at the new rate */
		lapic_timer_start_count(l, vtsc_timer_now(&v->clock), cur);
	}
	lapic_timer_rederive(v, l);
}

void lapic_timer_reset(struct vcpu *v, struct lapic *l)
{
	l->timer_armed = false;
	l->timer_owed = 0;
	l->tsc_deadline = 0;
	l->hold_vector = -1;
	lapic_timer_rederive(v, l);
}

void lapic_timer_load_slow(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	lapic_timer_rederive(v, l);
	bool due = v->timer_host != UINT64_MAX && rdtsc() >= v->timer_host;
	spin_unlock(&l->lock);
	if (due)
		lapic_timer_service(v);
}

void lapic_timer_service(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);
	bool raised = false;

	spin_lock(&l->lock);
	lapic_vapic_in(v, l);           /* apicv=on: is the timer's vector still in IRR? */
	if (l->timer_armed) {
		uint64_t now = vtsc_timer_now(&v->clock);
		if (timer_reached(l, now))
			raised = timer_fire(v, l, now);
	}
	lapic_timer_rederive(v, l);
	spin_unlock(&l->lock);
	if (raised)
		vcpu_post_event(v, EV_IRR);
}

void lapic_guest_tsc_changed(struct vcpu *v, uint64_t old_now, uint64_t new_now)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	if (l->timer_armed && !lapic_timer_deadline_mode(l)) {
		l->timer_start += new_now - old_now;
		l->timer_deadline += new_now - old_now;
	}
	lapic_timer_rederive(v, l);
	bool due = v->timer_host != UINT64_MAX && rdtsc() >= v->timer_host;
	spin_unlock(&l->lock);
	if (due)
		lapic_timer_service(v);
}

