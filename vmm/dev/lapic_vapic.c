/*
 * vmm/dev/lapic_vapic.c - the virtual-APIC page kept in step with the APIC
 * model (the contract is in vmm/dev/lapic_vapic.h).
 *
 * Context: VMX root, the owner pCPU, the APIC's lock held.
 */
#include "vmm/dev/lapic_vapic.h"
#include "vmm/time/vtsc.h"
#include "vmx/vmcs.h"

#define INTR_STATUS_SVI_SHIFT 8          /* guest interrupt status: RVI 7:0, SVI 15:8 */

static volatile uint32_t *vreg(struct vcpu *v, unsigned off)
{
	return (volatile uint32_t *)(v->vapic_page + off);
}

/* EOI_EXIT_BITMAP0-3 hold vectors 0-63, 64-127, 128-191, 192-255: the word
 * of vector gets bits (the others are 0). */
static void eoi_exit_write(int vector, uint64_t bits)
{
	switch (vector / 64) {
	case 0: vmcs_write64(EOI_EXIT_BITMAP0, bits); break;
	case 1: vmcs_write64(EOI_EXIT_BITMAP1, bits); break;
	case 2: vmcs_write64(EOI_EXIT_BITMAP2, bits); break;
	default: vmcs_write64(EOI_EXIT_BITMAP3, bits); break;
	}
}

static int highest_vector(const uint32_t reg[APIC_REG_WORDS])
{
	int vec = lapic_highest(reg);

	return vec < 0 ? 0 : vec;
}

bool lapic_vector_taken(struct vcpu *v, struct lapic *l, uint8_t vector)
{
	bool again = false;

	if (vector == l->hold_vector)
		l->hold_vector = -1;
	/* a periodic expiry still owed: the next one waits in IRR (it is
	 * taken after this one's EOI, same class) */
	uint32_t lvt = l->r.lvt[LVT_TIMER];
	if (l->timer_owed && vector == (lvt & APIC_VECTOR_MASK) && !(lvt & APIC_LVT_MASKED)) {
		l->timer_owed--;
		again = lapic_accept_irq(&l->r, vector, false);
	}
	if (l->hold_vector < 0 && !l->timer_armed)
		v->timer_host = UINT64_MAX;
	return again;
}

int lapic_held_vector(struct vcpu *v, struct lapic *l)
{
	if (l->hold_vector < 0 || vtsc_timer_now(&v->clock) >= l->hold_until)
		return -1;
	l->guard_holds++;
	v->timer_host = MIN(v->timer_host, vtsc_deadline_host(&v->clock, l->hold_until));
	v->entry_work = true;
	return l->hold_vector;
}

void lapic_vapic_in(struct vcpu *v, struct lapic *l)
{
	if (!v->vapic_page)
		return;
	l->r.tpr = *vreg(v, APIC_REG_TPR) & APIC_VECTOR_MASK;
	/* The guest has not run since the last in or out at this exit (the
	 * exit stub's TSC stamps each exit): the page has not changed. */
	if (!v->vid || l->synced_exit == v->regs.exit_tsc)
		return;
	l->synced_exit = v->regs.exit_tsc;
	bool again = false;
	for (unsigned i = 0; i < APIC_REG_WORDS; i++) {
		uint32_t virr = *vreg(v, APIC_REG_IRR + i * APIC_REG_SLOT);
		uint32_t taken = l->pushed[i] & ~virr;

		l->r.irr[i] = (l->r.irr[i] & ~(taken & ~l->r.posted[i])) | virr;
		l->r.isr[i] = *vreg(v, APIC_REG_ISR + i * APIC_REG_SLOT);
		l->r.posted[i] = 0;
		l->pushed[i] = virr;
		while (taken) {
			uint8_t vec = (uint8_t)(i * 32 + (unsigned)__builtin_ctz(taken));
			taken &= taken - 1;
			v->injected_irqs++;
			again |= lapic_vector_taken(v, l, vec);
		}
	}
	/* an owed periodic expiry went into IRR: the next entry puts it in the
	 * page (lapic_vid_entry) */
	if (again)
		__atomic_or_fetch(&v->ev_pending, EV_IRR, __ATOMIC_SEQ_CST);
}

bool lapic_vapic_out(struct vcpu *v, struct lapic *l)
{
	if (!v->vapic_page)
		return false;
	*vreg(v, APIC_REG_TPR) = l->r.tpr;
	if (!v->vid)
		return false;
	l->synced_exit = v->regs.exit_tsc;
	int held = lapic_held_vector(v, l);
	for (unsigned i = 0; i < APIC_REG_WORDS; i++) {
		uint32_t push = l->r.irr[i];
		if (held >= 0 && (unsigned)held / 32 == i)
			push &= ~(1u << (held % 32));
		*vreg(v, APIC_REG_IRR + i * APIC_REG_SLOT) = push;
		*vreg(v, APIC_REG_ISR + i * APIC_REG_SLOT) = l->r.isr[i];
		l->pushed[i] = push;
		l->r.posted[i] = 0;
	}
	/* A periodic timer that owes expiries: its EOI exits (the EOI-exit
	 * bitmap, SDM Vol. 3C, "EOI Virtualization"), so that the next one goes
	 * into IRR as soon as this one is done, as the injecting path does at
	 * each acknowledge; else the backlog would wait for unrelated exits. */
	uint32_t lvt = l->r.lvt[LVT_TIMER];
	int want = l->timer_owed && !(lvt & APIC_LVT_MASKED) ? (int)(lvt & APIC_VECTOR_MASK) : -1;
	if (want != l->eoi_exit_vector) {
		if (l->eoi_exit_vector >= 0)
			eoi_exit_write(l->eoi_exit_vector, 0);
		if (want >= 0)
			eoi_exit_write(want, 1ULL << (want % 64));
		l->eoi_exit_vector = want;
	}
	/* RVI and SVI (SDM Vol. 3C, "Guest Interrupt Status"); the CPU derives
	 * the virtual PPR from them and the TPR at entry. */
	vmcs_write16(GUEST_INTR_STATUS, (uint16_t)(highest_vector(l->r.isr) << INTR_STATUS_SVI_SHIFT |
						   highest_vector(l->pushed)));
	return held >= 0;
}

void lapic_vapic_out_regs(struct vcpu *v, struct lapic *l)
{
	const struct lapic_regs *r = &l->r;

	if (!v->vid)
		return;
	/* what lapic_regs.c:lapic_reg_read returns for each, without its
	 * dispatch: this runs at every APIC-write exit */
	*vreg(v, APIC_REG_ID) = r->x2apic ? r->id : r->id << APIC_XAPIC_ID_SHIFT;
	*vreg(v, APIC_REG_VERSION) = LAPIC_VERSION_VALUE;
	*vreg(v, APIC_REG_LDR) = r->ldr;
	*vreg(v, APIC_REG_DFR) = r->x2apic ? 0 : r->dfr;
	*vreg(v, APIC_REG_SVR) = r->svr;
	*vreg(v, APIC_REG_ESR) = r->esr;
	*vreg(v, APIC_REG_ICR_LOW) = r->icr_low;
	*vreg(v, APIC_REG_ICR_HIGH) = r->x2apic ? 0 : r->icr_high;
	for (unsigned i = 0; i < LVT_COUNT; i++)
		*vreg(v, APIC_REG_LVT_TIMER + i * APIC_REG_SLOT) = r->lvt[i];
	*vreg(v, APIC_REG_TIMER_INITIAL) = r->timer_initial;
	*vreg(v, APIC_REG_TIMER_DIVIDE) = r->timer_divide;
	for (unsigned i = 0; i < APIC_REG_WORDS; i++)
		*vreg(v, APIC_REG_TMR + i * APIC_REG_SLOT) = r->tmr[i];
}
