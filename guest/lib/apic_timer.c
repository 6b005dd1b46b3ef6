/*
 * guest/lib/apic_timer.c - one-shot, periodic and TSC-deadline APIC timer
 * (the contract is in apic_timer.h).
 *
 * Context: guest, 64-bit mode, any CPU, its own timer.
 */
#include <stdint.h>

#include "guest/lib/apic.h"
#include "guest/lib/apic_timer.h"
#include "guest/lib/x86.h"

#define TDCR_CODE_DIV1       7u       /* the 3-bit code 111 divides by 1 */
#define TDCR_CODE_MASK       7u
#define TDCR_VALID_BITS      0xBu     /* bits 0, 1, 3 */
#define MAX_DIVISOR          128u
#define TIMER_FULL_COUNT     0xFFFFFFFFu

uint32_t apic_timer_tdcr_encode(unsigned divisor)
{
	unsigned code;

	if (divisor == 1) {
		code = TDCR_CODE_DIV1;
	} else {
		if (divisor < 2 || divisor > MAX_DIVISOR || (divisor & (divisor - 1)))
			return ~0u;
		code = (unsigned)__builtin_ctz(divisor) - 1;   /* 2 -> 0 ... 128 -> 6 */
	}
	return (code & 3u) | ((code & 4u) << 1);
}

unsigned apic_timer_tdcr_decode(uint32_t tdcr)
{
	unsigned code = (tdcr & 3u) | ((tdcr >> 1) & 4u);

	return code == TDCR_CODE_DIV1 ? 1 : 2u << code;
}

void apic_timer_set_divide(unsigned divisor)
{
	uint32_t v = apic_timer_tdcr_encode(divisor);

	if (v != ~0u)
		apic_write(APIC_TDCR, (apic_read(APIC_TDCR) & ~TDCR_VALID_BITS) | v);
}

unsigned apic_timer_divide(void)
{
	return apic_timer_tdcr_decode(apic_read(APIC_TDCR));
}

void apic_timer_start(enum apic_timer_mode mode, unsigned vector, uint32_t count)
{
	uint32_t m = mode == APIC_TIMER_PERIODIC ? APIC_LVT_TIMER_PERIODIC : APIC_LVT_TIMER_ONESHOT;

	apic_write(APIC_LVT_TIMER, m | (vector & APIC_LVT_VECTOR_MASK));
	apic_write(APIC_TMICT, count);
}

bool apic_has_tsc_deadline(void)
{
	return cpuid(1).ecx & CPUID_1_ECX_TSC_DEADLINE;
}

void apic_timer_stop(void)
{
	uint32_t lvt = apic_read(APIC_LVT_TIMER);

	apic_write(APIC_LVT_TIMER, lvt | APIC_LVT_MASKED);
	if ((lvt & APIC_LVT_TIMER_MODE_MASK) == APIC_LVT_TIMER_TSC_DEADLINE)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	else
		apic_write(APIC_TMICT, 0);
}

uint32_t apic_timer_current(void)
{
	return apic_read(APIC_TMCCT);
}

void apic_timer_mask(bool masked)
{
	uint32_t lvt = apic_read(APIC_LVT_TIMER);

	apic_write(APIC_LVT_TIMER, masked ? lvt | APIC_LVT_MASKED : lvt & ~APIC_LVT_MASKED);
}

void apic_timer_deadline_mode(unsigned vector)
{
	apic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_TSC_DEADLINE | (vector & APIC_LVT_VECTOR_MASK));
	asm volatile("mfence" : : : "memory");
}

void apic_timer_deadline_arm(uint64_t tsc)
{
	wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
}

uint64_t apic_timer_deadline(void)
{
	return rdmsr(MSR_IA32_TSC_DEADLINE);
}

/* TMCCT read between two TSC reads; *tsc = their middle. The middle is
 * only as good as the bracket is short: under a hypervisor the read may
 * exit, and a vCPU taken off its pCPU at that exit (or just before it)
 * comes back much later, with the count taken at one end of the bracket.
 * A middle then misses by half the time away (seen under chronovisor: a
 * 10 ms calibration took 685735 TSC ticks for 500765 counts, and the
 * periodic tick built on it ran 37% fast). So the read is taken again
 * until its bracket is short, keeping the shortest of CURRENT_AT_TRIES. */
#define CURRENT_AT_TRIES   16
#define CURRENT_AT_SHORT   8000     /* TSC ticks: an emulated read, with room */

static uint32_t current_at(uint64_t *tsc)
{
	uint64_t best = ~0ull;
	uint32_t c_best = 0;

	for (int i = 0; i < CURRENT_AT_TRIES && best > CURRENT_AT_SHORT; i++) {
		uint64_t a = rdtsc_ordered();
		uint32_t c = apic_timer_current();
		uint64_t b = rdtsc_ordered();

		if (b - a < best) {
			best = b - a;
			c_best = c;
			*tsc = a + (b - a) / 2;
		}
	}
	return c_best;
}

bool apic_timer_calibrate(uint64_t tsc_ticks, struct apic_timer_cal *cal)
{
	uint64_t t0, t1;
	uint32_t c0, c1;

	apic_timer_set_divide(1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_TIMER_ONESHOT | APIC_LVT_MASKED);
	apic_write(APIC_TMICT, TIMER_FULL_COUNT);
	c0 = current_at(&t0);
	while (rdtsc() - t0 < tsc_ticks)
		pause();
	c1 = current_at(&t1);
	apic_write(APIC_TMICT, 0);

	cal->tsc_ticks = t1 - t0;
	cal->apic_ticks = c0 - c1;
	cal->apic_per_tsc_fp32 = 0;
	if (c1 == 0 || c1 >= c0 || cal->tsc_ticks == 0)
		return false;
	cal->apic_per_tsc_fp32 = (cal->apic_ticks << 32) / cal->tsc_ticks;
	return true;
}

uint64_t apic_timer_count_for(const struct apic_timer_cal *cal, uint64_t tsc_ticks)
{
	unsigned __int128 p = (unsigned __int128)tsc_ticks * cal->apic_per_tsc_fp32;

	return (uint64_t)((p + (1ull << 31)) >> 32);
}
