/*
 * tests/unit/test_skew_parse.c - host unit tests for vmm/time/skew_parse.c.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * Each test parses one skew= value for a number of pCPUs and checks the
 * values, or that it fails with a message naming the offending text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/time/skew_parse.h"

#define ERR_MAX   256
#define NCPUS_MAX 16
#define CANARY    0x5A5A5A5A5A5A5A5ALL

static int64_t out[NCPUS_MAX + 1];     /* one slot past the last pCPU: must stay untouched */
static char err[ERR_MAX];

static int parse(const char *spec, uint32_t ncpus)
{
	for (size_t i = 0; i < NCPUS_MAX + 1; i++)
		out[i] = CANARY;
	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return skew_parse(spec, ncpus, out, err, sizeof(err));
}

static void expect_values(const char *spec, uint32_t ncpus, const int64_t *want)
{
	assert_int_equal(parse(spec, ncpus), 0);
	assert_string_equal(err, "");
	for (uint32_t i = 0; i < ncpus; i++)
		assert_true(out[i] == want[i]);
	assert_true(out[ncpus] == CANARY);
}

/* Fails, and the message contains every one of the given pieces. */
static void expect_error(const char *spec, uint32_t ncpus, const char *piece1, const char *piece2)
{
	assert_int_equal(parse(spec, ncpus), -1);
	if (!strstr(err, piece1) || (piece2 && !strstr(err, piece2)))
		fail_msg("message \"%s\" lacks \"%s\"%s%s", err, piece1, piece2 ? " or " : "",
			 piece2 ? piece2 : "");
	assert_null(strchr(err, '\n'));
	assert_true(out[ncpus] == CANARY);
}

static void test_empty_means_no_skew(void **state)
{
	(void)state;
	static const int64_t zeros[4] = { 0, 0, 0, 0 };
	expect_values("", 4, zeros);
	expect_values(NULL, 4, zeros);
}

static void test_list(void **state)
{
	(void)state;
	static const int64_t two[2] = { 0, 1000000 };
	static const int64_t four[4] = { 0, -250000, 500000, -1000000 };
	expect_values("0,+1000000", 2, two);
	expect_values("0,1000000", 2, two);
	expect_values("0,-250000,+500000,-1000000", 4, four);
	expect_values("+0,-250000,500000,-1000000", 4, four);
}

static void test_list_fewer_entries_rest_zero(void **state)
{
	(void)state;
	static const int64_t want[4] = { 0, 7, 0, 0 };
	static const int64_t one[1] = { 0 };
	expect_values("0,7", 4, want);
	expect_values("0", 1, one);
}

static void test_list_limits(void **state)
{
	(void)state;
	static const int64_t want[3] = { 0, SKEW_ABS_MAX, -SKEW_ABS_MAX };
	expect_values("0,4611686018427387904,-4611686018427387904", 3, want);
	expect_error("0,4611686018427387905", 2, "skew=0,4611686018427387905:", "'4611686018427387905' is out of range");
	expect_error("0,-99999999999999999999999", 2, "'-99999999999999999999999' is out of range", NULL);
}

static void test_list_bad_entry_named(void **state)
{
	(void)state;
	/* The syntax of every entry is checked before pCPU 0's value. */
	expect_error("1,x", 2, "skew=1,x:", "pCPU 1 'x' is not a signed decimal number");
	expect_error("0,12a", 2, "'12a'", NULL);
	expect_error("0,+", 2, "'+'", NULL);
	expect_error("0,--5", 2, "'--5'", NULL);
	expect_error("0, 5", 2, "' 5'", NULL);
	expect_error("0,0x10", 2, "'0x10'", NULL);
	/* only the bad entry is quoted, not the rest of the list */
	expect_error("0,abc,7", 3, "'abc' is not", NULL);
}

static void test_list_empty_entry(void **state)
{
	(void)state;
	expect_error("0,,5", 3, "skew=0,,5:", "pCPU 1 is empty");
	expect_error("0,", 2, "pCPU 1 is empty", NULL);
	expect_error(",5", 2, "pCPU 0 is empty", NULL);
}

static void test_list_too_many_entries(void **state)
{
	(void)state;
	expect_error("0,1,2", 2, "skew=0,1,2:", "3 entries, but only 2 pCPU(s)");
	expect_error("0,5", 1, "2 entries, but only 1 pCPU(s)", NULL);
}

static void test_list_reference_must_be_zero(void **state)
{
	(void)state;
	expect_error("5,0", 2, "skew=5,0:", "pCPU 0 is 5");
	expect_error("-3", 4, "pCPU 0 is -3", NULL);
}

static void test_random_deterministic_and_bounded(void **state)
{
	(void)state;
	int64_t first[NCPUS_MAX];
	const int64_t max = 1000000;

	assert_int_equal(parse("random:42:1000000", NCPUS_MAX), 0);
	memcpy(first, out, sizeof(first));
	assert_true(first[0] == 0);
	int nonzero = 0;
	for (int i = 1; i < NCPUS_MAX; i++) {
		assert_true(first[i] >= -max && first[i] <= max);
		nonzero += first[i] != 0;
	}
	assert_true(nonzero >= NCPUS_MAX - 2);

	/* same seed: same values; fewer pCPUs: a prefix of the same values */
	assert_int_equal(parse("random:42:1000000", NCPUS_MAX), 0);
	assert_memory_equal(out, first, sizeof(first));
	assert_int_equal(parse("random:42:1000000", 3), 0);
	assert_memory_equal(out, first, 3 * sizeof(int64_t));
	assert_true(out[3] == CANARY);

	/* another seed: other values */
	assert_int_equal(parse("random:43:1000000", NCPUS_MAX), 0);
	assert_true(memcmp(out, first, sizeof(first)) != 0);
}

static void test_random_matches_splitmix64(void **state)
{
	(void)state;
	/* The first splitmix64 output for seed 0 is a published test value. */
	uint64_t s = 0;
	assert_true(skew_splitmix64(&s) == 0xE220A8397B1DCDAFULL);

	/* MAX 2^62: range 2^63 + 1, so nearly every draw is accepted; pCPU 1 is
	 * the first accepted draw mapped into [-MAX, MAX]. */
	s = 7;
	uint64_t x = skew_splitmix64(&s);
	uint64_t range = 2 * (uint64_t)SKEW_ABS_MAX + 1;
	assert_int_equal(parse("random:7:4611686018427387904", 2), 0);
	if (x < UINT64_MAX - UINT64_MAX % range)
		assert_true(out[1] == (int64_t)(x % range) - SKEW_ABS_MAX);
}

static void test_random_spread(void **state)
{
	(void)state;
	/* MAX 1: every value in {-1, 0, 1}, and over 15 pCPUs x 20 seeds each appears */
	int seen[3] = { 0, 0, 0 };
	char spec[64];
	for (int seed = 0; seed < 20; seed++) {
		snprintf(spec, sizeof(spec), "random:%d:1", seed);
		assert_int_equal(parse(spec, NCPUS_MAX), 0);
		for (int i = 1; i < NCPUS_MAX; i++) {
			assert_true(out[i] >= -1 && out[i] <= 1);
			seen[out[i] + 1]++;
		}
	}
	assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);

	static const int64_t zeros[4] = { 0, 0, 0, 0 };
	expect_values("random:99:0", 4, zeros);
}

static void test_random_errors(void **state)
{
	(void)state;
	expect_error("random:", 2, "skew=random::", "expected random:SEED:MAX");
	expect_error("random:5", 2, "expected random:SEED:MAX", NULL);
	expect_error("random:1:2:3", 2, "expected random:SEED:MAX", NULL);
	expect_error("random:x:5", 2, "SEED 'x'", NULL);
	expect_error("random::5", 2, "SEED ''", NULL);
	expect_error("random:1:-5", 2, "MAX '-5'", NULL);
	expect_error("random:1:", 2, "MAX ''", NULL);
	expect_error("random:1:4611686018427387905", 2, "MAX '4611686018427387905' is out of range", NULL);
	expect_error("random:18446744073709551616:5", 2, "SEED '18446744073709551616'", NULL);
	/* the largest seed is fine */
	assert_int_equal(parse("random:18446744073709551615:5", 2), 0);
}

static void test_long_value_cut_in_message(void **state)
{
	(void)state;
	char spec[200];
	memset(spec, '1', sizeof(spec) - 1);
	spec[0] = '0';
	spec[1] = ',';
	spec[sizeof(spec) - 1] = '\0';
	assert_int_equal(parse(spec, 2), -1);
	assert_non_null(strstr(err, "...: "));
	assert_true(strlen(err) < ERR_MAX - 1);

	/* a tiny error buffer is still NUL-terminated */
	char small[8];
	assert_int_equal(skew_parse("1,x", 2, out, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(skew_parse("1,x", 2, out, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_means_no_skew),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_fewer_entries_rest_zero),
		cmocka_unit_test(test_list_limits),
		cmocka_unit_test(test_list_bad_entry_named),
		cmocka_unit_test(test_list_empty_entry),
		cmocka_unit_test(test_list_too_many_entries),
		cmocka_unit_test(test_list_reference_must_be_zero),
		cmocka_unit_test(test_random_deterministic_and_bounded),
		cmocka_unit_test(test_random_matches_splitmix64),
		cmocka_unit_test(test_random_spread),
		cmocka_unit_test(test_random_errors),
		cmocka_unit_test(test_long_value_cut_in_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
