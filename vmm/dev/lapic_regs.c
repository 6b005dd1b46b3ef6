/*
 * vmm/dev/lapic_regs.c - the register model of one virtual local APIC (the
 * contract and the sources are in vmm/dev/lapic_regs.h).
 *
 * Context: pure C; VMX root under the APIC's lock, or host unit tests.
 */
#include "vmm/dev/lapic_regs.h"

#define TPR_MASK                0xFFu
#define LDR_XAPIC_MASK          0xFF000000u
#define DFR_MODEL_MASK          0xF0000000u     /* bits 27:0 read as ones */
#define DFR_MODEL_SHIFT         28
#define DFR_RESET               0xFFFFFFFFu
#define SVR_RESET               0xFFu
/* SVR: vector 7:0, software enable 8, focus check disable 9. Bit 12 (EOI
 * broadcast suppression) is reserved: the version register does not offer
 * it ("Spurious-Interrupt Vector Register"). */
#define SVR_WRITABLE            0x3FFu
#define ICR_LOW_WRITABLE        0x000CCFFFu     /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_HIGH_XAPIC_WRITABLE 0xFF000000u
#define X2APIC_ICR_LOW_ALLOWED  ICR_LOW_WRITABLE /* bit 12 does not exist in x2APIC mode */
/* LVT bits the guest may write, and the read-only bits that are not reserved
 * ("Local Vector Table"): vector 7:0, delivery mode 10:8, polarity 13,
 * trigger 15, mask 16, timer mode 18:17; read-only delivery status 12 and
 * remote IRR 14. */
#define LVT_TIMER_WRITABLE      (APIC_VECTOR_MASK | APIC_LVT_MASKED)
#define LVT_NMI_WRITABLE        (APIC_VECTOR_MASK | APIC_DM_MASK | APIC_LVT_MASKED) /* thermal, perf */
#define LVT_LINT_WRITABLE       (APIC_VECTOR_MASK | APIC_DM_MASK | APIC_LVT_POLARITY | \
				 APIC_TRIGGER_LEVEL | APIC_LVT_MASKED)
#define LVT_ERROR_WRITABLE      (APIC_VECTOR_MASK | APIC_LVT_MASKED)
#define LVT_READ_ONLY           (APIC_DELIVERY_STATUS | APIC_LVT_REMOTE_IRR)
#define TDCR_WRITABLE           0xBu            /* bits 3, 1:0 */
#define TDCR_DIVIDE_BY_1        7u
#define X2APIC_CLUSTER_SHIFT    16
#define X2APIC_MEMBER_MASK      0xFFFFu
#define X2APIC_MEMBER_BITS      4
#define XAPIC_CLUSTER_SHIFT     4
#define XAPIC_MEMBER_MASK       0xFu
#define ILLEGAL_VECTOR_LIMIT    16              /* vectors 0-15: "Error Handling" */

uint32_t lapic_x2apic_ldr(uint32_t id)
{
	return ((id >> X2APIC_MEMBER_BITS) << X2APIC_CLUSTER_SHIFT) |
	       (1u << (id & ((1u << X2APIC_MEMBER_BITS) - 1)));
}

void lapic_regs_reset(struct lapic_regs *r, uint32_t id, bool x2apic, bool has_tsc_deadline)
{
	*r = (struct lapic_regs){
		.id = id,
		.x2apic = x2apic,
		.has_tsc_deadline = has_tsc_deadline,
		.dfr = DFR_RESET,
		.svr = SVR_RESET,
		.ldr = x2apic ? lapic_x2apic_ldr(id) : 0,
	};
	for (unsigned i = 0; i < LVT_COUNT; i++)
		r->lvt[i] = APIC_LVT_MASKED;
}

void lapic_regs_enter_x2apic(struct lapic_regs *r)
{
	r->x2apic = true;
	r->ldr = lapic_x2apic_ldr(r->id);
}

/* ---- the 256-bit registers and priorities ---- */

static void bit_set(uint32_t reg[APIC_REG_WORDS], uint8_t v)
{
	reg[v / 32] |= 1u << (v % 32);
}

static void bit_clear(uint32_t reg[APIC_REG_WORDS], uint8_t v)
{
	reg[v / 32] &= ~(1u << (v % 32));
}

int lapic_highest(const uint32_t reg[APIC_REG_WORDS])
{
	for (int i = APIC_REG_WORDS - 1; i >= 0; i--)
		if (reg[i])
			return i * 32 + 31 - __builtin_clz(reg[i]);
	return -1;
}

static uint32_t isr_class(const struct lapic_regs *r)
{
	int isrv = lapic_highest(r->isr);

	return isrv < 0 ? 0 : APIC_TPR_CLASS((uint32_t)isrv);
}

uint32_t lapic_ppr(const struct lapic_regs *r)
{
	uint32_t isrc = isr_class(r);

	return APIC_TPR_CLASS(r->tpr) >= isrc ? r->tpr & TPR_MASK : isrc << 4;
}

int lapic_deliverable(const struct lapic_regs *r)
{
	int v = lapic_highest(r->irr);

	if (v < 0 || !lapic_sw_enabled(r))
		return -1;
	return APIC_TPR_CLASS((uint32_t)v) > APIC_TPR_CLASS(lapic_ppr(r)) ? v : -1;
}

int lapic_blocked_by_tpr(const struct lapic_regs *r)
{
	int v = lapic_highest(r->irr);

	if (v < 0 || !lapic_sw_enabled(r))
		return -1;
	uint32_t c = APIC_TPR_CLASS((uint32_t)v);
	return c > isr_class(r) && c <= APIC_TPR_CLASS(r->tpr) ? v : -1;
}

void lapic_error(struct lapic_regs *r, uint32_t esr_bit)
{
	uint32_t lvt = r->lvt[LVT_ERROR];
	uint8_t vec = lvt & APIC_VECTOR_MASK;

	r->esr_pending |= esr_bit;
	/* The error interrupt itself is not checked again: an illegal vector
	 * in LVT error would only recurse ("Error Handling"). */
	if (!(lvt & APIC_LVT_MASKED) && vec >= ILLEGAL_VECTOR_LIMIT && lapic_sw_enabled(r)) {
		bit_set(r->irr, vec);
		bit_set(r->posted, vec);
	}
}

bool lapic_accept_irq(struct lapic_regs *r, uint8_t vector, bool level)
{
	if (!lapic_sw_enabled(r))
		return false;
	if (vector < ILLEGAL_VECTOR_LIMIT) {
		lapic_error(r, APIC_ESR_RECV_ILLEGAL);
		return false;
	}
	bit_set(r->irr, vector);
	bit_set(r->posted, vector);
	if (level)
		bit_set(r->tmr, vector);
	else
		bit_clear(r->tmr, vector);
	return true;
}

void lapic_ack(struct lapic_regs *r, uint8_t vector)
{
	bit_clear(r->irr, vector);
	bit_set(r->isr, vector);
}

int lapic_eoi(struct lapic_regs *r)
{
	int v = lapic_highest(r->isr);

	if (v >= 0)
		bit_clear(r->isr, (uint8_t)v);
	return v;
}

/* ---- register access ---- */

/* LVT slot of an offset, or -1. */
static int lvt_slot(unsigned off)
{
	switch (off) {
	case APIC_REG_LVT_TIMER:   return LVT_TIMER;
	case APIC_REG_LVT_THERMAL: return LVT_THERMAL;
	case APIC_REG_LVT_PERF:    return LVT_PERF;
	case APIC_REG_LVT_LINT0:   return LVT_LINT0;
	case APIC_REG_LVT_LINT1:   return LVT_LINT1;
	case APIC_REG_LVT_ERROR:   return LVT_ERROR;
	default:                   return -1;
	}
}

static uint32_t lvt_writable(const struct lapic_regs *r, int slot)
{
	switch (slot) {
	case LVT_TIMER:
		return LVT_TIMER_WRITABLE | (r->has_tsc_deadline ? APIC_TIMER_MODE_MASK
					     : APIC_TIMER_PERIODIC << APIC_TIMER_MODE_SHIFT);
	case LVT_THERMAL:
	case LVT_PERF:
		return LVT_NMI_WRITABLE;
	case LVT_LINT0:
	case LVT_LINT1:
		return LVT_LINT_WRITABLE;
	default:
		return LVT_ERROR_WRITABLE;
	}
}

/* Is offset off (a multiple of 16) a register in the current mode? */
static bool reg_exists(const struct lapic_regs *r, unsigned off)
{
	if (lvt_slot(off) >= 0)
		return true;
	if (off >= APIC_REG_ISR && off < APIC_REG_IRR + APIC_REG_WORDS * APIC_REG_SLOT)
		return true;
	switch (off) {
	case APIC_REG_ID: case APIC_REG_VERSION: case APIC_REG_TPR: case APIC_REG_PPR:
	case APIC_REG_EOI: case APIC_REG_LDR: case APIC_REG_SVR: case APIC_REG_ESR:
	case APIC_REG_ICR_LOW: case APIC_REG_TIMER_INITIAL: case APIC_REG_TIMER_CURRENT:
	case APIC_REG_TIMER_DIVIDE:
		return true;
	case APIC_REG_APR: case APIC_REG_RRD: case APIC_REG_DFR: case APIC_REG_ICR_HIGH:
		return !r->x2apic;
	case APIC_REG_SELF_IPI:
		return r->x2apic;
	default:
		return false;
	}
}

bool lapic_reg_read(const struct lapic_regs *r, unsigned off, uint32_t *val)
{
	int lvt = lvt_slot(off);

	*val = 0;
	if (off % APIC_REG_SLOT || !reg_exists(r, off))
		return !r->x2apic;                 /* xAPIC: a hole reads 0 */
	if (lvt >= 0) {
		*val = r->lvt[lvt];
		return true;
	}
	if (off >= APIC_REG_ISR && off < APIC_REG_IRR + APIC_REG_WORDS * APIC_REG_SLOT) {
		unsigned base = off >= APIC_REG_IRR ? APIC_REG_IRR
			      : off >= APIC_REG_TMR ? APIC_REG_TMR : APIC_REG_ISR;
		const uint32_t *reg = base == APIC_REG_IRR ? r->irr
				    : base == APIC_REG_TMR ? r->tmr : r->isr;
		*val = reg[(off - base) / APIC_REG_SLOT];
		return true;
	}
	switch (off) {
	case APIC_REG_ID:
		*val = r->x2apic ? r->id : r->id << APIC_XAPIC_ID_SHIFT;
		return true;
	case APIC_REG_VERSION:       *val = LAPIC_VERSION_VALUE; return true;
	case APIC_REG_TPR:           *val = r->tpr; return true;
	case APIC_REG_PPR:           *val = lapic_ppr(r); return true;
	case APIC_REG_LDR:           *val = r->ldr; return true;
	case APIC_REG_DFR:           *val = r->dfr; return true;
	case APIC_REG_SVR:           *val = r->svr; return true;
	case APIC_REG_ESR:           *val = r->esr; return true;
	case APIC_REG_ICR_LOW:       *val = r->icr_low; return true;   /* delivery status: idle */
	case APIC_REG_ICR_HIGH:      *val = r->icr_high; return true;
	case APIC_REG_TIMER_INITIAL: *val = r->timer_initial; return true;
	case APIC_REG_TIMER_CURRENT: *val = r->timer_current; return true;
	case APIC_REG_TIMER_DIVIDE:  *val = r->timer_divide; return true;
	case APIC_REG_EOI:                  /* write-only: #GP in x2APIC mode, 0 in xAPIC */
	case APIC_REG_SELF_IPI:
		return !r->x2apic;
	default:                            /* APR, RRD: 0 */
		return true;
	}
}

/* x2APIC: a write with a 1 outside `allowed` is a #GP ("Reserved Bit
 * Checking"); bits 63:32 are reserved in every register but the ICR. */
static bool x2apic_reserved(const struct lapic_regs *r, uint64_t val, uint32_t allowed)
{
	return r->x2apic && (val & ~(uint64_t)allowed);
}

unsigned lapic_reg_write(struct lapic_regs *r, unsigned off, uint64_t val)
{
	int lvt = lvt_slot(off);
	uint32_t v32 = (uint32_t)val;

	if (off % APIC_REG_SLOT || !reg_exists(r, off)) {
		if (r->x2apic)
			return LAPIC_FX_GP;
		lapic_error(r, APIC_ESR_ILLEGAL_REG);
		return LAPIC_FX_NONE;
	}
	if (lvt >= 0) {
		uint32_t w = lvt_writable(r, lvt);
		if (x2apic_reserved(r, val, w | LVT_READ_ONLY))
			return LAPIC_FX_GP;
		uint32_t old = r->lvt[lvt];
		/* While software-disabled every LVT mask stays set ("Local APIC
		 * State After It Has Been Software Disabled"). */
		r->lvt[lvt] = (v32 & w) | (lapic_sw_enabled(r) ? 0 : APIC_LVT_MASKED);
		if (lvt == LVT_TIMER && ((old ^ r->lvt[lvt]) & APIC_TIMER_MODE_MASK))
			return LAPIC_FX_TIMER;
		return LAPIC_FX_NONE;
	}
	switch (off) {
	case APIC_REG_TPR:
		if (x2apic_reserved(r, val, TPR_MASK))
			return LAPIC_FX_GP;
		r->tpr = v32 & TPR_MASK;
		return LAPIC_FX_TPR;
	case APIC_REG_EOI:
		if (r->x2apic && val)
			return LAPIC_FX_GP;
		lapic_eoi(r);
		return LAPIC_FX_EOI;
	case APIC_REG_LDR:
		if (r->x2apic)
			return LAPIC_FX_GP;         /* read-only, derived from the ID */
		r->ldr = v32 & LDR_XAPIC_MASK;
		return LAPIC_FX_NONE;
	case APIC_REG_DFR:
		r->dfr = (v32 & DFR_MODEL_MASK) | ~DFR_MODEL_MASK;
		return LAPIC_FX_NONE;
	case APIC_REG_SVR: {
		if (x2apic_reserved(r, val, SVR_WRITABLE))
			return LAPIC_FX_GP;
		bool was = lapic_sw_enabled(r);
		r->svr = v32 & SVR_WRITABLE;
		if (!lapic_sw_enabled(r)) {
			for (unsigned i = 0; i < LVT_COUNT; i++)
				r->lvt[i] |= APIC_LVT_MASKED;
			if (was)
				return LAPIC_FX_SW_DISABLE;
		}
		return LAPIC_FX_NONE;
	}
	case APIC_REG_ESR:
		if (r->x2apic && val)
			return LAPIC_FX_GP;
		r->esr = r->esr_pending;
		r->esr_pending = 0;
		return LAPIC_FX_NONE;
	case APIC_REG_ICR_LOW:
		if (r->x2apic)
			return lapic_write_icr64(r, val);
		r->icr_low = v32 & ICR_LOW_WRITABLE;
		return LAPIC_FX_SEND_IPI;
	case APIC_REG_ICR_HIGH:
		r->icr_high = v32 & ICR_HIGH_XAPIC_WRITABLE;
		return LAPIC_FX_NONE;
	case APIC_REG_TIMER_INITIAL:
		if (x2apic_reserved(r, val, ~0u))
			return LAPIC_FX_GP;
		r->timer_initial = v32;
		return LAPIC_FX_TIMER;
	case APIC_REG_TIMER_DIVIDE:
		if (x2apic_reserved(r, val, TDCR_WRITABLE))
			return LAPIC_FX_GP;
		r->timer_divide = v32 & TDCR_WRITABLE;
		return LAPIC_FX_TIMER;
	case APIC_REG_SELF_IPI:
		if (x2apic_reserved(r, val, APIC_VECTOR_MASK))
			return LAPIC_FX_GP;
		r->self_ipi_vector = (uint8_t)v32;
		return LAPIC_FX_SELF_IPI;
	default:
		/* ID, version, PPR, ISR/TMR/IRR, TMCCT, APR, RRD: read-only */
		return r->x2apic ? LAPIC_FX_GP : LAPIC_FX_NONE;
	}
}

unsigned lapic_write_icr64(struct lapic_regs *r, uint64_t val)
{
	if ((uint32_t)val & ~X2APIC_ICR_LOW_ALLOWED)
		return LAPIC_FX_GP;
	r->icr_low = (uint32_t)val;
	r->icr_high = (uint32_t)(val >> 32);
	return LAPIC_FX_SEND_IPI;
}

/* ---- destinations ---- */

bool lapic_match_dest(const struct lapic_regs *r, uint32_t dest, bool logical, bool x2apic_format)
{
	if (x2apic_format) {
		if (dest == APIC_X2APIC_BROADCAST)
			return true;
		if (!logical)
			return dest == r->id;
		uint32_t ldr = lapic_x2apic_ldr(r->id);
		return (dest >> X2APIC_CLUSTER_SHIFT) == (ldr >> X2APIC_CLUSTER_SHIFT) &&
		       (dest & ldr & X2APIC_MEMBER_MASK);
	}
	dest &= APIC_XAPIC_BROADCAST;
	if (dest == APIC_XAPIC_BROADCAST)
		return true;
	if (!logical)
		return dest == (r->id & APIC_XAPIC_BROADCAST);
	uint32_t ldr = r->ldr >> APIC_XAPIC_ID_SHIFT;
	if ((r->dfr >> DFR_MODEL_SHIFT) == APIC_DFR_FLAT)
		return (ldr & dest) != 0;
	return (ldr >> XAPIC_CLUSTER_SHIFT) == (dest >> XAPIC_CLUSTER_SHIFT) &&
	       (ldr & dest & XAPIC_MEMBER_MASK);
}

/* ---- timer arithmetic ---- */

uint32_t lapic_timer_divisor(uint32_t tdcr)
{
	uint32_t code = (tdcr & 3u) | ((tdcr >> 1) & 4u);

	return code == TDCR_DIVIDE_BY_1 ? 1 : 2u << code;
}

uint32_t lapic_timer_count_after(uint32_t initial, uint32_t divisor, uint64_t elapsed)
{
	uint64_t n = elapsed / (divisor ? divisor : 1);

	return n >= initial ? 0 : (uint32_t)(initial - n);
}
