/*
 * guest/lib/cpu.h - per-CPU state of the guest library.
 *
 * Context: guest. The library runs on one CPU today; state that must be per
 * CPU once application processors start (the expected-exception record) lives
 * here already, so SMP support means filling cpus[] and making this_cpu()
 * read an ID (e.g. from GS base or the LAPIC), not hunting for globals.
 * An SMP guest will also need a spinlock around console lines and reports.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

#define GUEST_MAX_CPUS 1

struct guest_cpu {
	/* Last exception taken at a fixup site (guest/lib/trap.h); -1 = none. */
	volatile int ex_vector;
	volatile uint64_t ex_error_code;
	volatile uint64_t ex_rip;
	/* Nesting depth of unexpected exceptions (a fault while reporting one). */
	volatile int unexpected_depth;
};

extern struct guest_cpu guest_cpus[GUEST_MAX_CPUS];

static inline struct guest_cpu *this_cpu(void)
{
	return &guest_cpus[0];
}

#endif
