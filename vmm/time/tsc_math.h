/*
 * vmm/time/tsc_math.h - all of chronovisor's TSC arithmetic, as plain C.
 *
 * Context: any; no hardware access, so it is unit-tested on the host
 * (tests/unit/test_tsc_math.c). vmm/time/vtsc.c applies it to vCPUs and VMCSs.
 *
 * The equations (docs/design.md, "TSC virtualization: the arithmetic"):
 *
 *   ref(t)        the reference timeline: pCPU 0's TSC at instant t
 *   skew[p]       pCPU p's TSC minus ref at the same instant (measured at boot)
 *   host_tsc(p)   = ref + skew[p]
 *   scale(x)      = (x * mult) >> 48, mult = TSC multiplier in 16.48 fixed point
 *                   (SDM Vol. 3C, "Time-Stamp Counter Offset and Multiplier":
 *                   the CPU multiplies by the multiplier and shifts right 48,
 *                   then adds TSC_OFFSET; mult = 1 << 48 is no scaling)
 *   guest_tsc(v)  = scale(ref) + off[v]                    what vCPU v reads
 *   TSC_OFFSET    = off[v] - scale(skew[p])                 written when v is
 *                   loaded on p, so RDTSC never exits and on any pCPU reads
 *                   scale(host_tsc(p)) + TSC_OFFSET = scale(ref) + off[v]
 *                   (up to one tick of rounding when scaling)
 *   creation      off[v] = -scale(ref(creation))           counts from 0
 *   WRMSR TSC x   off[v] = x - scale(ref(now));  TSC_ADJUST += x - old guest TSC
 *   WRMSR ADJ a   off[v] += a - TSC_ADJUST;      TSC_ADJUST = a
 *                 (SDM Vol. 3B, "Time-Stamp Counter Adjustment"; every vCPU's
 *                 TSC_ADJUST starts at 0 whatever the host's is)
 *
 *   deadline D    a value of the guest's own TSC (IA32_TSC_DEADLINE, or an
 *                 APIC timer expiry counted in guest ticks). On a pCPU whose
 *                 TSC_OFFSET is `offset` it is reached at the first host TSC h
 *                 with scale(h) + offset >= D:
 *                   h = ceil((D - offset) * 2^48 / mult)
 *                 rounded up, so an interrupt armed at h is never early by
 *                 the guest's own RDTSC there. With offset = off[v] and the
 *                 reference timeline for h, the same equation gives the
 *                 instant on ref (percpu); with the offset a policy writes
 *                 without skew compensation (none, kvm2633) it gives that
 *                 policy's own, skew-blind, view of the host TSC.
 *
 * All of it is modulo 2^64 on purpose: a guest TSC that wraps, an offset
 * that is "negative", a guest that moves its own TSC backwards are all
 * ordinary unsigned arithmetic, exactly as the hardware adds TSC_OFFSET.
 */
#ifndef CV_TSC_MATH_H
#define CV_TSC_MATH_H

#include "lib/types.h"

#define TSC_MULT_SHIFT   48
#define TSC_MULT_ONE     (1ULL << TSC_MULT_SHIFT)

struct vtsc {
	uint64_t off;       /* off[v], modulo 2^64 */
	uint64_t mult;      /* TSC multiplier, 16.48 fixed point */
	uint64_t adjust;    /* the guest's IA32_TSC_ADJUST (two's complement) */
};

/* (a * b) / c with a 128-bit intermediate; saturates at UINT64_MAX. */
uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c);

/* scale(x) = (x * mult) >> 48, as the CPU computes it. Inline, with the
 * two below: they sit on the path of every vCPU load (vmm/time/vtsc.c). */
static inline uint64_t tsc_scale(uint64_t x, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)x * mult) >> TSC_MULT_SHIFT);
}

/* scale() of a signed difference: -scale(-d) for negative d. */
static inline int64_t tsc_scale_signed(int64_t d, uint64_t mult)
{
	if (d >= 0)
		return (int64_t)tsc_scale((uint64_t)d, mult);
	/* negate unsigned: -(int64_t)2^63 would be signed overflow (UB) */
	return (int64_t)(0 - tsc_scale(0 - (uint64_t)d, mult));
}

/* The multiplier for a guest running at guest_khz on a host at host_khz:
 * guest_khz / host_khz in 16.48. 0 if it does not fit (ratio >= 2^16). */
uint64_t tsc_mult_for_khz(uint64_t guest_khz, uint64_t host_khz);

/* A new vCPU whose TSC reads 0 at reference instant ref_now. */
void tsc_init(struct vtsc *t, uint64_t ref_now, uint64_t mult);

/* guest_tsc = scale(ref) + off */
uint64_t tsc_guest(const struct vtsc *t, uint64_t ref);

/* TSC_OFFSET for loading the vCPU on a pCPU with this skew (compensated).
 * Not inline: lab 4 (labs/04-offset.md) takes it out of tsc_math.c. */
uint64_t tsc_offset_compensated(const struct vtsc *t, int64_t skew);

/* Guest WRMSR IA32_TSC = x at reference instant ref_now. */
void tsc_write_tsc(struct vtsc *t, uint64_t x, uint64_t ref_now);

/* Guest WRMSR IA32_TSC_ADJUST = a. */
void tsc_write_adjust(struct vtsc *t, uint64_t a);

/* The clock error a guest measures with HC_TSC_CHECK (docs/tsc.md, "The
 * clock error the guest measures"): guest_read is what it read with RDTSC;
 * host_tsc is the host TSC of the pCPU it runs on at the VM exit that
 * follows; true_skew is that pCPU's true skew (the injected one, known by
 * construction, not the measured one). The ideal clock there is
 *   scale(host_tsc - true_skew) + off      (ref on the true timeline)
 * with off = off[v] as the guest itself set it (no guard or kvm2633 raises).
 * Returns guest_read - ideal as a signed difference modulo 2^64. The read
 * came a few instructions before the exit, so a perfect clock gives minus
 * those ticks (the bias), not 0. */
int64_t tsc_guest_error(uint64_t guest_read, uint64_t host_tsc, int64_t true_skew, uint64_t mult,
			uint64_t off);

/* Guest TSC ticks to host ticks (inverse scaling), rounded up, for sleeps. */
uint64_t tsc_guest_to_host_ticks(uint64_t guest_ticks, uint64_t mult);

/* The first host TSC value at which a guest that reads scale(h) + offset
 * has reached deadline (see the equation above), given the host TSC now.
 * Rounded up: never early. host_now when the guest has reached it already
 * (guest now >= deadline, unsigned, as the CPU compares); UINT64_MAX when
 * it lies further ahead than the host TSC can count. */
uint64_t tsc_deadline_to_host(uint64_t deadline, uint64_t offset, uint64_t mult, uint64_t host_now);

/* Nanoseconds in `ticks` of a TSC running at khz. */
uint64_t tsc_ticks_to_ns(uint64_t ticks, uint64_t khz);

#endif
