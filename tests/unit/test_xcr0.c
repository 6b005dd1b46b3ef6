/*
 * tests/unit/test_xcr0.c - host unit tests for vmm/dev/xsetbv.c:xcr0_valid,
 * the XSETBV rules on a new XCR0 value (SDM Vol. 2B, "XSETBV"; Vol. 1,
 * "Extended Control Register 0 (XCR0)").
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "lib/x86.h"
#include "vmm/dev/xsetbv.h"

/* What a VM with x87, SSE, AVX, AVX-512 and PKRU may enable. */
#define ALL (XFEATURE_X87 | XFEATURE_SSE | XFEATURE_YMM | XFEATURE_AVX512 | XFEATURE_PKRU)

static void test_valid_values(void **state)
{
	(void)state;
	assert_true(xcr0_valid(XFEATURE_X87, ALL));
	assert_true(xcr0_valid(XFEATURE_X87 | XFEATURE_SSE, ALL));
	assert_true(xcr0_valid(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_YMM, ALL));
	assert_true(xcr0_valid(ALL, ALL));
	assert_true(xcr0_valid(XFEATURE_X87 | XFEATURE_PKRU, ALL));
}

static void test_x87_always_set(void **state)
{
	(void)state;
	assert_false(xcr0_valid(0, ALL));
	assert_false(xcr0_valid(XFEATURE_SSE, ALL));
	assert_false(xcr0_valid(XFEATURE_SSE | XFEATURE_YMM, ALL));
}

static void test_avx_needs_sse(void **state)
{
	(void)state;
	assert_false(xcr0_valid(XFEATURE_X87 | XFEATURE_YMM, ALL));
}

static void test_avx512_all_or_none_and_avx(void **state)
{
	(void)state;
	uint64_t avx = XFEATURE_X87 | XFEATURE_SSE | XFEATURE_YMM;
	assert_false(xcr0_valid(avx | XFEATURE_OPMASK, ALL));
	assert_false(xcr0_valid(avx | XFEATURE_OPMASK | XFEATURE_ZMM_HI256, ALL));
	assert_false(xcr0_valid(avx | XFEATURE_HI16_ZMM, ALL));
	assert_false(xcr0_valid(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX512, ALL));
	assert_true(xcr0_valid(avx | XFEATURE_AVX512, ALL));
}

static void test_mpx_and_amx_pairs(void **state)
{
	(void)state;
	uint64_t any = ~0ULL;
	assert_false(xcr0_valid(XFEATURE_X87 | XFEATURE_BNDREGS, any));
	assert_false(xcr0_valid(XFEATURE_X87 | XFEATURE_BNDCSR, any));
	assert_true(xcr0_valid(XFEATURE_X87 | XFEATURE_BNDREGS | XFEATURE_BNDCSR, any));
	assert_false(xcr0_valid(XFEATURE_X87 | BIT(17), any));
	assert_true(xcr0_valid(XFEATURE_X87 | XFEATURE_AMX, any));
}

static void test_components_not_given(void **state)
{
	(void)state;
	uint64_t sse_only = XFEATURE_X87 | XFEATURE_SSE;
	assert_false(xcr0_valid(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_YMM, sse_only));
	assert_false(xcr0_valid(XFEATURE_X87 | XFEATURE_PKRU, sse_only));
	assert_false(xcr0_valid(XFEATURE_X87 | BIT(8), ALL));          /* supervisor PT state */
	assert_false(xcr0_valid(XFEATURE_X87 | BIT(63), ALL));
	/* the mask of a VM with nothing XSAVE-managed given refuses everything but... nothing */
	assert_false(xcr0_valid(XFEATURE_X87, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_x87_always_set),
		cmocka_unit_test(test_avx_needs_sse),
		cmocka_unit_test(test_avx512_all_or_none_and_avx),
		cmocka_unit_test(test_mpx_and_amx_pairs),
		cmocka_unit_test(test_components_not_given),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
