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

/* Registers the CPU reads from the page under APIC-register virtualization
 * (SDM Vol. 3C, "Virtualizing Reads from the APIC-Access Page"); TPR, ISR
 * and IRR are written by lapic_vapic_out, PPR is computed by the CPU. */
static const uint16_t page_regs[] = {
	APIC_REG_ID, APIC_REG_VERSION, APIC_REG_LDR, APIC_REG_DFR, APIC_REG_SVR, APIC_REG_ESR,
	APIC_REG_ICR_LOW, APIC_REG_ICR_HIGH, APIC_REG_LVT_TIMER, APIC_REG_LVT_THERMAL,
	APIC_REG_LVT_PERF, APIC_REG_LVT_LINT0, APIC_REG_LVT_LINT1, APIC_REG_LVT_ERROR,
	APIC_REG_TIMER_INITIAL, APIC_REG_TIMER_DIVIDE,
};

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
	if (!v->vid)
		return;
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
	uint32_t val;

	if (!v->vid)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(page_regs); i++) {
		if (!lapic_reg_read(&l->r, page_regs[i], &val))
			val = 0;
		*vreg(v, page_regs[i]) = val;
	}
	for (unsigned i = 0; i < APIC_REG_WORDS; i++)
		*vreg(v, APIC_REG_TMR + i * APIC_REG_SLOT) = l->r.tmr[i];
}
