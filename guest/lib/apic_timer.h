/*
 * guest/lib/apic_timer.h - the local APIC timer in its three modes.
 *
 * Context: guest, 64-bit mode, any CPU; each CPU has its own timer and
 * these functions program the caller's. Interrupts may be on.
 * SDM Vol. 3A, "APIC Timer": the timer counts the initial count (TMICT)
 * down to 0 at the APIC timer clock divided by the divide configuration
 * (TDCR); at 0 it raises the LVT timer entry's vector unless masked, then
 * stops (one-shot) or reloads (periodic). In TSC-deadline mode (CPUID.1:
 * ECX[24]) TMICT and TMCCT are unused (TMCCT reads 0); it fires once when
 * the TSC reaches the value written to IA32_TSC_DEADLINE (MSR 0x6E0), which
 * then reads 0; writing 0 disarms it; a new value replaces the old one.
 *
 * The APIC timer's clock is not the TSC's: Bochs counts one per emulated
 * instruction like its TSC, QEMU TCG at 1 GHz of host time, hardware at the
 * core crystal or bus clock. apic_timer_calibrate() measures it against
 * the TSC so that guests can ask for periods in TSC ticks.
 */
#ifndef GUEST_APIC_TIMER_H
#define GUEST_APIC_TIMER_H

#include <stdbool.h>
#include <stdint.h>

enum apic_timer_mode {
	APIC_TIMER_ONESHOT,
	APIC_TIMER_PERIODIC,
	APIC_TIMER_TSC_DEADLINE,
};

/* TDCR bits 0, 1 and 3 ("Divide Configuration Register"): divisor 1, 2,
 * 4, ... 128. encode: ~0u for any other divisor; decode: the divisor. */
uint32_t apic_timer_tdcr_encode(unsigned divisor);
unsigned apic_timer_tdcr_decode(uint32_t tdcr);
void apic_timer_set_divide(unsigned divisor);
unsigned apic_timer_divide(void);          /* read back from TDCR */

/* LVT timer = vector, mode (one-shot or periodic), unmasked; then TMICT =
 * count, which starts it (0 stops it). */
void apic_timer_start(enum apic_timer_mode mode, unsigned vector, uint32_t count);
/* Masks the LVT timer entry, TMICT = 0 and, where there is one, disarms the
 * TSC deadline. */
void apic_timer_stop(void);
uint32_t apic_timer_current(void);         /* TMCCT */
void apic_timer_mask(bool masked);         /* only the LVT mask bit */

/* CPUID.1:ECX[24] */
bool apic_has_tsc_deadline(void);
/* LVT timer = vector in TSC-deadline mode, unmasked, then MFENCE: in xAPIC
 * mode the LVT write is a memory write, and the SDM asks for it to be
 * ordered before the IA32_TSC_DEADLINE WRMSR that follows. */
void apic_timer_deadline_mode(unsigned vector);
void apic_timer_deadline_arm(uint64_t tsc);  /* 0 disarms */
uint64_t apic_timer_deadline(void);          /* IA32_TSC_DEADLINE as read back */

/*
 * The APIC timer clock (divide 1) against the TSC: apic_ticks counted down
 * while tsc_ticks passed, and their ratio in 32.32 fixed point. Measured
 * with the timer masked, in one-shot mode from 0xFFFFFFFF; leaves it
 * stopped. false when the timer did not count, or ran out.
 */
struct apic_timer_cal {
	uint64_t tsc_ticks;
	uint64_t apic_ticks;
	uint64_t apic_per_tsc_fp32;
};
bool apic_timer_calibrate(uint64_t tsc_ticks, struct apic_timer_cal *cal);
/* APIC timer counts at divide 1 for tsc_ticks TSC ticks (rounded). */
uint64_t apic_timer_count_for(const struct apic_timer_cal *cal, uint64_t tsc_ticks);

#endif
