/*
 * tests/unit/test_tsc_math.c - host unit tests for vmm/time/tsc_math.c.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * Every result is checked against an independent reference: the host's own
 * unsigned __int128 arithmetic (libgcc's division, which tsc_math.c avoids),
 * or the equations of vmm/time/tsc_math.h and docs/design.md ("TSC virtualization: the
 * arithmetic") evaluated directly. Wrap-around modulo 2^64 is exercised on
 * purpose: a reference TSC that wraps, a guest TSC written near UINT64_MAX,
 * "negative" offsets and adjusts, a guest moving its own TSC backwards.
 * Random inputs come from a fixed-seed generator, so failures reproduce.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/time/tsc_math.h"

typedef unsigned __int128 u128;

/* Undefined behaviour (signed overflow in tsc_math.c) fails the run instead
 * of printing a warning under an [ OK ]. Read by UBSan when it is linked in;
 * an ordinary unused function otherwise. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

#define ONE          TSC_MULT_ONE
#define HALF         (TSC_MULT_ONE >> 1)
#define TWICE        (TSC_MULT_ONE << 1)
#define RANDOM_ITERS 200000

/* ---- deterministic random numbers (splitmix64) ---- */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A random value of random width, so small operands are common too. */
static uint64_t rnd_wide(void)
{
	return rnd() >> (rnd() % 64);
}

/* ---- references, all in plain 128-bit host arithmetic ---- */

static uint64_t ref_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	if (!c)
		return UINT64_MAX;
	u128 q = (u128)a * b / c;
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

static uint64_t ref_scale(uint64_t x, uint64_t mult)
{
	return (uint64_t)(((u128)x * mult) >> 48);
}

/* Smallest h with (h * mult) >> 48 >= n, saturated. */
static uint64_t ref_ceil_inverse(uint64_t n, uint64_t mult)
{
	u128 num = (u128)n << 48;
	u128 q = num / mult + (num % mult != 0);
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

/* a - b modulo 2^64, read as a signed distance. */
static int64_t sdiff(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b);
}

static const uint64_t edge_values[] = {
	0, 1, 2, 3, 7, 1000, 50000, 1000000,
	0xFFFFFFFFULL, 0x100000000ULL, 0x100000001ULL,
	(1ULL << 48) - 1, 1ULL << 48, (1ULL << 48) + 1,
	(1ULL << 63) - 1, 1ULL << 63, (1ULL << 63) + 1,
	0x123456789ABCDEF0ULL, UINT64_MAX - 1, UINT64_MAX,
};

/* Multipliers used throughout: identity, half, double, integers, odd fractions. */
static uint64_t test_mults[8];

static void fill_test_mults(void)
{
	test_mults[0] = ONE;
	test_mults[1] = HALF;
	test_mults[2] = TWICE;
	test_mults[3] = 3 * ONE;
	test_mults[4] = tsc_mult_for_khz(2100000, 2893000);   /* 2.1 GHz on 2.893 GHz */
	test_mults[5] = tsc_mult_for_khz(3000000, 2500000);   /* 1.2 */
	test_mults[6] = tsc_mult_for_khz(1000, 3);            /* 333.33..., big */
	test_mults[7] = 1;                                    /* tiniest non-zero */
}

static bool mult_is_integer(uint64_t mult)
{
	return (mult & (ONE - 1)) == 0;
}

/* ======================= mul_div_u64 ======================= */

static void test_mul_div_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++)
		for (size_t j = 0; j < ARRAY_SIZE(edge_values); j++)
			for (size_t k = 0; k < ARRAY_SIZE(edge_values); k++) {
				uint64_t a = edge_values[i], b = edge_values[j], c = edge_values[k];
				assert_int_equal(mul_div_u64(a, b, c), ref_mul_div(a, b, c));
			}
}

static void test_mul_div_named_cases(void **state)
{
	(void)state;
	/* zero operands */
	assert_int_equal(mul_div_u64(0, 0, 1), 0);
	assert_int_equal(mul_div_u64(0, UINT64_MAX, 1), 0);
	assert_int_equal(mul_div_u64(UINT64_MAX, 0, 7), 0);
	/* c = 1 is the plain product when it fits */
	assert_int_equal(mul_div_u64(0xFFFFFFFFULL, 0xFFFFFFFFULL, 1), 0xFFFFFFFE00000001ULL);
	assert_int_equal(mul_div_u64(UINT64_MAX, 1, 1), UINT64_MAX);
	assert_int_equal(mul_div_u64(1ULL << 32, 1ULL << 31, 1), 1ULL << 63);
	/* c = 1 and the product needs 65 bits: saturate */
	assert_int_equal(mul_div_u64(1ULL << 32, 1ULL << 32, 1), UINT64_MAX);
	assert_int_equal(mul_div_u64(1ULL << 63, 2, 1), UINT64_MAX);
	/* the 128-bit intermediate matters */
	assert_int_equal(mul_div_u64(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
	assert_int_equal(mul_div_u64(UINT64_MAX, 1000000, 1000000), UINT64_MAX);
	assert_int_equal(mul_div_u64(1ULL << 63, 2, 2), 1ULL << 63);
	assert_int_equal(mul_div_u64(1ULL << 63, 1ULL << 63, 1ULL << 62), UINT64_MAX);   /* 2^64 */
	assert_int_equal(mul_div_u64(1ULL << 63, 1ULL << 63, (1ULL << 63) + 1),
			 (uint64_t)((((u128)1 << 126)) / ((1ULL << 63) + 1)));
	/* the largest quotient that fits, and the smallest that does not */
	assert_int_equal(mul_div_u64(UINT64_MAX, 3, 3), UINT64_MAX);
	assert_int_equal(mul_div_u64(UINT64_MAX, UINT64_MAX - 1, UINT64_MAX), UINT64_MAX - 1);
	assert_int_equal(mul_div_u64(UINT64_MAX, UINT64_MAX, UINT64_MAX - 1), UINT64_MAX); /* > 2^64 */
	/* c = 0 saturates rather than trapping */
	assert_int_equal(mul_div_u64(0, 0, 0), UINT64_MAX);
	assert_int_equal(mul_div_u64(5, 7, 0), UINT64_MAX);
	assert_int_equal(mul_div_u64(UINT64_MAX, UINT64_MAX, 0), UINT64_MAX);
	/* rounds down */
	assert_int_equal(mul_div_u64(10, 1, 3), 3);
	assert_int_equal(mul_div_u64(UINT64_MAX, 2, 3), (uint64_t)(((u128)UINT64_MAX * 2) / 3));
	/* divisor with the top bit set exercises the carry path of the long division */
	assert_int_equal(mul_div_u64(UINT64_MAX, (1ULL << 63) + 5, UINT64_MAX - 3),
			 ref_mul_div(UINT64_MAX, (1ULL << 63) + 5, UINT64_MAX - 3));
}

static void test_mul_div_random(void **state)
{
	(void)state;
	rng_seed(0xC0FFEE);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t a = rnd_wide(), b = rnd_wide(), c = rnd_wide();
		assert_int_equal(mul_div_u64(a, b, c), ref_mul_div(a, b, c));
	}
	/* quotients right at the edge of fitting: c close to the high half */
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t a = rnd(), b = rnd();
		uint64_t hi = (uint64_t)(((u128)a * b) >> 64);
		uint64_t c = hi + (rnd() % 5) - 2;                  /* hi-2 .. hi+2 */
		assert_int_equal(mul_div_u64(a, b, c), ref_mul_div(a, b, c));
	}
	/* and the full-width random case, where the quotient often overflows */
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t a = rnd(), b = rnd(), c = rnd();
		assert_int_equal(mul_div_u64(a, b, c), ref_mul_div(a, b, c));
	}
}

/* ======================= tsc_scale ======================= */

static void test_scale_identity(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++)
		assert_int_equal(tsc_scale(edge_values[i], ONE), edge_values[i]);
	assert_int_equal(tsc_scale(UINT64_MAX, ONE), UINT64_MAX);
	rng_seed(1);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t x = rnd_wide();
		assert_int_equal(tsc_scale(x, ONE), x);
	}
}

static void test_scale_half_and_double(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++) {
		uint64_t x = edge_values[i];
		assert_int_equal(tsc_scale(x, HALF), x >> 1);
		assert_int_equal(tsc_scale(x, TWICE), x << 1);  /* modulo 2^64, as the CPU */
	}
	assert_int_equal(tsc_scale(UINT64_MAX, HALF), (1ULL << 63) - 1);
	assert_int_equal(tsc_scale(UINT64_MAX, TWICE), UINT64_MAX - 1);
	assert_int_equal(tsc_scale(3, HALF), 1);                /* rounds down */
	assert_int_equal(tsc_scale(1000, 4 * ONE), 4000);
	assert_int_equal(tsc_scale(1000, ONE + HALF), 1500);
	assert_int_equal(tsc_scale(12345, 0), 0);
	rng_seed(2);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t x = rnd();
		assert_int_equal(tsc_scale(x, HALF), x >> 1);
		assert_int_equal(tsc_scale(x, TWICE), x << 1);
	}
}

static void test_scale_matches_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++)
		for (size_t j = 0; j < ARRAY_SIZE(edge_values); j++)
			assert_int_equal(tsc_scale(edge_values[i], edge_values[j]),
					 ref_scale(edge_values[i], edge_values[j]));
	rng_seed(3);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t x = rnd_wide(), m = rnd_wide();
		assert_int_equal(tsc_scale(x, m), ref_scale(x, m));
	}
}

static void test_scale_signed_symmetric(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		assert_int_equal(tsc_scale_signed(0, m), 0);
		for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++) {
			int64_t d = (int64_t)(edge_values[i] >> 1);      /* 0 .. INT64_MAX */
			int64_t p = tsc_scale_signed(d, m);
			assert_int_equal((uint64_t)p, tsc_scale((uint64_t)d, m));
			assert_int_equal((uint64_t)tsc_scale_signed(-d, m), 0 - (uint64_t)p);
		}
	}
	/* rounds toward zero on both sides */
	assert_int_equal(tsc_scale_signed(3, HALF), 1);
	assert_int_equal(tsc_scale_signed(-3, HALF), -1);
	assert_int_equal(tsc_scale_signed(-1, HALF), 0);
	assert_int_equal(tsc_scale_signed(-1000000, TWICE), -2000000);
	assert_int_equal(tsc_scale_signed(-250000, ONE), -250000);
	assert_int_equal(tsc_scale_signed(-(1LL << 62), ONE), -(1LL << 62));
	assert_int_equal(tsc_scale_signed(-(1LL << 62), HALF), -(1LL << 61));
	/* results that reach -2^63 must not be signed-overflow UB (UBSan watches) */
	assert_int_equal((uint64_t)tsc_scale_signed(INT64_MIN, ONE), 1ULL << 63);
	assert_int_equal((uint64_t)tsc_scale_signed(-(1LL << 62), TWICE), 1ULL << 63);
	assert_int_equal((uint64_t)tsc_scale_signed(1LL << 62, TWICE), 1ULL << 63);
	assert_int_equal((uint64_t)tsc_scale_signed(INT64_MIN, HALF), 0 - (1ULL << 62));
	rng_seed(4);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		int64_t d = (int64_t)(rnd_wide() >> 1);
		uint64_t m = test_mults[rnd() % ARRAY_SIZE(test_mults)];
		assert_int_equal((uint64_t)tsc_scale_signed(d, m), ref_scale((uint64_t)d, m));
		assert_int_equal((uint64_t)tsc_scale_signed(-d, m), 0 - ref_scale((uint64_t)d, m));
	}
}

/* ======================= tsc_mult_for_khz ======================= */

static void test_mult_for_khz(void **state)
{
	(void)state;
	assert_int_equal(tsc_mult_for_khz(25000, 50000), 1ULL << 47);
	assert_int_equal(tsc_mult_for_khz(50000, 50000), ONE);
	assert_int_equal(tsc_mult_for_khz(2893000, 2893000), ONE);
	assert_int_equal(tsc_mult_for_khz(UINT64_MAX, UINT64_MAX), ONE);
	assert_int_equal(tsc_mult_for_khz(100000, 50000), TWICE);
	assert_int_equal(tsc_mult_for_khz(3000000, 1000000), 3 * ONE);
	assert_int_equal(tsc_mult_for_khz(1, 3), ONE / 3);   /* rounds down */
	/* ratio >= 2^16 does not fit in 16.48 */
	assert_int_equal(tsc_mult_for_khz(65536, 1), 0);
	assert_int_equal(tsc_mult_for_khz(65536ULL * 50000, 50000), 0);
	assert_int_equal(tsc_mult_for_khz(UINT64_MAX, 1), 0);
	assert_int_equal(tsc_mult_for_khz(UINT64_MAX, UINT64_MAX / 65536), 0);
	/* just under 2^16 fits: the largest representable ratio */
	assert_int_equal(tsc_mult_for_khz(65535, 1), 65535 * ONE);
	assert_int_equal(tsc_mult_for_khz(65536ULL * 50000 - 1, 50000),
			 (uint64_t)((((u128)(65536ULL * 50000 - 1)) << 48) / 50000));
	assert_int_not_equal(tsc_mult_for_khz(65536ULL * 50000 - 1, 50000), 0);
	/* zero inputs */
	assert_int_equal(tsc_mult_for_khz(0, 50000), 0);
	assert_int_equal(tsc_mult_for_khz(50000, 0), 0);
	assert_int_equal(tsc_mult_for_khz(0, 0), 0);
	/* the smallest ratios round to multipliers that may be 0, but never garbage */
	assert_int_equal(tsc_mult_for_khz(1, 1ULL << 48), 1);
	assert_int_equal(tsc_mult_for_khz(1, (1ULL << 48) + 1), 0);
}

static void test_mult_for_khz_random(void **state)
{
	(void)state;
	rng_seed(5);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t g = rnd_wide(), h = rnd_wide();
		uint64_t want = 0;
		if (g && h && g / h < 65536)
			want = (uint64_t)(((u128)g << 48) / h);
		assert_int_equal(tsc_mult_for_khz(g, h), want);
	}
	/* One second of host ticks scales to one second of guest ticks, to within
	 * one tick, for realistic frequencies (mult is rounded down). */
	for (int i = 0; i < 20000; i++) {
		uint64_t h = 1000 + rnd() % 10000000;   /* 1 MHz .. 10 GHz */
		uint64_t g = 1000 + rnd() % 10000000;
		uint64_t m = tsc_mult_for_khz(g, h);
		uint64_t got = tsc_scale(h * 1000, m);
		assert_true(got <= g * 1000);
		assert_true(g * 1000 - got <= 1);
	}
}

/* ======================= tsc_init / tsc_guest ======================= */

static void test_init_counts_from_zero(void **state)
{
	(void)state;
	const uint64_t refs[] = { 0, 1, 123456789, 1ULL << 40, 0x0123456789ABCDEFULL,
				  1ULL << 63, UINT64_MAX - 1000000, UINT64_MAX };

	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
			struct vtsc t;
			memset(&t, 0xA5, sizeof(t));   /* whatever was there before */
			tsc_init(&t, refs[i], m);
			assert_int_equal(t.mult, m);
			assert_int_equal(t.adjust, 0);
			assert_int_equal(tsc_guest(&t, refs[i]), 0);

			for (uint64_t d = 1; d < 5000000; d = d * 3 + 1) {
				if (refs[i] + d < refs[i] && !mult_is_integer(m))
					continue;   /* reference wrap under fractional scaling: see below */
				uint64_t g = tsc_guest(&t, refs[i] + d);
				if (m == ONE) {
					assert_int_equal(g, d);
				} else {
					/* floor(a + b) - floor(a) is floor(b) or floor(b) + 1 */
					uint64_t s = tsc_scale(d, m);
					assert_true(g == s || g == s + 1);
				}
			}
		}
	}
}

static void test_guest_is_scale_plus_off(void **state)
{
	(void)state;
	rng_seed(6);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		struct vtsc t = { .off = rnd(), .mult = test_mults[rnd() % ARRAY_SIZE(test_mults)],
				  .adjust = rnd() };
		uint64_t r = rnd();
		assert_int_equal(tsc_guest(&t, r), ref_scale(r, t.mult) + t.off);
	}
}

/* ======================= wrap-around ======================= */

/* The reference TSC wraps past 2^64 while the guest runs, unscaled: exact. */
static void test_wrap_reference_unscaled(void **state)
{
	(void)state;
	const uint64_t r0 = UINT64_MAX - 999;   /* 1000 ticks before the wrap */
	struct vtsc t;

	tsc_init(&t, r0, ONE);
	for (uint64_t d = 0; d < 5000; d++)
		assert_int_equal(tsc_guest(&t, r0 + d), d);     /* r0 + d wraps at d = 1000 */
	for (uint64_t i = 0; i < 3050; i += 7) {
		uint64_t t1 = r0 - 50 + i;

		for (uint64_t dt = 0; dt < 3000; dt += 131) {
			uint64_t t2 = t1 + dt;
			assert_int_equal(tsc_guest(&t, t2) - tsc_guest(&t, t1), dt);
		}
	}
	rng_seed(7);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t t1 = rnd(), t2 = rnd();     /* either order, any wrap */
		assert_int_equal(tsc_guest(&t, t2) - tsc_guest(&t, t1), t2 - t1);
	}
}

/* The reference wraps under integer scaling: scale() is then x * k mod 2^64,
 * linear modulo 2^64, so differences stay exact. */
static void test_wrap_reference_integer_scaled(void **state)
{
	(void)state;
	const uint64_t mults[] = { TWICE, 3 * ONE, 1000 * ONE, 65535 * ONE };

	rng_seed(8);
	for (size_t k = 0; k < ARRAY_SIZE(mults); k++) {
		struct vtsc t;
		uint64_t r0 = UINT64_MAX - 12345;
		tsc_init(&t, r0, mults[k]);
		assert_int_equal(tsc_guest(&t, r0), 0);
		for (int i = 0; i < 20000; i++) {
			uint64_t t1 = r0 + rnd() % 100000, dt = rnd_wide();
			uint64_t t2 = t1 + dt;
			assert_int_equal(tsc_guest(&t, t2) - tsc_guest(&t, t1), tsc_scale(dt, mults[k]));
		}
	}
}

/* The reference wraps under a fractional multiplier. The CPU computes
 * (host_tsc * mult) >> 48 on the 64-bit host TSC, so the scaled TSC itself
 * jumps by -(mult << 16) mod 2^64 when the host TSC wraps (every 2^64 host
 * ticks: about a century at 6 GHz). tsc_guest must model that hardware, not
 * hide it; this pins the exact size of the jump so nobody "fixes" it into a
 * value the CPU would not show. */
static void test_wrap_reference_fractional_is_hardware_jump(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		uint64_t jump = m << 16;          /* 2^64 * m / 2^48, mod 2^64 */
		struct vtsc t;
		uint64_t r0 = UINT64_MAX - 500;
		tsc_init(&t, r0, m);
		for (uint64_t dt = 501; dt < 2000; dt += 17) {           /* t2 is past the wrap */
			uint64_t got = tsc_guest(&t, r0 + dt) - tsc_guest(&t, r0);
			uint64_t s = ref_scale(dt, m) - jump;
			assert_true(got == s || got == s + 1);
			if (mult_is_integer(m))
				assert_int_equal(jump, 0);   /* integer multipliers see no jump */
		}
	}
}

/* A guest TSC written near UINT64_MAX wraps to small values: differences
 * still equal the elapsed scaled time (unscaled exactly, scaled within 1). */
static void test_wrap_guest_tsc(void **state)
{
	(void)state;
	struct vtsc t;
	uint64_t r = 1ULL << 40;

	tsc_init(&t, 1000, ONE);
	tsc_write_tsc(&t, UINT64_MAX - 9, r);
	assert_int_equal(tsc_guest(&t, r), UINT64_MAX - 9);
	assert_int_equal(tsc_guest(&t, r + 9), UINT64_MAX);
	assert_int_equal(tsc_guest(&t, r + 10), 0);
	assert_int_equal(tsc_guest(&t, r + 20), 10);
	for (uint64_t a = r; a < r + 40; a++)
		for (uint64_t b = a; b < r + 40; b++)
			assert_int_equal(tsc_guest(&t, b) - tsc_guest(&t, a), b - a);

	rng_seed(9);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		for (int i = 0; i < 20000; i++) {
			uint64_t r0 = rnd() >> 2;                 /* no reference wrap below */
			tsc_init(&t, rnd(), m);
			tsc_write_tsc(&t, UINT64_MAX - rnd() % 100000, r0);
			uint64_t t1 = r0 + rnd() % (1ULL << 40);
			uint64_t dt = rnd() >> 3;
			uint64_t diff = tsc_guest(&t, t1 + dt) - tsc_guest(&t, t1);
			uint64_t s = tsc_scale(dt, m);
			if (m == ONE)
				assert_int_equal(diff, s);
			else
				assert_true(diff == s || diff == s + 1);
		}
	}
}

/* ======================= per-pCPU compensation ======================= */

static const int64_t fixed_skews[] = {
	0, 1000000, -250000, 1LL << 62, -(1LL << 62), 1, -1, 3, -3,
};

/* What vCPU t reads on a pCPU with this skew at reference instant ref:
 * the CPU scales its own TSC and adds TSC_OFFSET. */
static uint64_t read_on_pcpu(const struct vtsc *t, uint64_t ref, int64_t skew)
{
	uint64_t host_tsc = ref + (uint64_t)skew;
	return tsc_scale(host_tsc, t->mult) + tsc_offset_compensated(t, skew);
}

static void check_compensation(const struct vtsc *t, uint64_t ref, int64_t skew, bool may_wrap)
{
	uint64_t want = tsc_guest(t, ref);
	uint64_t got = read_on_pcpu(t, ref, skew);

	if (t->mult == ONE || (mult_is_integer(t->mult))) {
		assert_int_equal(got, want);            /* exact, wrap or not */
	} else if (!may_wrap) {
		int64_t e = sdiff(got, want);
		assert_true(e >= -1 && e <= 1);
		/* the sign of the rounding error follows the sign of the skew */
		if (skew >= 0)
			assert_true(e >= 0);
		else
			assert_true(e <= 0);
	}
}

static void test_compensation_fixed_skews(void **state)
{
	(void)state;
	rng_seed(10);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		for (size_t s = 0; s < ARRAY_SIZE(fixed_skews); s++) {
			int64_t skew = fixed_skews[s];
			for (int i = 0; i < 5000; i++) {
				struct vtsc t;
				tsc_init(&t, rnd(), m);
				if (i & 1)
					tsc_write_tsc(&t, rnd(), rnd());
				if (i & 2)
					tsc_write_adjust(&t, rnd());
				/* ref chosen so that ref + skew does not wrap */
				uint64_t lo = skew < 0 ? (uint64_t)0 - (uint64_t)skew : 0;
				uint64_t hi = skew > 0 ? UINT64_MAX - (uint64_t)skew : UINT64_MAX;
				uint64_t ref = lo + rnd() % (hi - lo);
				check_compensation(&t, ref, skew, false);
			}
		}
	}
	/* unscaled, the host TSC itself may wrap: still exact */
	for (size_t s = 0; s < ARRAY_SIZE(fixed_skews); s++) {
		struct vtsc t;
		tsc_init(&t, UINT64_MAX - 5, ONE);
		for (int i = 0; i < 20000; i++) {
			uint64_t ref = rnd();
			check_compensation(&t, ref, fixed_skews[s], true);
		}
		check_compensation(&t, UINT64_MAX, 1000000, true);
		check_compensation(&t, 0, -250000, true);
		check_compensation(&t, 5, -(1LL << 62), true);
		check_compensation(&t, UINT64_MAX - 5, 1LL << 62, true);
	}
}

static void test_compensation_exact_values(void **state)
{
	(void)state;
	struct vtsc t;

	/* unscaled: TSC_OFFSET is off - skew, to the tick */
	tsc_init(&t, 5000000, ONE);
	assert_int_equal(tsc_offset_compensated(&t, 0), t.off);
	assert_int_equal(tsc_offset_compensated(&t, 1000000), t.off - 1000000);
	assert_int_equal(tsc_offset_compensated(&t, -250000), t.off + 250000);
	/* half rate: the skew is scaled as well */
	tsc_init(&t, 5000000, HALF);
	assert_int_equal(tsc_offset_compensated(&t, 1000000), t.off - 500000);
	assert_int_equal(tsc_offset_compensated(&t, -250000), t.off + 125000);
	/* INT64_MIN skew must not be UB either */
	tsc_init(&t, 0, ONE);
	assert_int_equal(tsc_offset_compensated(&t, INT64_MIN), t.off + (1ULL << 63));
	tsc_init(&t, 0, TWICE);
	assert_int_equal(tsc_offset_compensated(&t, -(1LL << 62)), t.off + (1ULL << 63));
}

/* The guest sees one clock: the same vCPU read on every pCPU at the same
 * instant gives the same value (within 1 tick when scaled), and it is the
 * value tsc_guest gives for the reference. */
static void test_compensation_same_clock_everywhere(void **state)
{
	(void)state;
	int64_t skews[16];

	rng_seed(11);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		for (int round = 0; round < 500; round++) {
			struct vtsc t;
			for (size_t p = 0; p < ARRAY_SIZE(skews); p++)
				skews[p] = p == 0 ? 0 : (int64_t)(rnd() % (2ULL << 40)) - (1LL << 40);
			tsc_init(&t, rnd() >> 1, m);
			if (round & 1)
				tsc_write_tsc(&t, rnd(), (1ULL << 62) + (rnd() >> 4));
			uint64_t ref = (1ULL << 62) + (rnd() >> 4);      /* no host wrap */
			uint64_t want = tsc_guest(&t, ref);
			for (size_t p = 0; p < ARRAY_SIZE(skews); p++) {
				uint64_t got = read_on_pcpu(&t, ref, skews[p]);
				int64_t e = sdiff(got, want);
				if (mult_is_integer(m))
					assert_int_equal(e, 0);
				else
					assert_true(e >= -1 && e <= 1);
			}
			/* pCPU 0 is the reference itself: exact */
			assert_int_equal(read_on_pcpu(&t, ref, 0), want);
		}
	}
}

/* Migration: a vCPU moving between pCPUs with different skews never sees
 * its TSC go backwards by more than the scaling rounding (never when unscaled). */
static void test_compensation_migration_monotonic(void **state)
{
	(void)state;
	const int64_t skews[] = { 0, 1000000, -250000, 1LL << 40, -(1LL << 40), 17 };

	rng_seed(12);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		struct vtsc t;
		uint64_t ref = 1ULL << 50;
		tsc_init(&t, ref, test_mults[k]);
		uint64_t last = tsc_guest(&t, ref);
		for (int i = 0; i < 50000; i++) {
			ref += rnd() % 1000;
			uint64_t now = read_on_pcpu(&t, ref, skews[rnd() % ARRAY_SIZE(skews)]);
			int64_t step = sdiff(now, last);
			if (test_mults[k] == ONE)
				assert_true(step >= 0);
			else
				assert_true(step >= -2);   /* two readings, each within 1 */
			last = now;
		}
	}
}

/* ======================= the clock error a guest measures (HC_TSC_CHECK) ======================= */

/* The ideal clock at the exit, computed independently: the reference on the
 * true timeline is the exit's host TSC less the pCPU's true skew. */
static int64_t ref_guest_error(uint64_t guest_read, uint64_t host_tsc, int64_t true_skew,
			       uint64_t mult, uint64_t off)
{
	return sdiff(guest_read, ref_scale(host_tsc - (uint64_t)true_skew, mult) + off);
}

/* percpu with a perfect skew table, unscaled: the error is exactly minus the
 * ticks between the guest's read and the exit (the bias), on every pCPU,
 * wrap-around included. */
static void test_guest_error_percpu_is_minus_bias(void **state)
{
	(void)state;
	const uint64_t biases[] = { 0, 1, 10, 12, 1000 };

	rng_seed(20);
	for (size_t s = 0; s < ARRAY_SIZE(fixed_skews); s++) {
		int64_t skew = fixed_skews[s];
		for (int i = 0; i < 20000; i++) {
			struct vtsc t;
			uint64_t bias = biases[i % ARRAY_SIZE(biases)];
			uint64_t ref = i < 4 ? UINT64_MAX - (uint64_t)i : rnd();   /* wraps too */

			tsc_init(&t, rnd(), ONE);
			if (i & 1)
				tsc_write_tsc(&t, rnd(), rnd());
			uint64_t guest_read = read_on_pcpu(&t, ref, skew);
			uint64_t exit_host = ref + bias + (uint64_t)skew;
			int64_t e = tsc_guest_error(guest_read, exit_host, skew, ONE, t.off);
			assert_int_equal(e, -(int64_t)bias);
			assert_int_equal(e, ref_guest_error(guest_read, exit_host, skew, ONE, t.off));
		}
	}
}

/* percpu with a skew table that is d ticks off the truth: the error is -d
 * (less the bias). This is what the guest-measured error is for: the
 * hypervisor's own view uses the measured skew and cannot see d. */
static void test_guest_error_sees_measurement_error(void **state)
{
	(void)state;
	const int64_t ds[] = { 0, 1, -1, 3, -5, 14, -14, 1000, -1000000 };

	rng_seed(21);
	for (size_t s = 0; s < ARRAY_SIZE(fixed_skews); s++) {
		for (size_t k = 0; k < ARRAY_SIZE(ds); k++) {
			int64_t true_skew = fixed_skews[s], d = ds[k];
			int64_t measured = (int64_t)((uint64_t)true_skew + (uint64_t)d);
			struct vtsc t;
			uint64_t ref = rnd(), bias = 10;

			tsc_init(&t, rnd(), ONE);
			uint64_t guest_read = ref + (uint64_t)true_skew +
					      tsc_offset_compensated(&t, measured);
			int64_t e = tsc_guest_error(guest_read, ref + bias + (uint64_t)true_skew,
						    true_skew, ONE, t.off);
			assert_int_equal(e, -d - (int64_t)bias);
		}
	}
}

/* tsc=none: TSC_OFFSET = off[v] on every pCPU, so the error is the pCPU's
 * true skew (less the bias); kvm2633: its raises of off[v] are error too,
 * because the ideal clock uses off[v] as the guest set it. */
static void test_guest_error_none_and_raises(void **state)
{
	(void)state;
	rng_seed(22);
	for (size_t s = 0; s < ARRAY_SIZE(fixed_skews); s++) {
		int64_t skew = fixed_skews[s];
		for (int i = 0; i < 5000; i++) {
			struct vtsc t;
			uint64_t ref = rnd(), bias = rnd() % 64, raised = rnd() % (1ULL << 40);

			tsc_init(&t, rnd(), ONE);
			uint64_t host_read = ref + (uint64_t)skew;
			/* none */
			int64_t e = tsc_guest_error(host_read + t.off, host_read + bias, skew, ONE, t.off);
			assert_int_equal(e, skew - (int64_t)bias);
			/* kvm2633 after raises: the VMCS offset is off + raised */
			e = tsc_guest_error(host_read + t.off + raised, host_read + bias, skew, ONE, t.off);
			assert_int_equal(e, skew + (int64_t)raised - (int64_t)bias);
		}
	}
}

/* Scaled: the CPU scales the host TSC and TSC_OFFSET removes scale(skew), so
 * a perfect table is within one tick of rounding of the ideal clock; the
 * function agrees with the 128-bit reference everywhere. */
static void test_guest_error_scaled(void **state)
{
	(void)state;
	rng_seed(23);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		const int64_t skews[] = { 0, 1000000, -250000, 1LL << 40, -(1LL << 40), 3 };
		for (size_t s = 0; s < ARRAY_SIZE(skews); s++) {
			for (int i = 0; i < 5000; i++) {
				struct vtsc t;
				uint64_t ref = (1ULL << 41) + rnd() % (1ULL << 60);   /* ref + skew > 0 */

				tsc_init(&t, rnd(), m);
				uint64_t guest_read = read_on_pcpu(&t, ref, skews[s]);
				uint64_t host = ref + (uint64_t)skews[s];
				int64_t e = tsc_guest_error(guest_read, host, skews[s], m, t.off);
				assert_int_equal(e, ref_guest_error(guest_read, host, skews[s], m, t.off));
				assert_true(e >= -1 && e <= 1);
			}
		}
	}
}

/* Large errors of either sign come back signed, not as huge unsigned values. */
static void test_guest_error_signed(void **state)
{
	(void)state;
	uint64_t off = 0x8000000000000000ULL, host = 123456789;
	uint64_t ideal = host + off;

	assert_int_equal(tsc_guest_error(ideal, host, 0, ONE, off), 0);
	assert_int_equal(tsc_guest_error(ideal - 1000000000, host, 0, ONE, off), -1000000000);
	assert_int_equal(tsc_guest_error(ideal + 1715880800, host, 0, ONE, off), 1715880800);
	assert_int_equal(tsc_guest_error(ideal + (1ULL << 63) - 1, host, 0, ONE, off), INT64_MAX);
	assert_int_equal(tsc_guest_error(ideal - (1ULL << 63), host, 0, ONE, off), INT64_MIN);
	/* the skew enters with its sign: a pCPU 10^6 behind */
	assert_int_equal(tsc_guest_error(host + off, host, -1000000, ONE, off), -1000000);
}

/* ======================= TSC_ADJUST (SDM "Time-Stamp Counter Adjustment") ======================= */

static void test_write_tsc(void **state)
{
	(void)state;
	rng_seed(13);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		for (int i = 0; i < 20000; i++) {
			struct vtsc t;
			uint64_t r0 = rnd(), r1 = rnd(), x = rnd_wide();
			tsc_init(&t, r0, m);
			uint64_t adj0 = t.adjust = rnd();           /* an earlier history */
			t.off += adj0;
			uint64_t old = tsc_guest(&t, r1);
			tsc_write_tsc(&t, x, r1);
			assert_int_equal(tsc_guest(&t, r1), x);     /* reads x at that instant */
			assert_int_equal(t.adjust, adj0 + (x - old));
			assert_int_equal(t.mult, m);
			assert_int_equal(t.off, x - ref_scale(r1, m));
			if (m == ONE)
				for (uint64_t d = 1; d < 100; d += 9)
					assert_int_equal(tsc_guest(&t, r1 + d), x + d);
		}
	}
}

static void test_write_adjust(void **state)
{
	(void)state;
	rng_seed(14);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		for (int i = 0; i < 20000; i++) {
			struct vtsc t;
			uint64_t r = rnd(), a = rnd_wide();
			if (i & 1)
				a = 0 - a;                                /* negative adjust */
			tsc_init(&t, rnd(), m);
			tsc_write_adjust(&t, rnd());                  /* an earlier history */
			uint64_t old_adj = t.adjust, g0 = tsc_guest(&t, r);
			tsc_write_adjust(&t, a);
			assert_int_equal(t.adjust, a);
			assert_int_equal(tsc_guest(&t, r), g0 + (a - old_adj));
			/* writing the same value again changes nothing */
			uint64_t off = t.off;
			tsc_write_adjust(&t, a);
			assert_int_equal(t.off, off);
			assert_int_equal(t.adjust, a);
		}
	}
}

/* The guest may move its own TSC backwards; it is honoured, not clamped. */
static void test_backwards_writes_honoured(void **state)
{
	(void)state;
	struct vtsc t;
	uint64_t r = 10000000;

	tsc_init(&t, 1000000, ONE);
	assert_int_equal(tsc_guest(&t, r), 9000000);
	tsc_write_tsc(&t, 9000000 - 1000, r);
	assert_int_equal(tsc_guest(&t, r), 8999000);               /* decreased */
	assert_int_equal((int64_t)t.adjust, -1000);                /* "negative" */
	assert_int_equal(t.adjust, UINT64_MAX - 999);
	tsc_write_adjust(&t, 0);                                   /* undo it */
	assert_int_equal(tsc_guest(&t, r), 9000000);
	assert_int_equal(t.adjust, 0);
	tsc_write_adjust(&t, (uint64_t)-5000);                     /* back via ADJUST */
	assert_int_equal(tsc_guest(&t, r), 9000000 - 5000);
	tsc_write_tsc(&t, 0, r);                                   /* all the way to 0 */
	assert_int_equal(tsc_guest(&t, r), 0);
	assert_int_equal((int64_t)t.adjust, -9000000);
	tsc_write_tsc(&t, 5, r + 100);                             /* behind by 95 */
	assert_int_equal(tsc_guest(&t, r + 100), 5);
	assert_int_equal((int64_t)t.adjust, -9000000 - 95);
	/* backwards past 0 wraps to the top, as the hardware would read it */
	tsc_write_adjust(&t, t.adjust - 10);
	assert_int_equal(tsc_guest(&t, r + 100), (uint64_t)-5);

	/* and scaled, the same rules */
	tsc_init(&t, 0, HALF);
	uint64_t g = tsc_guest(&t, 1ULL << 30);
	assert_int_equal(g, 1ULL << 29);
	tsc_write_tsc(&t, g - 777, 1ULL << 30);
	assert_int_equal(tsc_guest(&t, 1ULL << 30), g - 777);
	assert_int_equal((int64_t)t.adjust, -777);
}

/* A long random mix of writes keeps every invariant:
 *   guest_tsc == scale(ref) + off
 *   adjust    == sum of the deltas the writes made (write TSC: x - old; write ADJ: a - old adj)
 *   off - adjust == -scale(ref_creation): the TSC is its creation line plus TSC_ADJUST */
static void test_mixed_write_sequence(void **state)
{
	(void)state;
	rng_seed(15);
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++) {
		uint64_t m = test_mults[k];
		for (int run = 0; run < 50; run++) {
			struct vtsc t;
			uint64_t ref = rnd();
			uint64_t created = ref;
			uint64_t model_off = 0 - ref_scale(ref, m), sum = 0;
			tsc_init(&t, ref, m);
			for (int i = 0; i < 2000; i++) {
				ref += rnd_wide() >> (rnd() % 2 ? 0 : 40);   /* may wrap */
				uint64_t before = tsc_guest(&t, ref);
				switch (rnd() % 4) {
				case 0: {                                   /* WRMSR TSC, anywhere */
					uint64_t x = rnd();
					tsc_write_tsc(&t, x, ref);
					sum += x - before;
					model_off = x - ref_scale(ref, m);
					assert_int_equal(tsc_guest(&t, ref), x);
					break;
				}
				case 1: {                                   /* WRMSR TSC, a bit backwards */
					uint64_t x = before - rnd() % 100000;
					tsc_write_tsc(&t, x, ref);
					sum += x - before;
					model_off = x - ref_scale(ref, m);
					assert_int_equal(tsc_guest(&t, ref), x);
					break;
				}
				case 2: {                                   /* WRMSR TSC_ADJUST */
					uint64_t a = rnd() % 3 ? rnd_wide() : 0 - rnd_wide();
					uint64_t old = t.adjust;
					tsc_write_adjust(&t, a);
					sum += a - old;
					model_off += a - old;
					assert_int_equal(tsc_guest(&t, ref), before + (a - old));
					break;
				}
				default:                                    /* time just passes */
					break;
				}
				assert_int_equal(t.off, model_off);
				assert_int_equal(t.adjust, sum);
				assert_int_equal(t.mult, m);
				assert_int_equal(tsc_guest(&t, ref), ref_scale(ref, m) + model_off);
				assert_int_equal(t.off - t.adjust, 0 - ref_scale(created, m));
			}
		}
	}
}

/* Each vCPU's TSC_ADJUST starts at 0, whatever the host's (or garbage) is,
 * and vCPUs are independent of each other. */
static void test_vcpus_independent(void **state)
{
	(void)state;
	struct vtsc a, b;

	memset(&a, 0xFF, sizeof(a));
	memset(&b, 0x5A, sizeof(b));
	tsc_init(&a, 1000, ONE);
	tsc_init(&b, 1000, ONE);
	assert_int_equal(a.adjust, 0);
	assert_int_equal(b.adjust, 0);
	tsc_write_tsc(&a, 1ULL << 40, 2000);
	assert_int_equal(tsc_guest(&a, 2000), 1ULL << 40);
	assert_int_equal(tsc_guest(&b, 2000), 1000);
	assert_int_equal(b.adjust, 0);
	tsc_write_adjust(&b, 77);
	assert_int_equal(tsc_guest(&b, 2000), 1077);
	assert_int_equal(tsc_guest(&a, 2000), 1ULL << 40);
}

/* ======================= tsc_guest_to_host_ticks ======================= */

static void check_g2h(uint64_t n, uint64_t m)
{
	uint64_t h = tsc_guest_to_host_ticks(n, m);

	assert_int_equal(h, ref_ceil_inverse(n, m));
	if (h == UINT64_MAX && ref_ceil_inverse(n, m) == UINT64_MAX &&
	    (((u128)UINT64_MAX * m) >> 48) < n)
		return;                         /* saturated: no host count is long enough */
	/* never shorter than asked ... */
	assert_true((((u128)h * m) >> 48) >= n);
	/* ... and one host tick less would be too short (not over by more than 1) */
	if (h)
		assert_true((((u128)(h - 1) * m) >> 48) < n);
}

static void test_guest_to_host_ticks(void **state)
{
	(void)state;
	/* named cases */
	assert_int_equal(tsc_guest_to_host_ticks(0, ONE), 0);
	assert_int_equal(tsc_guest_to_host_ticks(12345, ONE), 12345);
	assert_int_equal(tsc_guest_to_host_ticks(UINT64_MAX, ONE), UINT64_MAX);
	assert_int_equal(tsc_guest_to_host_ticks(1000, HALF), 2000);       /* guest runs slow */
	assert_int_equal(tsc_guest_to_host_ticks(1000, TWICE), 500);       /* guest runs fast */
	assert_int_equal(tsc_guest_to_host_ticks(1001, TWICE), 501);       /* rounded up */
	assert_int_equal(tsc_guest_to_host_ticks(1, 3 * ONE), 1);
	assert_int_equal(tsc_guest_to_host_ticks(4, 3 * ONE), 2);
	assert_int_equal(tsc_guest_to_host_ticks(UINT64_MAX, HALF), UINT64_MAX);   /* saturates */
	assert_int_equal(tsc_guest_to_host_ticks(1ULL << 63, HALF), UINT64_MAX);   /* 2^64 */
	assert_int_equal(tsc_guest_to_host_ticks((1ULL << 63) - 1, HALF), UINT64_MAX - 1);
	assert_int_equal(tsc_guest_to_host_ticks(1, 1), 1ULL << 48);
	/* mult = 0: no host time ever reaches the guest deadline */
	assert_int_equal(tsc_guest_to_host_ticks(0, 0), UINT64_MAX);
	assert_int_equal(tsc_guest_to_host_ticks(1, 0), UINT64_MAX);
	assert_int_equal(tsc_guest_to_host_ticks(UINT64_MAX, 0), UINT64_MAX);

	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++)
		for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++)
			check_g2h(edge_values[i], test_mults[k]);
	for (size_t k = 0; k < ARRAY_SIZE(edge_values); k++)
		for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++)
			if (edge_values[k])
				check_g2h(edge_values[i], edge_values[k]);
	rng_seed(16);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t m = rnd() % 2 ? test_mults[rnd() % ARRAY_SIZE(test_mults)] : rnd_wide() | 1;
		check_g2h(rnd_wide(), m);
	}
	/* a sleep programmed from the result, in the real pipeline: the guest TSC
	 * at wake-up is at least the deadline it asked for */
	for (int i = 0; i < 20000; i++) {
		struct vtsc t;
		uint64_t m = test_mults[rnd() % (ARRAY_SIZE(test_mults) - 1)];   /* not mult = 1 */
		uint64_t ref = rnd() >> 2, n = rnd() % (1ULL << 40);
		tsc_init(&t, rnd(), m);
		uint64_t start = tsc_guest(&t, ref);
		uint64_t wake = ref + tsc_guest_to_host_ticks(n, m);
		assert_true(tsc_guest(&t, wake) - start >= n);
	}
}

/* ======================= tsc_deadline_to_host ======================= */

/* What the guest reads at host TSC h on a pCPU with this offset (the CPU's
 * own computation, in 128-bit). */
static uint64_t guest_at(uint64_t h, uint64_t offset, uint64_t mult)
{
	return ref_scale(h, mult) + offset;
}

/* The contract: the result is host_now when the guest has reached D, else
 * a host instant where it has (never early), and, when the guest's clock
 * does not wrap on the way, the first such instant (at most one tick
 * late when it had to count from now). */
static void check_deadline(uint64_t d, uint64_t offset, uint64_t mult, uint64_t host_now)
{
	uint64_t h = tsc_deadline_to_host(d, offset, mult, host_now);
	uint64_t gnow = guest_at(host_now, offset, mult);

	if (gnow >= d) {
		assert_int_equal(h, host_now);
		return;
	}
	assert_true(h > host_now);
	if (h == UINT64_MAX)
		return;                  /* further than the host TSC counts */
	/* never early: the guest's own RDTSC at h has reached D ... */
	assert_true(guest_at(h, offset, mult) - gnow >= d - gnow);
	/* ... and it is not later than counting from now, rounded up, allows */
	uint64_t rel = ref_ceil_inverse(d - gnow, mult);
	assert_true(h - host_now <= rel);
	/* exact where the absolute equation holds: one tick less is early */
	uint64_t g = d - offset;
	if (ref_ceil_inverse(g, mult) == h)
		assert_true(guest_at(h - 1, offset, mult) - gnow < d - gnow);
}

static void test_deadline_named_cases(void **state)
{
	(void)state;
	/* unscaled: h = D - offset, exactly */
	assert_int_equal(tsc_deadline_to_host(1000, 0, ONE, 10), 1000);
	assert_int_equal(tsc_deadline_to_host(1000, 100, ONE, 10), 900);
	assert_int_equal(tsc_deadline_to_host(1000, (uint64_t)-500, ONE, 600), 1500); /* negative offset */
	/* unsigned, as the CPU compares: a guest TSC of 2^64 - 490 is past 1000 */
	assert_int_equal(tsc_deadline_to_host(1000, (uint64_t)-500, ONE, 10), 10);
	/* reached already (equal counts as reached), or long past */
	assert_int_equal(tsc_deadline_to_host(1000, 0, ONE, 1000), 1000);
	assert_int_equal(tsc_deadline_to_host(1000, 0, ONE, 5000), 5000);
	assert_int_equal(tsc_deadline_to_host(0, 0, ONE, 77), 77);
	/* scaled: guest at half speed needs twice the host ticks; rounded up */
	assert_int_equal(tsc_deadline_to_host(1000, 0, HALF, 0), 2000);
	assert_int_equal(tsc_deadline_to_host(1001, 0, TWICE, 0), 501);
	assert_int_equal(tsc_deadline_to_host(1000, 0, 3 * ONE, 0), 334);
	/* the farthest deadline is far, not "now": a guest TSC near 0 and
	 * D = 2^64 - 1 must not look reached through a wrap */
	assert_true(tsc_deadline_to_host(UINT64_MAX, (uint64_t)-1000000, ONE, 5000) > 5000);
	assert_int_equal(tsc_deadline_to_host(UINT64_MAX, 0, HALF, 5), UINT64_MAX);
	/* the guest's clock wraps through 2^64 before the host's would: count
	 * from now instead of taking the wrapped absolute value */
	uint64_t off = UINT64_MAX - 100;           /* guest reads host - 101 */
	assert_int_equal(tsc_deadline_to_host(UINT64_MAX, off, ONE, 50), 100);
	assert_int_equal(tsc_deadline_to_host(UINT64_MAX - 10, off, ONE, 50), 90);
	check_deadline(UINT64_MAX, off, ONE, 50);
}

static void test_deadline_never_early_random(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++)
		for (size_t i = 0; i < ARRAY_SIZE(edge_values); i++)
			for (size_t j = 0; j < ARRAY_SIZE(edge_values); j++)
				check_deadline(edge_values[i], edge_values[j], test_mults[k], 1ULL << 40);
	rng_seed(18);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t m = test_mults[rnd() % (ARRAY_SIZE(test_mults) - 1)];
		uint64_t now = rnd() >> (rnd() % 64), offset = rnd();
		uint64_t gnow = guest_at(now, offset, m);
		uint64_t d = rnd() % 4 ? gnow + rnd_wide() % (1ULL << 40) : rnd();
		check_deadline(d, offset, m, now);
	}
}

/* The deadline carried across pCPUs (docs/interrupts.md): with percpu's
 * TSC_OFFSET = off[v] - scale(skew[p]), the instant on pCPU p is the
 * instant on the reference timeline plus skew[p] (up to the rounding of
 * scaling), and on every pCPU the guest's own RDTSC there has reached D. */
static void test_deadline_across_pcpus(void **state)
{
	(void)state;
	static const int64_t skews[] = { 0, 1000000, -1000000, 250000, -250000, 7, -7 };

	rng_seed(19);
	for (int i = 0; i < 20000; i++) {
		struct vtsc t;
		uint64_t m = test_mults[rnd() % (ARRAY_SIZE(test_mults) - 2)];  /* not the tiny ones */
		uint64_t ref = (rnd() >> 8) + (1ULL << 40);
		tsc_init(&t, rnd() >> 8, m);
		uint64_t d = tsc_guest(&t, ref) + rnd() % (1ULL << 32);
		uint64_t on_ref = tsc_deadline_to_host(d, t.off, m, ref);
		for (size_t k = 0; k < ARRAY_SIZE(skews); k++) {
			int64_t s = skews[k];
			uint64_t host = ref + (uint64_t)s;
			uint64_t off_p = tsc_offset_compensated(&t, s);
			uint64_t on_p = tsc_deadline_to_host(d, off_p, m, host);
			assert_true(guest_at(on_p, off_p, m) >= d);
			if (m == ONE)
				assert_int_equal(on_p, on_ref + (uint64_t)s);
			else
				assert_true(sdiff(on_p, on_ref + (uint64_t)s) <= 2 &&
					    sdiff(on_p, on_ref + (uint64_t)s) >= -2);
		}
		/* tsc=none: TSC_OFFSET = off[v] on every pCPU: the instant moves
		 * with the pCPU's raw TSC, not with real time (skew-blind) */
		uint64_t on_raw = tsc_deadline_to_host(d, t.off, m, ref + 1000000);
		assert_true(on_raw == on_ref || on_raw == ref + 1000000);
	}
}

/* ======================= tsc_ticks_to_ns ======================= */

static void test_ticks_to_ns(void **state)
{
	(void)state;
	assert_int_equal(tsc_ticks_to_ns(50000, 50000), 1000000);     /* 1 ms at 50 MHz */
	assert_int_equal(tsc_ticks_to_ns(1, 50000), 20);
	assert_int_equal(tsc_ticks_to_ns(0, 50000), 0);
	assert_int_equal(tsc_ticks_to_ns(50000000, 50000), 1000000000);
	assert_int_equal(tsc_ticks_to_ns(3000000000ULL, 3000000), 1000000000);
	assert_int_equal(tsc_ticks_to_ns(1, 3000000), 0);             /* rounds down */
	assert_int_equal(tsc_ticks_to_ns(2893000, 2893000), 1000000);
	assert_int_equal(tsc_ticks_to_ns(1, 1), 1000000);
	/* no intermediate overflow: a century of 3 GHz ticks */
	uint64_t century = 3000000000ULL * 86400ULL * 36525ULL;   /* fits in 64 bits */
	assert_int_equal(tsc_ticks_to_ns(century, 3000000), 1000000000ULL * 86400ULL * 36525ULL);
	/* saturation and division by zero */
	assert_int_equal(tsc_ticks_to_ns(UINT64_MAX, 1), UINT64_MAX);
	assert_int_equal(tsc_ticks_to_ns(UINT64_MAX, 999999), UINT64_MAX);
	assert_int_equal(tsc_ticks_to_ns(UINT64_MAX, 1000000), UINT64_MAX);
	assert_int_equal(tsc_ticks_to_ns(UINT64_MAX, 1000001),
			 (uint64_t)((u128)UINT64_MAX * 1000000 / 1000001));
	assert_int_equal(tsc_ticks_to_ns(5, 0), UINT64_MAX);
	rng_seed(17);
	for (int i = 0; i < RANDOM_ITERS; i++) {
		uint64_t ticks = rnd_wide(), khz = rnd_wide();
		assert_int_equal(tsc_ticks_to_ns(ticks, khz), ref_mul_div(ticks, 1000000, khz));
	}
}

static int setup(void **state)
{
	(void)state;
	fill_test_mults();
	for (size_t k = 0; k < ARRAY_SIZE(test_mults); k++)
		if (!test_mults[k])
			return -1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul_div_edges),
		cmocka_unit_test(test_mul_div_named_cases),
		cmocka_unit_test(test_mul_div_random),
		cmocka_unit_test(test_scale_identity),
		cmocka_unit_test(test_scale_half_and_double),
		cmocka_unit_test(test_scale_matches_reference),
		cmocka_unit_test(test_scale_signed_symmetric),
		cmocka_unit_test(test_mult_for_khz),
		cmocka_unit_test(test_mult_for_khz_random),
		cmocka_unit_test(test_init_counts_from_zero),
		cmocka_unit_test(test_guest_is_scale_plus_off),
		cmocka_unit_test(test_wrap_reference_unscaled),
		cmocka_unit_test(test_wrap_reference_integer_scaled),
		cmocka_unit_test(test_wrap_reference_fractional_is_hardware_jump),
		cmocka_unit_test(test_wrap_guest_tsc),
		cmocka_unit_test(test_compensation_fixed_skews),
		cmocka_unit_test(test_compensation_exact_values),
		cmocka_unit_test(test_compensation_same_clock_everywhere),
		cmocka_unit_test(test_compensation_migration_monotonic),
		cmocka_unit_test(test_guest_error_percpu_is_minus_bias),
		cmocka_unit_test(test_guest_error_sees_measurement_error),
		cmocka_unit_test(test_guest_error_none_and_raises),
		cmocka_unit_test(test_guest_error_scaled),
		cmocka_unit_test(test_guest_error_signed),
		cmocka_unit_test(test_write_tsc),
		cmocka_unit_test(test_write_adjust),
		cmocka_unit_test(test_backwards_writes_honoured),
		cmocka_unit_test(test_mixed_write_sequence),
		cmocka_unit_test(test_vcpus_independent),
		cmocka_unit_test(test_guest_to_host_ticks),
		cmocka_unit_test(test_deadline_named_cases),
		cmocka_unit_test(test_deadline_never_early_random),
		cmocka_unit_test(test_deadline_across_pcpus),
		cmocka_unit_test(test_ticks_to_ns),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
