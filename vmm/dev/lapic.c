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
 * The timer is vmm/dev/lapic_timer.c; the state both share is
 * vmm/dev/lapic_state.h.
 */
#include "vmm/dev/lapic.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/msr.h"
#include "lib/x86.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic_regs.h"
#include "vmm/dev/lapic_timer.h"
#include "vmm/dev/lapic_vapic.h"
#include "vmm/dev/mmio.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"

#define VECTOR_ILLEGAL_LIMIT    16
/* IA32_APIC_BASE bits a guest may not set: 7:0, 9 and 63:52 (SDM Vol. 3A,
 * "Local APIC Status and Location"; bits above MAXPHYADDR). */
#define APIC_BASE_RESERVED      (~(APIC_BASE_ADDR_MASK | APIC_BASE_BSP | APIC_BASE_EXTD | \
				   APIC_BASE_ENABLE))

/* What a VM's vCPUs asked for that reached nobody: counted, reported once. */
struct lapic_vm_stats {
	uint64_t ipi_absent;          /* INIT/SIPI that reach no present vCPU */
	uint64_t ipi_refused;         /* fixed IPIs a target's APIC did not accept */
	uint64_t ipi_unsupported;     /* SMI, ExtINT, reserved modes, invalid shorthands */
	bool reported_absent, reported_refused, reported_unsupported;
};

static struct lapic_vm_stats vm_stats[MAX_VMS];

/* ---- the virtual-APIC page (vmm/dev/lapic_vapic.c) ---- */

/* Before the model is read or changed on the owner: what the CPU did. */
static void vapic_in(struct vcpu *v, struct lapic *l)
{
	lapic_vapic_in(v, l);
}

/* After the owner changed the model: the page shows it (regs: a register
 * write, a reset). */
static void vapic_out(struct vcpu *v, struct lapic *l, bool regs)
{
	lapic_vapic_out(v, l);
	if (regs)
		lapic_vapic_out_regs(v, l);
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
	case APIC_SHORTHAND_NONE:
		break;                  /* the destination field says */
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
	case APIC_DM_INIT:
	case APIC_DM_STARTUP:
		break;                  /* below */
	default:
		return;                 /* SMI, ExtINT, reserved: refused above */
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
	vapic_in(v, l);
	if (off == APIC_REG_TIMER_DIVIDE)
		cur = lapic_timer_current(v, l);        /* counted so far at the old divisor */
	unsigned fx = icr64 ? lapic_write_icr64(&l->r, val) : lapic_reg_write(&l->r, off, val);
	if (fx & LAPIC_FX_GP) {
		spin_unlock(&l->lock);
		return false;
	}
	if (fx & LAPIC_FX_EOI)
		l->eois++;
	if (fx & LAPIC_FX_TIMER)
		lapic_timer_written(v, l, off, old_initial, cur);
	vapic_out(v, l, true);
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
	vapic_in(v, l);
	if (off == APIC_REG_TIMER_CURRENT)
		l->r.timer_current = lapic_timer_current(v, l);
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
/* write: 1 or 0 from an APIC-access exit, -1 from an EPT violation's
 * qualification. */
static void xapic_access(struct vcpu *v, uint64_t gpa, int write)
{
	struct lapic *l = lapic_of(v);
	struct mmio_access a;

	if (!(write < 0 ? mmio_decode(v, gpa, "xAPIC", &a)
			: mmio_decode_dir(v, gpa, "xAPIC", write, &a)))
		return;                 /* the VM was ended, with the reason */

	unsigned off = gpa & (PAGE_SIZE - 1), size = a.insn.size;
	bool present = (l->base & APIC_BASE_ENABLE) && !lapic_x2apic_mode(l);

	if (!a.insn.is_write) {
		uint64_t val = mmio_size_mask(size);
		if (present) {
			spin_lock(&l->lock);
			val = page_read(v, l, off, size);
			spin_unlock(&l->lock);
		}
		mmio_complete_read(v, &a, val);
		return;
	}
	if (present && (size != APIC_REG_BYTES || off % APIC_REG_BYTES)) {
		vm_end(v->vm, VM_END_UNHANDLED_EXIT,
		       "%u-byte write of %#lx to xAPIC offset %#x at RIP %#lx: only aligned "
		       "32-bit stores are emulated", size, a.value, off, v->rip);
		return;
	}
	if (present && off % APIC_REG_SLOT == 0)
		reg_write(v, off, (uint32_t)a.value, false);
	mmio_complete_write(v, &a);
}

bool lapic_mmio_access(struct vcpu *v, uint64_t gpa)
{
	uint64_t page = lapic_of(v)->base & APIC_BASE_ADDR_MASK;

	if (gpa < page || gpa >= page + PAGE_SIZE)
		return false;
	xapic_access(v, gpa, -1);
	return true;
}

/* ---- apicv=on: the exits that remain (SDM Vol. 3C, "APIC Virtualization
 * and Virtual Interrupts") ---- */

void lapic_xapic_access(struct vcpu *v, unsigned off, bool write)
{
	xapic_access(v, (lapic_of(v)->base & APIC_BASE_ADDR_MASK) + (off & (PAGE_SIZE - 1)), write);
}

void lapic_apic_write(struct vcpu *v, unsigned off)
{
	struct lapic *l = lapic_of(v);
	uint32_t val = *(volatile uint32_t *)(v->vapic_page + off);
	bool present = (l->base & APIC_BASE_ENABLE) && !lapic_x2apic_mode(l);

	/* Trap-like: the value is in the virtual-APIC page at off, RIP is past
	 * the store. The CPU stored a write of ICR high without an exit: take
	 * it before an ICR low write sends the IPI. */
	if (present && off == APIC_REG_ICR_LOW) {
		spin_lock(&l->lock);
		lapic_reg_write(&l->r, APIC_REG_ICR_HIGH,
				*(volatile uint32_t *)(v->vapic_page + APIC_REG_ICR_HIGH));
		spin_unlock(&l->lock);
	}
	if (present && off % APIC_REG_SLOT == 0 && reg_write(v, off, val, false))
		return;
	/* the page is a hole (x2APIC mode, or the APIC disabled): what the
	 * guest wrote is undone */
	spin_lock(&l->lock);
	vapic_in(v, l);
	vapic_out(v, l, true);
	spin_unlock(&l->lock);
}

bool lapic_vid_delivered_since_sync(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	for (unsigned i = 0; i < APIC_REG_WORDS; i++)
		if (*(volatile uint32_t *)(v->vapic_page + APIC_REG_ISR + i * APIC_REG_SLOT) &
		    ~l->r.isr[i])
			return true;
	return false;
}

void lapic_vid_sync_in(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	vapic_in(v, l);
	spin_unlock(&l->lock);
}

void lapic_eoi_exit(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	vapic_in(v, l);                 /* the EOI'd vector taken: the next owed tick in IRR */
	l->eois++;
	vapic_out(v, l, false);
	spin_unlock(&l->lock);
}

void lapic_vid_entry(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	vapic_in(v, l);
	/* Everything in IRR is in the page now, but a timer vector the guard
	 * holds back: EV_IRR stays for it, and the exit at timer_host (the
	 * guard's instant) pushes it. Cleared only under this lock: a
	 * concurrent deliver_fixed posts EV_IRR again after its write. */
	if (!lapic_vapic_out(v, l))
		__atomic_and_fetch(&v->ev_pending, ~(uint32_t)EV_IRR, __ATOMIC_SEQ_CST);
	spin_unlock(&l->lock);
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
	vapic_in(v, l);         /* the page may be newer (a virtualized EOI): before the out below */
	l->base = (l->base & ~mode_bits) | new;
	if (new == mode_bits) {
		lapic_regs_enter_x2apic(&l->r);
	} else if (new == 0) {
		/* disabled: the APIC loses its state, as after power-up */
		lapic_regs_reset(&l->r, v->id, false, true);
		lapic_timer_reset(v, l);
	}
	vapic_out(v, l, true);
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
		*val = lapic_timer_deadline_mode(l) ? l->tsc_deadline : 0;
		return LAPIC_MSR_OK;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return LAPIC_MSR_NOT_MINE;
	if (!lapic_x2apic_mode(l))
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
		bool due = lapic_timer_write_deadline(v, l, val);
		spin_unlock(&l->lock);
		if (due)
			lapic_timer_service(v);       /* a deadline already passed fires at once */
		return LAPIC_MSR_OK;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return LAPIC_MSR_NOT_MINE;
	if (!lapic_x2apic_mode(l))
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
	vapic_in(v, l);
	uint64_t cr8 = APIC_TPR_CLASS(l->r.tpr);
	spin_unlock(&l->lock);
	return cr8;
}

void lapic_cr8_write(struct vcpu *v, uint64_t cr8)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	vapic_in(v, l);
	l->r.tpr = (uint32_t)(cr8 & 0xF) << 4;
	vapic_out(v, l, false);
	spin_unlock(&l->lock);
}

/* ---- interrupts out (vmm/inject.c) ---- */

int lapic_pending_irq(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	vapic_in(v, l);
	int vec = lapic_deliverable(&l->r);
	/* the guard: not before the guest's own RDTSC reaches it */
	if (vec >= 0 && vec == l->hold_vector && lapic_held_vector(v, l) == vec)
		vec = -1;
	spin_unlock(&l->lock);
	return vec;
}

void lapic_ack_irq(struct vcpu *v, uint8_t vector)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	lapic_ack(&l->r, vector);
	lapic_vector_taken(v, l, vector);
	/* EV_IRR goes only under this lock, and only with IRR empty: a
	 * concurrent deliver_fixed sets it again after its own IRR write. */
	if (lapic_highest(l->r.irr) < 0)
		__atomic_and_fetch(&v->ev_pending, ~(uint32_t)EV_IRR, __ATOMIC_SEQ_CST);
	spin_unlock(&l->lock);
}

uint32_t lapic_tpr_threshold(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	vapic_in(v, l);
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

/* ---- life cycle ---- */

void lapic_vcpu_init(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	*l = (struct lapic){ .hold_vector = -1, .eoi_exit_vector = -1, .flaw_divide = v->vm->flaw == FLAW_DIVIDE };
	lapic_regs_reset(&l->r, v->id, false, true);
	l->base = APIC_DEFAULT_PHYS | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
	v->timer_host = UINT64_MAX;
	v->timer_wake = UINT64_MAX;
	vapic_out(v, l, true);          /* the VMCS is current: VM creation */
}

void lapic_init_signal(struct vcpu *v)
{
	struct lapic *l = lapic_of(v);

	spin_lock(&l->lock);
	vapic_in(v, l);
	lapic_regs_reset(&l->r, v->id, lapic_x2apic_mode(l), true);
	lapic_timer_reset(v, l);
	vapic_out(v, l, true);
	__atomic_and_fetch(&v->ev_pending, ~(uint32_t)EV_IRR, __ATOMIC_SEQ_CST);
	spin_unlock(&l->lock);
}

void lapic_vm_summary(struct vm *vm)
{
	const struct lapic_vm_stats *st = &vm_stats[vm->id];

	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		const struct lapic *l = &lapics[vm->id][i];
		const struct vcpu *v = &vm->vcpus[i];
		if (!l->timer_fires && !l->eois && !l->ipis_sent && !v->injected_irqs &&
		    !v->injected_nmis && !v->reinjected && !v->dropped_vectoring)
			continue;
		kprintf("[hv] vm%u vcpu%u apic: injected %lu interrupt(s), %lu NMI(s), %lu re-injected; "
			"timer fires %lu (masked %lu, late avg %lu max %lu guest ticks), guard holds %lu; "
			"IPIs sent %lu; EOIs %lu\n", vm->id, i, v->injected_irqs, v->injected_nmis,
			v->reinjected, l->timer_fires, l->timer_masked,
			l->timer_fires ? l->fire_late_sum / l->timer_fires : 0, l->fire_late_max,
			l->guard_holds, l->ipis_sent, l->eois);
		if (v->vectoring_fixed)
			kprintf("[hv] vm%u vcpu%u: %lu interrupted virtual-interrupt deliveries reported "
				"stale IDT-vectoring information (Bochs): re-injected as SVI\n", vm->id, i, v->vectoring_fixed);
		if (v->dropped_vectoring)
			kprintf("[hv] vm%u vcpu%u: flaw=drop-vectoring dropped %lu event(s) whose delivery "
				"an exit interrupted\n", vm->id, i, v->dropped_vectoring);
		if (l->periods_floored)
			kprintf("[hv] vm%u vcpu%u apic: %lu periodic timer period(s) shorter than %u us "
				"lengthened to it\n", vm->id, i, l->periods_floored, TIMER_MIN_PERIOD_US);
	}
	if (vm->evictions)
		kprintf("[hv] vm%u: HC_EPT_EVICT: %lu page(s) evicted, %lu mapped back at a fault\n",
			vm->id, vm->evictions, vm->evict_faults);
	if (st->ipi_absent || st->ipi_refused || st->ipi_unsupported)
		kprintf("[hv] vm%u: xAPIC: %lu INIT/SIPI to absent vCPUs, %lu IPI(s) refused by a "
			"disabled APIC, %lu IPI(s) of an unsupported kind\n", vm->id, st->ipi_absent,
			st->ipi_refused, st->ipi_unsupported);
}
