/*
 * guest/lib/cpu.h - per-CPU state of the guest library.
 *
 * Context: guest, any CPU. Until smp_start() (guest/lib/smp.h) brings up an
 * application processor the library runs on the boot CPU alone and
 * this_cpu() is &guest_cpus[0], exactly as in a single-CPU guest: nothing
 * changes for guests that never call smp_start(). From then on every CPU's
 * GS base (IA32_GS_BASE, which chronovisor passes through) points at its own
 * struct guest_cpu, whose first field points at itself, so this_cpu() is one
 * load from %gs:0 - no MSR read, no xAPIC access (an exit under a hypervisor).
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_MAX_CPUS 16

struct guest_cpu {
	struct guest_cpu *self;         /* 0: what %gs:0 reads; set by smp_start() */
	int index;                      /* dense: 0 = boot CPU, then APs in start order */
	uint32_t apic_id;               /* the local APIC's ID (xAPIC: bits 31:24 of 0x20) */
	/* Last exception taken at a fixup site (guest/lib/trap.h); -1 = none. */
	volatile int ex_vector;
	volatile uint64_t ex_error_code;
	volatile uint64_t ex_rip;
	/* Nesting depth of unexpected exceptions (a fault while reporting one). */
	volatile int unexpected_depth;
	unsigned relax_count;           /* smp_relax() calls, to pace its HC_YIELDs */
	/* This CPU's local APIC mode as apic_init() read it from IA32_APIC_BASE
	 * (each CPU has its own; guest/lib/apic.h): 0 = not read yet. */
	int apic_mode;
	volatile int irq_depth;         /* interrupt handlers running (nesting), guest/lib/irq.c */
} __attribute__((aligned(64)));         /* one cache line each: no false sharing */

extern struct guest_cpu guest_cpus[GUEST_MAX_CPUS];   /* guest/lib/trap.c */
/* Set by smp_start() once the boot CPU's GS base is in place (guest/lib/smp.c). */
extern volatile bool guest_smp_active;

static inline struct guest_cpu *this_cpu(void)
{
	struct guest_cpu *c;

	if (!guest_smp_active)
		return &guest_cpus[0];
	asm("mov %%gs:0, %0" : "=r"(c));   /* constant per CPU: may be CSE'd */
	return c;
}

#endif
