/*
 * vmm/dev/lapic_state.h - the state of every vCPU's local APIC, shared by
 * the APIC (vmm/dev/lapic.c) and its timer (vmm/dev/lapic_timer.c).
 *
 * Context: VMX root. struct vcpu belongs to vmm/core/vm.h; the APIC state
 * lives here, by VM and vCPU id. Its lock guards everything in it; no code
 * holds two APIC locks at once (vmm/dev/lapic.c says the order).
 */
#ifndef CV_DEV_LAPIC_STATE_H
#define CV_DEV_LAPIC_STATE_H

#include "lib/spinlock.h"
#include "vmm/core/vm.h"
#include "vmm/dev/lapic_regs.h"

struct lapic {
	struct spinlock lock;
	struct lapic_regs r;
	uint64_t base;                /* IA32_APIC_BASE */
	/* the timer, on the guest's TSC (vmm/dev/lapic_timer.c) */
	bool timer_armed;
	uint64_t timer_start;         /* guest TSC when the count was timer_count0 */
	uint32_t timer_count0;
	uint64_t timer_deadline;      /* guest TSC of the next expiry */
	uint64_t tsc_deadline;        /* IA32_TSC_DEADLINE as the guest reads it */
	uint32_t timer_owed;          /* periodic expiries not delivered yet */
	/* the guard: the timer's vector, set in IRR at hold_until, is not
	 * taken before the guest's TSC (by its policy's view) reads hold_until */
	int hold_vector;              /* -1: none */
	uint64_t hold_until;
	uint64_t hold_wake;           /* hold_until on the reference timeline */
	/* apicv=on: the IRR bits the virtual-APIC page held after the last
	 * lapic_vapic_out/in (vmm/dev/lapic_vapic.c) */
	uint32_t pushed[APIC_REG_WORDS];
	uint64_t synced_exit;         /* apicv=on: the exit (its exit_tsc) the page was last
				       * reconciled at (vmm/dev/lapic_vapic.c) */
	int eoi_exit_vector;          /* apicv=on: the vector set in the EOI-exit bitmap, or -1 */
	bool flaw_divide;             /* flaw=divide: TDCR is ignored (vmm/dev/lapic_timer.c) */
	/* counters (owner only) */
	uint64_t timer_fires, timer_masked, fire_late_sum, fire_late_max, guard_holds;
	uint64_t eois, ipis_sent, periods_floored;
};

extern struct lapic lapics[MAX_VMS][MAX_VCPUS];

static inline struct lapic *lapic_of(struct vcpu *v)
{
	return &lapics[v->vm->id][v->id];
}

static inline bool lapic_x2apic_mode(const struct lapic *l)
{
	return (l->base & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) == (APIC_BASE_ENABLE | APIC_BASE_EXTD);
}

#endif
