/*
 * vmm/time/tsc_math.c - the TSC arithmetic (equations in vmm/time/tsc_math.h).
 *
 * Context: any; pure C, unit-tested on the host. The only non-trivial piece
 * is 128-bit multiply-then-divide, done with unsigned __int128 for the
 * product and a long division that never needs libgcc's __udivti3.
 */
#include "vmm/time/tsc_math.h"

typedef unsigned __int128 u128;

/* 128 / 64 -> 64 by shift-and-subtract: 64 rounds, no library call, and
 * the same code on the host as in the kernel. */
static uint64_t div128_64(u128 n, uint64_t d)
{
	if ((uint64_t)(n >> 64) >= d)
		return UINT64_MAX;          /* the quotient would not fit */
	uint64_t hi = (uint64_t)(n >> 64), lo = (uint64_t)n, q = 0;
	for (int i = 0; i < 64; i++) {
		uint64_t carry = hi >> 63;
		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (carry || hi >= d) {
			hi -= d;
			q |= 1;
		}
	}
	return q;
}

uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
	if (!c)
		return UINT64_MAX;
	return div128_64((u128)a * b, c);
}

uint64_t tsc_mult_for_khz(uint64_t guest_khz, uint64_t host_khz)
{
	if (!guest_khz || !host_khz || guest_khz / host_khz >= (1ULL << (64 - TSC_MULT_SHIFT)))
		return 0;
	return div128_64((u128)guest_khz << TSC_MULT_SHIFT, host_khz);
}

void tsc_init(struct vtsc *t, uint64_t ref_now, uint64_t mult)
{
	t->mult = mult;
	t->off = 0 - tsc_scale(ref_now, mult);
	t->adjust = 0;
}

uint64_t tsc_guest(const struct vtsc *t, uint64_t ref)
{
	return tsc_scale(ref, t->mult) + t->off;
}

uint64_t tsc_offset_compensated(const struct vtsc *t, int64_t skew)
{
	return t->off - (uint64_t)tsc_scale_signed(skew, t->mult);
}

int64_t tsc_guest_error(uint64_t guest_read, uint64_t host_tsc, int64_t true_skew, uint64_t mult,
			uint64_t off)
{
	uint64_t ideal = tsc_scale(host_tsc - (uint64_t)true_skew, mult) + off;

	return (int64_t)(guest_read - ideal);   /* two's complement: no signed overflow */
}

void tsc_write_tsc(struct vtsc *t, uint64_t x, uint64_t ref_now)
{
	uint64_t old = tsc_guest(t, ref_now);

	t->adjust += x - old;
	t->off = x - tsc_scale(ref_now, t->mult);
}

void tsc_write_adjust(struct vtsc *t, uint64_t a)
{
	t->off += a - t->adjust;
	t->adjust = a;
}

uint64_t tsc_guest_to_host_ticks(uint64_t guest_ticks, uint64_t mult)
{
	if (mult == TSC_MULT_ONE)
		return guest_ticks;         /* no scaling: no division (the timer path) */
	if (!mult)
		return UINT64_MAX;
	u128 n = ((u128)guest_ticks << TSC_MULT_SHIFT) + mult - 1;
	return div128_64(n, mult);
}

uint64_t tsc_deadline_to_host(uint64_t deadline, uint64_t offset, uint64_t mult, uint64_t host_now)
{
	uint64_t guest_now = tsc_scale(host_now, mult) + offset;

	if (guest_now >= deadline)
		return host_now;
	/* The exact instant: the smallest h with scale(h) >= D - offset. It
	 * is valid when it lies ahead of now, i.e. when the guest's clock does
	 * not wrap through 2^64 on its way to D relative to the host's. */
	uint64_t h = tsc_guest_to_host_ticks(deadline - offset, mult);
	if (h != UINT64_MAX && h >= host_now)
		return h;
	/* Otherwise count from now: scale(a + b) >= scale(a) + scale(b), so
	 * now + ceil(remaining / ratio) has reached D (at most a tick late). */
	uint64_t d = tsc_guest_to_host_ticks(deadline - guest_now, mult);
	return d >= UINT64_MAX - host_now ? UINT64_MAX : host_now + d;
}

uint64_t tsc_ticks_to_ns(uint64_t ticks, uint64_t khz)
{
	return mul_div_u64(ticks, 1000000, khz);
}
