/*
 * vmm/dev/lapic_regs.h - the register model of one virtual local APIC: what
 * each register holds, what a read returns, what a write changes, and the
 * interrupt state machine IRR -> ISR -> EOI with its priorities.
 *
 * Context: pure C, no hardware access and no other vCPU: it runs in VMX
 * root (vmm/dev/lapic.c wraps it, takes the locks, delivers IPIs and runs
 * the timer) and in host unit tests (tests/unit/test_lapic_regs.c).
 *
 * Sources, cited by title (SDM Vol. 3A, chapter "Advanced Programmable
 * Interrupt Controller (APIC)"): "Local APIC Register Address Map",
 * "Local Vector Table", "Error Handling", "APIC Timer", "Interrupt Command
 * Register (ICR)", "Determining IPI Destination", "Task Priority Register
 * (TPR)", "Processor Priority Register (PPR)", "IRR, ISR and TMR
 * Registers", "End-Of-Interrupt (EOI)", "Spurious-Interrupt Vector
 * Register", "Local APIC State After Power-Up or Reset", "Local APIC State
 * After It Has Been Software Disabled", and for x2APIC mode "x2APIC
 * Register Address Space", "Reserved Bit Checking", "x2APIC Register
 * Availability", "Logical Destination Mode in x2APIC Mode".
 *
 * The model (what this APIC is):
 *   version 0x14 (integrated xAPIC), six LVT entries (timer, thermal,
 *   performance, LINT0, LINT1, error; no CMCI), no EOI-broadcast
 *   suppression; the ID is the vCPU number; TSC-deadline mode exists when
 *   the model says so (CPUID.1:ECX[24] shown).
 * Choices where hardware leaves it open, so that guest bugs show:
 *   xAPIC mode: read-only registers drop writes; reserved offsets read 0,
 *     and a write there sets ESR bit 7 (illegal register address);
 *   x2APIC mode: every rule of "Reserved Bit Checking" and "x2APIC Register
 *     Availability" is a #GP: a reserved MSR, RDMSR of a write-only
 *     register (EOI, SELF IPI), WRMSR of a read-only one, a 1 in a reserved
 *     bit (bits 63:32 of every register but the ICR), a non-zero write to
 *     EOI or ESR;
 *   a fixed interrupt is accepted only by a software-enabled APIC (SVR bit
 *     8), as KVM does; vectors 0-15 are illegal (ESR bits 5 and 6);
 *   an edge-triggered interrupt already in IRR is merged with it.
 */
#ifndef CV_DEV_LAPIC_REGS_H
#define CV_DEV_LAPIC_REGS_H

#include "lib/types.h"
#include "lib/x86.h"

/* Version 0x14 (integrated xAPIC) and max LVT entry 5 in bits 23:16. */
#define LAPIC_VERSION_VALUE     0x00050014u

enum lvt_index { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

struct lapic_regs {
	uint32_t id;                      /* the vCPU number: xAPIC ID bits 31:24, x2APIC ID */
	bool x2apic;                      /* IA32_APIC_BASE.EXTD */
	bool has_tsc_deadline;            /* LVT timer mode 10b exists */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t isr[APIC_REG_WORDS], irr[APIC_REG_WORDS], tmr[APIC_REG_WORDS];
	uint32_t esr;                     /* what ESR reads: latched by the last write */
	uint32_t esr_pending;             /* errors found since that write */
	uint32_t icr_low, icr_high;       /* ICR as written (x2APIC: destination in icr_high) */
	uint32_t lvt[LVT_COUNT];
	uint32_t timer_initial, timer_divide;
	uint32_t timer_current;           /* filled by the timer's owner before a read of TMCCT */
	uint8_t self_ipi_vector;          /* the last x2APIC SELF IPI write (LAPIC_FX_SELF_IPI) */
	/* IRR bits set (by an accepted interrupt or an error) since the owner
	 * last cleared this: apicv=on tells a new interrupt from one the CPU
	 * already took from its copy of IRR (vmm/dev/lapic.c, vapic_in). */
	uint32_t posted[APIC_REG_WORDS];
};

/* Power-up, reset and INIT state: everything 0 but DFR all ones, SVR 0xFF
 * (software disabled) and every LVT entry masked; the ID and the mode
 * (xAPIC/x2APIC) as given. */
void lapic_regs_reset(struct lapic_regs *r, uint32_t id, bool x2apic, bool has_tsc_deadline);

/* Enter x2APIC mode ("x2APIC State Transitions", xAPIC -> x2APIC): the
 * LDR becomes the derived one; everything else is kept. */
void lapic_regs_enter_x2apic(struct lapic_regs *r);

/* The x2APIC logical ID of APIC ID id: cluster id[19:4] in bits 31:16, one
 * bit 1 << id[3:0] in bits 15:0. */
uint32_t lapic_x2apic_ldr(uint32_t id);

static inline bool lapic_sw_enabled(const struct lapic_regs *r)
{
	return r->svr & APIC_SVR_ENABLE;
}

/* Highest vector set in a 256-bit register (IRR, ISR), or -1. */
int lapic_highest(const uint32_t reg[APIC_REG_WORDS]);

/* PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
uint32_t lapic_ppr(const struct lapic_regs *r);

/* The interrupt the APIC would present to the CPU now: the highest IRR
 * vector whose class is above PPR's, on a software-enabled APIC; -1 if
 * none. */
int lapic_deliverable(const struct lapic_regs *r);

/* The highest IRR vector held back only by the TPR (its class is above
 * the ISR's but not above the TPR's), or -1: a TPR below its class would
 * let it through (the TPR threshold of "use TPR shadow"). */
int lapic_blocked_by_tpr(const struct lapic_regs *r);

/* Post a fixed interrupt: sets IRR (and TMR for level). Returns false when
 * it is not accepted: an illegal vector (0-15: ESR receive illegal vector,
 * and the error interrupt if its LVT is unmasked) or a software-disabled
 * APIC. */
bool lapic_accept_irq(struct lapic_regs *r, uint8_t vector, bool level);

/* The CPU takes vector (the one lapic_deliverable returned): IRR -> ISR. */
void lapic_ack(struct lapic_regs *r, uint8_t vector);

/* EOI: clear the highest ISR bit; returns that vector or -1 when nothing
 * was in service. (TMR stays: it records how the vector was last accepted.) */
int lapic_eoi(struct lapic_regs *r);

/* Record an ESR error (APIC_ESR_*): it shows in ESR after the next ESR
 * write, and raises the LVT error interrupt if that entry is unmasked. */
void lapic_error(struct lapic_regs *r, uint32_t esr_bit);

/* What a register write asks the APIC's owner to do next. */
enum lapic_effect {
	LAPIC_FX_NONE       = 0,
	LAPIC_FX_SEND_IPI   = BIT(0),     /* ICR written: deliver icr_low/icr_high */
	LAPIC_FX_TIMER      = BIT(1),     /* TMICT, TDCR or the LVT timer's mode changed */
	LAPIC_FX_EOI        = BIT(2),     /* an EOI (lapic_eoi already ran) */
	LAPIC_FX_SELF_IPI   = BIT(3),     /* x2APIC SELF IPI: vector in self_ipi_vector */
	LAPIC_FX_GP         = BIT(4),     /* x2APIC: the access raises #GP; nothing changed */
	LAPIC_FX_TPR        = BIT(5),     /* TPR written: priorities may have dropped */
	LAPIC_FX_SW_DISABLE = BIT(6),     /* SVR enable went 1 -> 0 */
};

/* Write a 32-bit register at xAPIC offset off (x2APIC: the MSR's offset,
 * value bits 31:0; the ICR goes through lapic_write_icr64). Applies the
 * register's writable mask and the mode's rules; returns LAPIC_FX_* bits. */
unsigned lapic_reg_write(struct lapic_regs *r, unsigned off, uint64_t val);

/* Read the register at xAPIC offset off. *val gets it; returns false when
 * the read is a #GP in x2APIC mode (no such register, or write-only). In
 * xAPIC mode every offset reads (reserved ones as 0). TMCCT reads
 * r->timer_current. */
bool lapic_reg_read(const struct lapic_regs *r, unsigned off, uint32_t *val);

/* x2APIC ICR (MSR 0x830): one 64-bit write, destination in 63:32. */
unsigned lapic_write_icr64(struct lapic_regs *r, uint64_t val);

/* x2APIC MSR number <-> xAPIC register offset. */
static inline unsigned lapic_x2apic_offset(uint32_t msr)
{
	return (msr - 0x800u) << 4;
}

/* Does an IPI with this destination reach APIC r? dest is the ICR's
 * destination field (xAPIC: 8 bits; x2APIC: 32), logical the ICR's
 * destination mode; x2apic_format says which format dest is in (the
 * sender's mode). Shorthands are the sender's business. */
bool lapic_match_dest(const struct lapic_regs *r, uint32_t dest, bool logical, bool x2apic_format);

/* The timer (the counting itself is the owner's: vmm/dev/lapic.c). */
static inline unsigned lapic_timer_mode(const struct lapic_regs *r)
{
	return (r->lvt[LVT_TIMER] & APIC_TIMER_MODE_MASK) >> APIC_TIMER_MODE_SHIFT;
}

/* TDCR bits 3, 1:0 as a divisor: 000 -> 2, 001 -> 4, ... 110 -> 128, 111 -> 1. */
uint32_t lapic_timer_divisor(uint32_t tdcr);

/* TMCCT after `elapsed` ticks of the timer's input clock since a count of
 * `initial` started with this divisor: initial - elapsed / divisor, and 0
 * once that runs out. */
uint32_t lapic_timer_count_after(uint32_t initial, uint32_t divisor, uint64_t elapsed);

#endif
