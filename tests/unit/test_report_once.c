/*
 * tests/unit/test_report_once.c - host unit tests for vmm/core/report_once.c.
 *
 * Context: Linux host, cmocka, ASan/UBSan. The regression of issue 10: the
 * old tables held 32 ports and 32 MSRs, and every access to a 33rd distinct
 * one printed a line again. Here every port and many MSRs are tried twice
 * each: no port or MSR is ever printed twice, at most REPORT_ONCE_LINES
 * lines of each kind are printed, and every distinct one past the limit is
 * counted exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/core/report_once.h"

static struct report_once r;

static int setup(void **state)
{
	memset(&r, 0, sizeof(r));
	return 0;
}

static void test_every_port_at_most_once(void **state)
{
	unsigned printed = 0, counted = 0;

	for (int round = 0; round < 2; round++)
		for (uint32_t p = 0; p < 65536; p++) {
			enum report_once_verdict v = report_once_port(&r, (uint16_t)p);
			if (round == 1) {
				assert_int_equal(v, REPORT_ONCE_SEEN);
				continue;
			}
			printed += v == REPORT_ONCE_PRINT;
			counted += v == REPORT_ONCE_COUNTED;
			assert_int_not_equal(v, REPORT_ONCE_SEEN);
		}
	assert_int_equal(printed, REPORT_ONCE_LINES);
	assert_int_equal(counted, 65536 - REPORT_ONCE_LINES);
	assert_int_equal(r.unreported_ports, 65536 - REPORT_ONCE_LINES);
}

/* 33 distinct ports, the old table's overflow: the 33rd, touched again and
 * again, prints nothing more. */
static void test_33_ports_then_repeats(void **state)
{
	unsigned printed = 0;

	for (uint16_t p = 0x200; p < 0x200 + 33; p++)
		printed += report_once_port(&r, p) == REPORT_ONCE_PRINT;
	for (int i = 0; i < 1000; i++)
		printed += report_once_port(&r, 0x200 + 32) == REPORT_ONCE_PRINT;
	assert_int_equal(printed, REPORT_ONCE_LINES);
	assert_int_equal(r.unreported_ports, 33 - REPORT_ONCE_LINES);
}

static void test_msrs_both_ranges_and_others(void **state)
{
	static const uint32_t bases[] = { 0x0, 0xC0000000U, 0x4B564E00U, 0x40000000U };
	unsigned printed = 0, counted = 0;
	const unsigned per_base = 50;

	for (int round = 0; round < 2; round++)
		for (unsigned b = 0; b < 4; b++)
			for (uint32_t i = 0; i < per_base; i++) {
				enum report_once_verdict v = report_once_msr(&r, bases[b] + i);
				if (round == 1) {
					assert_int_equal(v, REPORT_ONCE_SEEN);
					continue;
				}
				printed += v == REPORT_ONCE_PRINT;
				counted += v == REPORT_ONCE_COUNTED;
			}
	assert_int_equal(printed, REPORT_ONCE_LINES);
	assert_int_equal(counted, 4 * per_base - REPORT_ONCE_LINES);
	assert_int_equal(r.untracked_msrs, 0);
	/* the range edges belong to the bitmaps */
	assert_int_equal(report_once_msr(&r, 0x1FFF), REPORT_ONCE_COUNTED);
	assert_int_equal(report_once_msr(&r, 0x1FFF), REPORT_ONCE_SEEN);
	assert_int_equal(report_once_msr(&r, 0xC0001FFFU), REPORT_ONCE_COUNTED);
	assert_int_equal(report_once_msr(&r, 0xC0001FFFU), REPORT_ONCE_SEEN);
	assert_int_equal(report_once_msr(&r, 0xFFFFFFFFU), REPORT_ONCE_COUNTED);
	assert_int_equal(report_once_msr(&r, 0xFFFFFFFFU), REPORT_ONCE_SEEN);
}

/* More other MSRs than the table holds: the ones in it stay "seen", the
 * rest are counted as untracked and never printed. */
static void test_msr_table_full(void **state)
{
	unsigned printed = 0;

	for (uint32_t i = 0; i < REPORT_ONCE_MSR_TABLE; i++)
		printed += report_once_msr(&r, 0x10000000U + i * 7919U) == REPORT_ONCE_PRINT;
	assert_int_equal(r.msr_table_n, REPORT_ONCE_MSR_TABLE);
	for (uint32_t i = 0; i < REPORT_ONCE_MSR_TABLE; i++)
		assert_int_equal(report_once_msr(&r, 0x10000000U + i * 7919U), REPORT_ONCE_SEEN);
	for (int k = 0; k < 3; k++)
		assert_int_equal(report_once_msr(&r, 0x7FFFFFF0U), REPORT_ONCE_COUNTED);
	assert_int_equal(r.untracked_msrs, 3);
	assert_int_equal(printed, REPORT_ONCE_LINES);
	/* the bitmap ranges still work when the table is full */
	assert_int_equal(report_once_msr(&r, 0x10), REPORT_ONCE_COUNTED);
	assert_int_equal(report_once_msr(&r, 0x10), REPORT_ONCE_SEEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_port_at_most_once, setup),
		cmocka_unit_test_setup(test_33_ports_then_repeats, setup),
		cmocka_unit_test_setup(test_msrs_both_ranges_and_others, setup),
		cmocka_unit_test_setup(test_msr_table_full, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
