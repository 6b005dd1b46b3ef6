/*
 * guest/lib/irq.h - interrupts in the guest: handlers for vectors 32-255
 * (and NMI), IF control, HLT.
 *
 * Context: guest, 64-bit mode, any CPU. The library itself never sets IF:
 * a guest that wants interrupts registers handlers, then irq_enable() or
 * safe_halt(). trap_init() points every IDT gate 32-255 at one entry
 * (guest/lib/isr.asm, interrupt gates: IF = 0 inside a handler unless the
 * handler sets it), which calls the handler registered for the vector with
 * the interrupted state (struct trap_frame, guest/lib/trap.h).
 *
 * Handlers send their own EOI (apic_eoi(), guest/lib/apic.h): a test of EOI
 * order decides when. They run on the interrupted stack, so they must not
 * take a lock that code running with IF = 1 on the same CPU may hold
 * (spinlock.h). report() from a handler works (per-CPU console ownership,
 * atomic counters), but its line can land inside a line the interrupted
 * code was printing: report from the main flow where possible.
 *
 * A vector with no handler:
 *   - the APIC spurious vector (APIC_SPURIOUS_VECTOR): counted, no EOI (the
 *     SDM: a spurious interrupt sets no ISR bit);
 *   - any other: counted as unexpected, its vector remembered, and EOIed
 *     when its ISR bit is set, so it cannot block lower priorities. Guests
 *     check irq_unexpected() at the end.
 * The 8259 PICs are remapped to vectors 0x20-0x2F and masked the first time
 * a handler is registered: the BIOS leaves IRQ 0 on vector 8, where a timer
 * tick would look like a double fault. Not under chronovisor, which has no
 * PIC (the writes would show as unhandled port accesses).
 */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/lib/trap.h"

#define IRQ_VECTOR_FIRST   32
#define IRQ_VECTORS        256
#define PIC_VECTOR_BASE    0x20     /* where the masked 8259s are moved: 0x20-0x2F */

#define RFLAGS_IF          (1ull << 9)

typedef void (*irq_handler_t)(struct trap_frame *f);

/* Remaps and masks the 8259s; once; irq_register calls it. */
void irq_init(void);
/* vector: VEC_NMI or IRQ_VECTOR_FIRST..255; h = NULL removes it.
 * 0, or -1 for any other vector. */
int irq_register(unsigned vector, irq_handler_t h);

/* Interrupts taken, all CPUs together, per vector (NMIs under VEC_NMI). */
uint64_t irq_count(unsigned vector);
uint64_t irq_spurious(void);
/* Interrupts with no handler; *last (if not NULL) gets the last vector. */
uint64_t irq_unexpected(unsigned *last);

static inline void irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	asm volatile("pushfq; pop %0" : "=r"(f) : : "memory");
	return f;
}

static inline bool irq_enabled(void)
{
	return read_rflags() & RFLAGS_IF;
}

/* Disable, returning whether they were on; irq_restore undoes it. */
static inline bool irq_save(void)
{
	bool was = irq_enabled();

	irq_disable();
	return was;
}

static inline void irq_restore(bool was_enabled)
{
	if (was_enabled)
		irq_enable();
}

/* STI; HLT: the STI shadow keeps an interrupt from slipping in between, so
 * a wake-up that was pending at the STI is not lost. Returns with IF = 1
 * after the interrupt's handler ran. Check the awaited condition with IF = 0,
 * then call this: cli; while (!cond) { safe_halt(); cli(); } */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

/* Plain HLT with IF unchanged (with IF = 0 only NMI, INIT, SMI wake it). */
static inline void hlt(void)
{
	asm volatile("hlt" : : : "memory");
}

/* Interrupt handlers running on this CPU (> 1: nested). */
int irq_depth(void);

#endif
