/*
 * vmm/dev/lapic.c - the guest's local APIC, one per vCPU (the contract is in
 * vmm/dev/lapic.h; the registers' semantics in vmm/dev/lapic_regs.c).
 *
 * Context: VMX root. The owner is the pCPU where the vCPU's VMCS is
 * current; other pCPUs touch an APIC only to deliver an IPI into its IRR
 * or to ask whether a halted vCPU should wake. Each APIC has a lock; no
 * code holds two of them, and none is taken with another APIC's held
 * (lock order: vcpu_state_lock, then one APIC lock).
 *
 * Where the accesses come from:
 *   xAPIC page   every EPT violation in IA32_APIC_BASE's page (never mapped
 *                in the EPT), decoded by vmm/dev/mmio.c;
 *   x2APIC MSRs  0x800-0x8FF exit (the MSR bitmap is all ones);
 *   CR8          CR8-load/store exiting (apicv=off), or the TPR shadow's
 *                virtual-APIC page, whose TPR at offset 0x80 is then the
 *                TPR itself (synced in and out here);
 *   timer        IA32_TSC_DEADLINE (MSR 0x6E0), TMICT/TDCR/LVT timer.
 *
 * Interrupts go in through IRR (lapic_accept_irq), and vmm/inject.c takes
 * them out at VM entry (lapic_pending_irq, lapic_ack_irq). A vCPU whose
 * IRR gets a bit has EV_IRR posted, and is kicked if it runs on another
 * pCPU (vmm/core/vcpu.c:vcpu_kick).
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
 * guard); under percpu that is what RDTSC returns on the pCPU, so no timer
 * interrupt is ever early by the guest's own clock.
 */
#include "vmm/dev/lapic.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/msr.h"
#include "lib/x86.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic_regs.h"
#include "vmm/dev/mmio.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"

#define VECTOR_ILLEGAL_LIMIT    16
/* The shortest period a periodic timer gets, in microseconds of guest time:
 * a guest cannot flood its pCPU with timer interrupts (KVM's
 * min_timer_period_us, the same 200 us). A guest whose calibration went
 * wrong (under tsc=none its TSC jumps while it measures) still runs. */
#define TIMER_MIN_PERIOD_US     200
#define US_PER_MS               1000
/* A halted vCPU is woken this many ticks before its timer (on the reference
 * timeline), so that its load on a pCPU happens before the deadline and
 * vmm/exits_core.c:vcpu_hlt_resume polls the rest (KVM's
 * lapic_timer_advance_ns, fixed): about the cost of a pick and a load in
 * Bochs, far below HALT_POLL_TICKS. */
#define TIMER_WAKE_ADVANCE      1500
/* IA32_APIC_BASE bits a guest may not set: 7:0, 9 and 63:52 (SDM Vol. 3A,
 * "Local APIC Status and Location"; bits above MAXPHYADDR). */
#define APIC_BASE_RESERVED      (~(APIC_BASE_ADDR_MASK | APIC_BASE_BSP | APIC_BASE_EXTD | \
				   APIC_BASE_ENABLE))

struct lapic {
	struct spinlock lock;
	struct lapic_regs r;
	uint64_t base;                /* IA32_APIC_BASE */
	/* the timer, on the guest's TSC */
	bool timer_armed;
	uint64_t timer_start;         /* guest TSC when the count was timer_count0 */
	uint32_t timer_count0;
	uint64_t timer_deadline;      /* guest TSC of the next expiry */
	uint64_t tsc_deadline;        /* IA32_TSC_DEADLINE as the guest reads it */
	uint32_t timer_owed;          /* periodic expiries not delivered yet (see timer_fire) */
	/* the guard: the timer's vector, set in IRR at hold_until, is not
	 * taken before the guest's TSC on its current pCPU reads hold_until */
	int hold_vector;              /* -1: none */
	uint64_t hold_until;
	uint64_t hold_wake;           /* hold_until on the reference timeline */
	/* counters (owner only) */
	uint64_t timer_fires, timer_masked, fire_late_sum, fire_late_max, guard_holds;
	uint64_t eois, ipis_sent, periods_floored;
};

/* What a VM's vCPUs asked for that reached nobody: counted, reported once. */
struct lapic_vm_stats {
	uint64_t ipi_absent;          /* INIT/SIPI that reach no present vCPU */
	uint64_t ipi_refused;         /* fixed IPIs a target's APIC did not accept */
	uint64_t ipi_unsupported;     /* SMI, ExtINT, reserved modes, invalid shorthands */
	bool reported_absent, reported_refused, reported_unsupported;
};

/* struct vcpu belongs to vmm/core/vm.h; the APIC state lives here, by id. */
static struct lapic lapics[MAX_VMS][MAX_VCPUS];
static struct lapic_vm_stats vm_stats[MAX_VMS];

static struct lapic *lapic_of(struct vcpu *v)
{
	return &lapics[v->vm->id][v->id];
}

static bool x2apic_mode(const struct lapic *l)
{
	return (l->base & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) == (APIC_BASE_ENABLE | APIC_BASE_EXTD);
}

/* ---- the TPR shadow (apicv=on): VTPR at offset 0x80 of the page is the TPR ---- */

static volatile uint32_t *vtpr(struct vcpu *v)
{
	return (volatile uint32_t *)(v->vapic_page + APIC_REG_TPR);
}

static void tpr_sync_in(struct vcpu *v, struct lapic *l)
{
	if (v->vapic_page)
		l->r.tpr = *vtpr(v) & APIC_VECTOR_MASK;
}

static void tpr_sync_out(struct vcpu *v, struct lapic *l)
{
	if (v->vapic_page)
		*vtpr(v) = l->r.tpr;
}

/* ---- timer (lock held, owner pCPU) ---- */

static bool deadline_mode(const struct lapic *l)
{
	return lapic_timer_mode(&l->r) == APIC_TIMER_TSC_DEADLINE;
}

/* Has the guest's TSC `now` reached the expiry? TSC-deadline compares as
 * the CPU does (unsigned); a count's expiry is near, so a signed distance
 * is safe and survives a guest TSC that wraps. */
static bool timer_reached(const struct lapic *l, uint64_t now)
{
	if (deadline_mode(l))
		return now >= l->timer_deadline;
	return (int64_t)(now - l->timer_deadline) >= 0;
}

static void timer_start_count(struct lapic *l, uint64_t now, uint32_t count)
{
	l->timer_owed = 0;
	l->timer_start = now;
	l->timer_count0 = count;
	l->timer_deadline = now + (uint64_t)count * lapic_timer_divisor(l->r.timer_divide);
	l->timer_armed = count != 0 && lapic_timer_mode(&l->r) <= APIC_TIMER_PERIODIC;
}

/* TMCCT now: 0 in TSC-deadline mode and when stopped. */
static uint32_t timer_current(struct vcpu *v, const struct lapic *l)
{
	if (!l->timer_armed || deadline_mode(l))
		return 0;
	uint64_t now = vtsc_timer_now(&v->clock);
	uint32_t div = lapic_timer_divisor(l->r.timer_divide);
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
static void timer_rederive(struct vcpu *v, struct lapic *l)
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
	uint64_t period = (uint64_t)l->r.timer_initial * lapic_timer_divisor(l->r.timer_divide);
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

/* ---- interrupts in ---- */

static void note_irr(struct vcpu *v, struct lapic *l)
{
	if (lapic_highest(l->r.irr) >= 0)
		vcpu_post_event(v, EV_IRR);
}

/* A fixed interrupt into target's IRR, from any pCPU. */
static bool deliver_fixed(struct vcpu *target, uint8_t vec)
{
	struct lapic *t = lapic_of(target);

	spin_lock(&t->lock);
	bool ok = lapic_accept_irq(&t->r, vec, false);
	spin_unlock(&t->lock);
	if (ok)
		vcpu_post_event(target, EV_IRR);
	return ok;
}

static void report_once(struct vcpu *v, bool *reported, const char *what, uint32_t high,
			uint32_t low)
{
	if (!__atomic_exchange_n(reported, true, __ATOMIC_RELAXED))
		kprintf("[hv] vm%u vcpu%u: IPI (ICR %#x:%08x) %s (counted, reported once)\n",
			v->vm->id, v->id, high, low, what);
}

/* Which of the VM's vCPUs an ICR addresses (SDM Vol. 3A, "Determining IPI
 * Destination"): a bit per vCPU id (= APIC ID). */
static uint32_t ipi_targets(struct vcpu *v, uint32_t low, uint32_t high, bool x2)
{
	struct vm *vm = v->vm;
	uint32_t all = (1u << vm->nvcpus) - 1, self = 1u << v->id, targets = 0;
	uint32_t dest = x2 ? high : high >> APIC_XAPIC_ID_SHIFT;

	switch ((low >> APIC_SHORTHAND_SHIFT) & 3) {
	case APIC_SHORTHAND_SELF:
		return self;
	case APIC_SHORTHAND_ALL:
		return all;
	case APIC_SHORTHAND_OTHERS:
		return all & ~self;
	default:
		break;
	}
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct lapic *t = &lapics[vm->id][i];
		spin_lock(&t->lock);
		bool hit = lapic_match_dest(&t->r, dest, low & APIC_ICR_DEST_LOGICAL, x2);
		spin_unlock(&t->lock);
		if (hit)
			targets |= 1u << i;
	}
	return targets;
}

/* An ICR write sends the IPI (the caller holds no APIC lock). */
static void send_ipi(struct vcpu *v, uint32_t low, uint32_t high, bool x2)
{
	struct lapic_vm_stats *st = &vm_stats[v->vm->id];
	struct lapic *l = lapic_of(v);
	unsigned mode = (low & APIC_DM_MASK) >> APIC_DM_SHIFT;
	unsigned shorthand = (low >> APIC_SHORTHAND_SHIFT) & 3;
	uint8_t vec = low & APIC_VECTOR_MASK;
	uint32_t targets = ipi_targets(v, low, high, x2), self = 1u << v->id;

	l->ipis_sent++;
	/* "Valid Combinations for the ... Interrupt Command Register": the
	 * self shorthand takes fixed only, lowest priority never goes to all
	 * including self; other modes are not delivered (SMI, ExtINT,
	 * reserved): counted and reported once. */
	bool valid = mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST || mode == APIC_DM_NMI ||
		     mode == APIC_DM_INIT || mode == APIC_DM_STARTUP;
	if (shorthand == APIC_SHORTHAND_SELF && mode != APIC_DM_FIXED)
		valid = false;
	if (shorthand == APIC_SHORTHAND_ALL && mode == APIC_DM_LOWEST)
		valid = false;
	if (!valid) {
		__atomic_fetch_add(&st->ipi_unsupported, 1, __ATOMIC_RELAXED);
		report_once(v, &st->reported_unsupported, "with an unsupported delivery mode or "
			    "shorthand: not delivered", high, low);
		return;
	}
	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (vec < VECTOR_ILLEGAL_LIMIT) {
			spin_lock(&l->lock);
			lapic_error(&l->r, APIC_ESR_SEND_ILLEGAL);
			spin_unlock(&l->lock);
			note_irr(v, l);
			return;
		}
		/* lowest priority as fixed to one target: the lowest APIC ID */
		if (mode == APIC_DM_LOWEST && targets)
			targets &= -targets;
		for (uint32_t i = 0; i < v->vm->nvcpus; i++) {
			if (!(targets & (1u << i)) || deliver_fixed(&v->vm->vcpus[i], vec))
				continue;
			__atomic_fetch_add(&st->ipi_refused, 1, __ATOMIC_RELAXED);
			report_once(v, &st->reported_refused, "refused by a software-disabled APIC",
				    high, low);
		}
		return;
	case APIC_DM_NMI:
		for (uint32_t i = 0; i < v->vm->nvcpus; i++)
			if (targets & (1u << i))
				vcpu_post_event(&v->vm->vcpus[i], EV_NMI);
		return;
	default:
		break;
	}
	/* INIT and STARTUP, to the VM's other vCPUs (an INIT level de-assert
	 * only resynchronises arbitration IDs, which no processor since the
	 * Pentium 4 does: nothing to deliver). */
	if (mode == APIC_DM_INIT && !(low & APIC_ICR_LEVEL_ASSERT))
		return;
	targets &= ~self;
	if (!targets) {
		__atomic_fetch_add(&st->ipi_absent, 1, __ATOMIC_RELAXED);
		if (!__atomic_exchange_n(&st->reported_absent, true, __ATOMIC_RELAXED))
			kprintf("[hv] vm%u vcpu%u: %s IPI (ICR %#x:%08x) reaches no vCPU of the %u "
				"present: absorbed (counted, reported once)\n", v->vm->id, v->id,
				mode == APIC_DM_INIT ? "INIT" : "SIPI", high, low, v->vm->nvcpus);
		return;
	}
	for (uint32_t i = 0; i < v->vm->nvcpus; i++) {
		if (!(targets & (1u << i)))
			continue;
		if (mode == APIC_DM_INIT)
			vcpu_signal_init(&v->vm->vcpus[i]);
		else
			vcpu_signal_sipi(&v->vm->vcpus[i], vec);
	}
}

/* ---- register access, both modes ---- */

/* A register write at xAPIC offset off (icr64: the x2APIC ICR MSR) and what
 * it sets off. False: #GP (x2APIC rules). */
static bool reg_write(struct vcpu *v, unsigned off, uint64_t val, bool icr64)
{
	struct lapic *l = lapic_of(v);
	uint32_t old_initial = l->r.timer_initial, cur = 0;

	spin_lock(&l->lock);
	tpr_sync_in(v, l);
	if (off == APIC_REG_TIMER_DIVIDE)
		cur = timer_current(v, l);        /* counted so far at the old divisor */
	unsigned fx = icr64 ? lapic_write_icr64(&l->r, val) : lapic_reg_write(&l->r, off, val);
	if (fx & LAPIC_FX_GP) {
		spin_unlock(&l->lock);
		return false;
	}
	if (fx & LAPIC_FX_TPR)
		tpr_sync_out(v, l);
	if (fx & LAPIC_FX_EOI)
		l->eois++;
	if (fx & LAPIC_FX_TIMER) {
		if (off == APIC_REG_LVT_TIMER) {
			/* a change of timer mode disarms it ("TSC-Deadline Mode") */
			l->timer_armed = false;
			l->timer_owed = 0;
			l->r.timer_initial = 0;
			l->tsc_deadline = 0;
		} else if (deadline_mode(l)) {
			l->r.timer_initial = old_initial;   /* TMICT is ignored in this mode */
		} else if (off == APIC_REG_TIMER_INITIAL) {
			timer_start_count(l, vtsc_timer_now(&v->clock), l->r.timer_initial);
		} else if (l->timer_armed) {        /* TDCR: the rest at the new rate */
			timer_start_count(l, vtsc_timer_now(&v->clock), cur);
		}
		timer_rederive(v, l);
	}
	uint32_t icr_low = l->r.icr_low, icr_high = l->r.icr_high;
	bool x2 = l->r.x2apic;
	uint8_t self_vec = l->r.self_ipi_vector;
	bool due = l->timer_armed && rdtsc() >= v->timer_host;
	spin_unlock(&l->lock);

	if (fx & LAPIC_FX_SEND_IPI)
		send_ipi(v, icr_low, icr_high, x2);
	if (fx & LAPIC_FX_SELF_IPI) {
		if (self_vec < VECTOR_ILLEGAL_LIMIT) {
			spin_lock(&l->lock);
			lapic_error(&l->r, APIC_ESR_SEND_ILLEGAL);
			spin_unlock(&l->lock);
		} else {
			deliver_fixed(v, self_vec);
		}
	}
	note_irr(v, l);           /* an error interrupt, or what an EOI uncovered */
	if (due)
		lapic_timer_service(v);
	return true;
}

/* Read the register at xAPIC offset off; false: #GP (x2APIC rules). */
static bool reg_read(struct vcpu *v, struct lapic *l, unsigned off, uint32_t *val)
{
	tpr_sync_in(v, l);
	if (off == APIC_REG_TIMER_CURRENT)
		l->r.timer_current = timer_current(v, l);
	return lapic_reg_read(&l->r, off, val);
}

/* Bytes [off, off + size) of the xAPIC page as the guest reads them:
 * bytes 4-15 of each 16-byte slot read 0. */
static uint64_t page_read(struct vcpu *v, struct lapic *l, unsigned off, unsigned size)
{
	uint64_t val = 0;
	uint32_t reg = 0;
	unsigned last_slot = ~0u;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i, slot = o & ~(APIC_REG_SLOT - 1), byte = o % APIC_REG_SLOT;
		if (slot != last_slot) {
			reg_read(v, l, slot, &reg);
			last_slot = slot;
		}
		uint64_t b = byte < APIC_REG_BYTES ? (reg >> (8 * byte)) & 0xFF : 0;
		val |= b << (8 * i);
	}
	return val;
}

/*
 * The xAPIC page. Choices where hardware is undefined, so that a guest bug
 * shows rather than being mis-emulated quietly:
 *   - reads of any size or alignment return the bytes of the registers;
 *   - writes must be aligned 32-bit stores (SDM Vol. 3A, "Local APIC
 *     Register Address Map": "128-bit aligned 32-bit loads or stores");
 *     any other write ends the VM with the offset and size; an aligned
 *     32-bit store into the reserved bytes 4-15 of a slot is dropped;
 *   - an instruction fetch from the page ends the VM;
 *   - with the APIC globally disabled, or in x2APIC mode, the page is a
 *     hole (SDM Vol. 3A, "Enabling or Disabling the Local APIC", "x2APIC
 *     Register Address Space"): reads give all-ones, writes are dropped.
 */
bool lapic_mmio_access(struct vcpu *v, uint64_t gpa)
{
	struct lapic *l = lapic_of(v);
	uint64_t page = l->base & APIC_BASE_ADDR_MASK;
	struct mmio_access a;

	if (gpa < page || gpa >= page + PAGE_SIZE)
		return false;
	if (!mmio_decode(v, gpa, "xAPIC", &a))
		return true;            /* the VM was ended, with the reason */

	unsigned off = gpa & (PAGE_SIZE - 1), size = a.insn.size;
	bool present = (l->base & APIC_BASE_ENABLE) && !x2apic_mode(l);

	if (!a.insn.is_write) {
		uint64_t val = mmio_size_mask(size);
		if (present) {
			spin_lock(&l->lock);
			val = page_read(v, l, off, size);
			spin_unlock(&l->lock);
		}
		mmio_complete_read(v, &a, val);
		return true;
	}
	if (present && (size != APIC_REG_BYTES || off % APIC_REG_BYTES)) {
		vm_end(v->vm, VM_END_UNHANDLED_EXIT,
		       "%u-byte write of %#lx to xAPIC offset %#x at RIP %#lx: only aligned "
		       "32-bit stores are emulated", size, a.value, off, v->rip);
		return true;
	}
	if (present && off % APIC_REG_SLOT == 0)
		reg_write(v, off, (uint32_t)a.value, false);
	mmio_complete_write(v, &a);
	return true;
}

/* ---- MSRs ---- */

/* IA32_APIC_BASE (SDM Vol. 3A, "Local APIC Status and Location", "x2APIC
 * State Transitions"): xAPIC <-> disabled, xAPIC -> x2APIC, x2APIC ->
 * disabled; anything else, a reserved bit, or a new address is #GP (the
 * page does not move). The BSP flag is read-only. */
static bool write_apic_base(struct vcpu *v, struct lapic *l, uint64_t val)
{
	uint64_t mode_bits = APIC_BASE_ENABLE | APIC_BASE_EXTD;
	uint64_t old = l->base & mode_bits, new = val & mode_bits;

	if ((val & APIC_BASE_RESERVED) ||
	    (val & APIC_BASE_ADDR_MASK) != (l->base & APIC_BASE_ADDR_MASK) ||
	    new == APIC_BASE_EXTD ||                                  /* invalid state */
	    (old == mode_bits && new == APIC_BASE_ENABLE) ||          /* x2APIC -> xAPIC */
	    (old == 0 && new == mode_bits))                           /* disabled -> x2APIC */
		return false;
	if (old == new)
		return true;
	spin_lock(&l->lock);
	l->base = (l->base & ~mode_bits) | new;
	if (new == mode_bits) {
		lapic_regs_enter_x2apic(&l->r);
	} else if (new == 0) {
		/* disabled: the APIC loses its state, as after power-up */
		lapic_regs_reset(&l->r, v->id, false, true);
		l->timer_armed = false;
		l->timer_owed = 0;
		l->tsc_deadline = 0;
		l->hold_vector = -1;
		tpr_sync_out(v, l);
		timer_rederive(v, l);
	}
	spin_unlock(&l->lock);
	return true;
}

enum lapic_msr_result lapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct lapic *l = lapic_of(v);
	uint32_t v32;

	if (msr == MSR_IA32_APIC_BASE) {
		*val = l->base;
		return LAPIC_MSR_OK;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		/* reads 0 outside TSC-deadline mode, and once it fired */
		*val = deadline_mode(l) ? l->tsc_deadline : 0;
		return LAPIC_MSR_OK;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return LAPIC_MSR_NOT_MINE;
	if (!x2apic_mode(l))
		return LAPIC_MSR_GP;
	if (msr == MSR_X2APIC_ICR) {
		*val = ((uint64_t)l->r.icr_high << 32) | l->r.icr_low;
		return LAPIC_MSR_OK;
	}
	spin_lock(&l->lock);
	bool ok = reg_read(v, l, lapic_x2apic_offset(msr), &v32);
	spin_unlock(&l->lock);
	*val = v32;
	return ok ? LAPIC_MSR_OK : LAPIC_MSR_GP;
}

enum lapic_msr_result lapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct lapic *l = lapic_of(v);

	if (msr == MSR_IA32_APIC_BASE)
		return write_apic_base(v, l, val) ? LAPIC_MSR_OK : LAPIC_MSR_GP;
	if (msr == MSR_IA32_TSC_DEADLINE) {
		spin_lock(&l->lock);
		/* ignored outside TSC-deadline mode; 0 disarms; a value already
		 * passed fires at once ("TSC-Deadline Mode") */
		if (deadline_mode(l)) {
			l->tsc_deadline = val;
			l->timer_deadline = val;
			l->timer_armed = val != 0;
			timer_rederive(v, l);
		}
		bool due = l->timer_armed && rdtsc() >= v->timer_host;
		spin_unlock(&l->lock);
		if (due)
			lapic_timer_service(v);
		return LAPIC_MSR_OK;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return LAPIC_MSR_NOT_MINE;
	if (!x2apic_mode(l))
		return LAPIC_MSR_GP;
	bool icr = msr == MSR_X2APIC_ICR;
	return reg_write(v, icr ? APIC_REG_ICR_LOW : lapic_x2apic_offset(msr), val, icr)
		? LAPIC_MSR_OK : LAPIC_MSR_GP;
}

/* ---- CR8 ---- */

uint64_t lapic_cr8_read(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	tpr_sync_in(v, l);
	uint64_t cr8 = APIC_TPR_CLASS(l->r.tpr);
	spin_unlock(&l->lock);
	return cr8;
}

void lapic_cr8_write(struct vcpu *v, uint64_t cr8)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	l->r.tpr = (uint32_t)(cr8 & 0xF) << 4;
	tpr_sync_out(v, l);
	spin_unlock(&l->lock);
}

/* ---- interrupts out (vmm/inject.c) ---- */

int lapic_pending_irq(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	tpr_sync_in(v, l);
	int vec = lapic_deliverable(&l->r);
	if (vec >= 0 && vec == l->hold_vector && vtsc_timer_now(&v->clock) < l->hold_until) {
		/* the guard: not before the guest's own RDTSC reaches it */
		l->guard_holds++;
		v->timer_host = MIN(v->timer_host, vtsc_deadline_host(&v->clock, l->hold_until));
		v->entry_work = true;
		vec = -1;
	}
	spin_unlock(&l->lock);
	return vec;
}

void lapic_ack_irq(struct vcpu *v, uint8_t vector)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	lapic_ack(&l->r, vector);
	if (vector == l->hold_vector)
		l->hold_vector = -1;
	/* a periodic expiry still owed: the next one waits in IRR (it is
	 * taken after this one's EOI, same class) */
	uint32_t lvt = l->r.lvt[LVT_TIMER];
	if (l->timer_owed && vector == (lvt & APIC_VECTOR_MASK) && !(lvt & APIC_LVT_MASKED)) {
		l->timer_owed--;
		lapic_accept_irq(&l->r, vector, false);
	}
	/* EV_IRR goes only under this lock, and only with IRR empty: a
	 * concurrent deliver_fixed sets it again after its own IRR write. */
	if (lapic_highest(l->r.irr) < 0)
		__atomic_and_fetch(&v->ev_pending, ~(uint32_t)EV_IRR, __ATOMIC_SEQ_CST);
	if (l->hold_vector < 0 && !l->timer_armed)
		v->timer_host = UINT64_MAX;
	spin_unlock(&l->lock);
}

uint32_t lapic_tpr_threshold(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	tpr_sync_in(v, l);
	int vec = lapic_blocked_by_tpr(&l->r);
	spin_unlock(&l->lock);
	return vec < 0 ? 0 : APIC_TPR_CLASS((uint32_t)vec);
}

bool lapic_wants_wakeup(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	int vec = lapic_deliverable(&l->r);
	if (vec >= 0 && vec == l->hold_vector && ref_now() < l->hold_wake)
		vec = -1;
	spin_unlock(&l->lock);
	return vec >= 0;
}

bool lapic_can_interrupt(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	return (l->base & APIC_BASE_ENABLE) && lapic_sw_enabled(&l->r);
}

/* ---- timer entry points ---- */

void lapic_timer_load(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	timer_rederive(v, l);
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
	if (l->timer_armed) {
		uint64_t now = vtsc_timer_now(&v->clock);
		if (timer_reached(l, now))
			raised = timer_fire(v, l, now);
	}
	timer_rederive(v, l);
	spin_unlock(&l->lock);
	if (raised)
		vcpu_post_event(v, EV_IRR);
}

void lapic_guest_tsc_changed(struct vcpu *v, uint64_t old_now, uint64_t new_now)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	if (l->timer_armed && !deadline_mode(l)) {
		l->timer_start += new_now - old_now;
		l->timer_deadline += new_now - old_now;
	}
	timer_rederive(v, l);
	bool due = v->timer_host != UINT64_MAX && rdtsc() >= v->timer_host;
	spin_unlock(&l->lock);
	if (due)
		lapic_timer_service(v);
}

/* ---- life cycle ---- */

void lapic_vcpu_init(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	*l = (struct lapic){ .hold_vector = -1 };
	lapic_regs_reset(&l->r, v->id, false, true);
	l->base = APIC_DEFAULT_PHYS | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
	v->timer_host = UINT64_MAX;
	v->timer_wake = UINT64_MAX;
	if (v->vapic_page)
		*vtpr(v) = 0;
}

void lapic_init_signal(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	lapic_regs_reset(&l->r, v->id, x2apic_mode(l), true);
	l->timer_armed = false;
	l->timer_owed = 0;
	l->tsc_deadline = 0;
	l->hold_vector = -1;
	tpr_sync_out(v, l);
	__atomic_and_fetch(&v->ev_pending, ~(uint32_t)EV_IRR, __ATOMIC_SEQ_CST);
	v->timer_host = UINT64_MAX;
	v->timer_wake = UINT64_MAX;
	spin_unlock(&l->lock);
}

void lapic_vm_summary(struct vm *vm)
{
	const struct lapic_vm_stats *st = &vm_stats[vm->id];

	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		const struct lapic *l = &lapics[vm->id][i];
		const struct vcpu *v = &vm->vcpus[i];
		if (!l->timer_fires && !l->eois && !l->ipis_sent && !v->injected_irqs &&
		    !v->injected_nmis && !v->reinjected)
			continue;
		kprintf("[hv] vm%u vcpu%u apic: injected %lu interrupt(s), %lu NMI(s), %lu re-injected; "
			"timer fires %lu (masked %lu, late avg %lu max %lu guest ticks), guard holds %lu; "
			"IPIs sent %lu; EOIs %lu\n", vm->id, i, v->injected_irqs, v->injected_nmis,
			v->reinjected, l->timer_fires, l->timer_masked,
			l->timer_fires ? l->fire_late_sum / l->timer_fires : 0, l->fire_late_max,
			l->guard_holds, l->ipis_sent, l->eois);
		if (l->periods_floored)
			kprintf("[hv] vm%u vcpu%u apic: %lu periodic timer period(s) shorter than %u us "
				"lengthened to it\n", vm->id, i, l->periods_floored, TIMER_MIN_PERIOD_US);
	}
	if (st->ipi_absent || st->ipi_refused || st->ipi_unsupported)
		kprintf("[hv] vm%u: xAPIC: %lu INIT/SIPI to absent vCPUs, %lu IPI(s) refused by a "
			"disabled APIC, %lu IPI(s) of an unsupported kind\n", vm->id, st->ipi_absent,
			st->ipi_refused, st->ipi_unsupported);
}
