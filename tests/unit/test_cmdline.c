/*
 * tests/unit/test_cmdline.c - host unit tests for lib/cmdline.c.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * One option table with every type; each test parses a command line and
 * checks the values, or the exact error message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cmdline.h"

#define ERR_MAX 512

static const char *const crash_choices[] = { "none", "ud", "gp", "pf", "de", NULL };
static const char *const tsc_choices[] = { "none", "kvm2633", "percpu", NULL };

enum { O_CRASH, O_TSC, O_CPUS, O_MEM, O_NAME, O_VERBOSE, O_COUNT };

static const struct opt_desc descs[O_COUNT] = {
	[O_CRASH]   = { "crash", OPT_ENUM, crash_choices, 0, 0, "inject a fault" },
	[O_TSC]     = { "tsc", OPT_ENUM, tsc_choices, 0, 0, "TSC policy" },
	[O_CPUS]    = { "cpus", OPT_UINT, NULL, 1, 16, "pCPUs to use" },
	[O_MEM]     = { "mem", OPT_UINT, NULL, 0, UINT64_MAX, "guest RAM" },
	[O_NAME]    = { "name", OPT_STRING, NULL, 0, 0, "run name" },
	[O_VERBOSE] = { "verbose", OPT_BOOL, NULL, 0, 0, NULL },
};

static struct opt_value vals[O_COUNT];
static char err[ERR_MAX];

static int parse(const char *cmdline)
{
	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return cmdline_parse(cmdline, descs, O_COUNT, vals, err, sizeof(err));
}

/* The line must fail with exactly this message. */
static void expect_error(const char *cmdline, const char *message)
{
	assert_int_equal(parse(cmdline), -1);
	assert_string_equal(err, message);
}

static void expect_uint(const char *value, uint64_t want)
{
	char line[ERR_MAX];

	snprintf(line, sizeof(line), "mem=%s", value);
	assert_int_equal(parse(line), 0);
	assert_true(vals[O_MEM].set);
	assert_true(vals[O_MEM].u == want);
	assert_string_equal(vals[O_MEM].str, value);
}

static void expect_bad_uint(const char *value)
{
	char line[ERR_MAX], message[ERR_MAX];

	snprintf(line, sizeof(line), "mem=%s", value);
	snprintf(message, sizeof(message),
		 "option 'mem': bad value '%s'; allowed: a number (decimal or 0x hex, "
		 "optional K/M/G suffix) in <number> (guest RAM)", value);
	expect_error(line, message);
}

static void expect_overflow(const char *value)
{
	char line[ERR_MAX], message[ERR_MAX];

	snprintf(line, sizeof(line), "mem=%s", value);
	snprintf(message, sizeof(message),
		 "option 'mem': value '%s' does not fit in 64 bits (guest RAM)", value);
	expect_error(line, message);
}

static void assert_all_unset(void)
{
	for (int i = 0; i < O_COUNT; i++) {
		assert_false(vals[i].set);
		assert_true(vals[i].u == 0);
		assert_string_equal(vals[i].str, "");
	}
}

static void test_null_and_empty(void **state)
{
	(void)state;
	const char *lines[] = { NULL, "", "   ", "\t \n", "/boot/chronovisor.elf",
				"/boot/chronovisor.elf  \t " };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		memset(vals, 0xA5, sizeof(vals));   /* stale values must be cleared */
		assert_int_equal(parse(lines[i]), 0);
		assert_string_equal(err, "");
		assert_all_unset();
	}
}

static void test_every_type(void **state)
{
	(void)state;
	assert_int_equal(parse("/boot/chronovisor.elf tsc=none\tcpus=4  mem=64M "
			       "name=demo verbose crash=pf\n"), 0);
	assert_string_equal(err, "");
	assert_true(vals[O_TSC].set);
	assert_int_equal(vals[O_TSC].choice, 0);
	assert_string_equal(vals[O_TSC].str, "none");
	assert_true(vals[O_CPUS].set);
	assert_true(vals[O_CPUS].u == 4);
	assert_true(vals[O_MEM].u == 64ULL << 20);
	assert_string_equal(vals[O_MEM].str, "64M");
	assert_string_equal(vals[O_NAME].str, "demo");
	assert_true(vals[O_VERBOSE].set);
	assert_true(vals[O_VERBOSE].u == 1);
	assert_string_equal(vals[O_VERBOSE].str, "");
	assert_true(vals[O_CRASH].set);
	assert_int_equal(vals[O_CRASH].choice, 3);
}

static void test_first_token(void **state)
{
	(void)state;
	/* No image path: the first token has '=' and is an option. */
	assert_int_equal(parse("tsc=percpu"), 0);
	assert_int_equal(vals[O_TSC].choice, 2);
	/* The first token without '=' is the image path, even if it names a bool. */
	assert_int_equal(parse("verbose"), 0);
	assert_false(vals[O_VERBOSE].set);
	assert_int_equal(parse("  /boot/x verbose"), 0);
	assert_true(vals[O_VERBOSE].set);
	/* Only the first: a later bare unknown word is an error. */
	expect_error("/boot/x /boot/y",
		     "unknown option '/boot/y'; known options: crash, tsc, cpus, mem, name, verbose");
}

static void test_uint_values(void **state)
{
	(void)state;
	expect_uint("0", 0);
	expect_uint("007", 7);                   /* decimal, not octal */
	expect_uint("123456789", 123456789);
	expect_uint("0x10", 16);
	expect_uint("0XfF", 255);
	expect_uint("1K", 1024);
	expect_uint("1k", 1024);
	expect_uint("64M", 64ULL << 20);
	expect_uint("3g", 3ULL << 30);
	expect_uint("0x10M", 16ULL << 20);
	expect_uint("18446744073709551615", UINT64_MAX);
	expect_uint("0xffffffffffffffff", UINT64_MAX);
	expect_uint("17179869183G", 17179869183ULL << 30);
	expect_uint("0", 0);
}

static void test_uint_errors(void **state)
{
	(void)state;
	expect_bad_uint("");
	expect_bad_uint("-1");
	expect_bad_uint("+1");
	expect_bad_uint("12x");
	expect_bad_uint("1KK");
	expect_bad_uint("1K0");
	expect_bad_uint("K");
	expect_bad_uint("0x");
	expect_bad_uint("0xg");
	expect_bad_uint("0x1T");
	expect_bad_uint("1.5M");
	expect_overflow("18446744073709551616");
	expect_overflow("99999999999999999999999");
	expect_overflow("0x10000000000000000");
	expect_overflow("17179869184G");         /* 2^34 GiB = 2^64 */
	expect_overflow("0x100000000000000K");
}

static void test_uint_range(void **state)
{
	(void)state;
	assert_int_equal(parse("cpus=1"), 0);
	assert_true(vals[O_CPUS].u == 1);
	assert_int_equal(parse("cpus=16"), 0);
	assert_true(vals[O_CPUS].u == 16);
	assert_int_equal(parse("cpus=0x10"), 0);
	assert_string_equal(vals[O_CPUS].str, "0x10");
	expect_error("cpus=99", "option 'cpus': value '99' out of range 1..16 (pCPUs to use)");
	expect_error("cpus=0", "option 'cpus': value '0' out of range 1..16 (pCPUs to use)");
	expect_error("cpus=1K", "option 'cpus': value '1K' out of range 1..16 (pCPUs to use)");
	expect_error("cpus=two",
		     "option 'cpus': bad value 'two'; allowed: a number (decimal or 0x hex, "
		     "optional K/M/G suffix) in 1..16 (pCPUs to use)");
}

static void test_enum(void **state)
{
	const char *const *c;
	char line[64];

	(void)state;
	for (c = crash_choices; *c; c++) {
		snprintf(line, sizeof(line), "crash=%s", *c);
		assert_int_equal(parse(line), 0);
		assert_int_equal(vals[O_CRASH].choice, c - crash_choices);
	}
	expect_error("crash=zz",
		     "option 'crash': bad value 'zz'; allowed: none|ud|gp|pf|de (inject a fault)");
	expect_error("crash=UD",
		     "option 'crash': bad value 'UD'; allowed: none|ud|gp|pf|de (inject a fault)");
	expect_error("crash=u",
		     "option 'crash': bad value 'u'; allowed: none|ud|gp|pf|de (inject a fault)");
	expect_error("crash=",
		     "option 'crash': bad value ''; allowed: none|ud|gp|pf|de (inject a fault)");
}

static void test_bool(void **state)
{
	static const struct {
		const char *text;
		uint64_t value;
	} cases[] = {
		{ "1", 1 }, { "0", 0 }, { "on", 1 }, { "off", 0 },
		{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	};
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "verbose=%s", cases[i].text);
		assert_int_equal(parse(line), 0);
		assert_true(vals[O_VERBOSE].set);
		assert_true(vals[O_VERBOSE].u == cases[i].value);
		assert_string_equal(vals[O_VERBOSE].str, cases[i].text);
	}
	expect_error("verbose=maybe",
		     "option 'verbose': bad value 'maybe'; allowed: 1|0|on|off|yes|no|true|false");
	expect_error("verbose=",
		     "option 'verbose': bad value ''; allowed: 1|0|on|off|yes|no|true|false");
	expect_error("verbose=ON",
		     "option 'verbose': bad value 'ON'; allowed: 1|0|on|off|yes|no|true|false");
}

static void test_string(void **state)
{
	char line[300], message[ERR_MAX];

	(void)state;
	assert_int_equal(parse("name="), 0);
	assert_true(vals[O_NAME].set);
	assert_string_equal(vals[O_NAME].str, "");
	assert_int_equal(parse("name=a=b=c"), 0);
	assert_string_equal(vals[O_NAME].str, "a=b=c");

	/* OPT_VALUE_MAX - 1 characters fit; one more does not. */
	strcpy(line, "name=");
	memset(line + 5, 's', OPT_VALUE_MAX - 1);
	line[5 + OPT_VALUE_MAX - 1] = '\0';
	assert_int_equal(parse(line), 0);
	assert_int_equal(strlen(vals[O_NAME].str), OPT_VALUE_MAX - 1);

	strcat(line, "s");
	snprintf(message, sizeof(message),
		 "option 'name': value is %d characters long, at most %d allowed",
		 OPT_VALUE_MAX, OPT_VALUE_MAX - 1);
	expect_error(line, message);
}

static void test_needs_value(void **state)
{
	(void)state;
	expect_error("/boot/x cpus", "option 'cpus' needs a value (cpus=1..16) (pCPUs to use)");
	expect_error("/boot/x crash",
		     "option 'crash' needs a value (crash=none|ud|gp|pf|de) (inject a fault)");
	expect_error("/boot/x name", "option 'name' needs a value (name=<text>) (run name)");
	expect_error("/boot/x mem", "option 'mem' needs a value (mem=<number>) (guest RAM)");
}

static void test_unknown(void **state)
{
	char line[200];

	(void)state;
	expect_error("nosuch=1",
		     "unknown option 'nosuch' (in 'nosuch=1'); known options: "
		     "crash, tsc, cpus, mem, name, verbose");
	expect_error("/boot/x tsc=none nosuch",
		     "unknown option 'nosuch'; known options: crash, tsc, cpus, mem, name, verbose");
	/* Prefixes and case variants of a key are not the key. */
	expect_error("cpu=1",
		     "unknown option 'cpu' (in 'cpu=1'); known options: "
		     "crash, tsc, cpus, mem, name, verbose");
	expect_error("CPUS=1",
		     "unknown option 'CPUS' (in 'CPUS=1'); known options: "
		     "crash, tsc, cpus, mem, name, verbose");
	/* A long token is quoted cut, with "...". */
	memset(line, 'k', 100);
	strcpy(line + 100, "=1");
	assert_int_equal(parse(line), -1);
	assert_non_null(strstr(err, "kkk...' (in 'kkk"));
	/* An empty table knows nothing. */
	memset(err, 'X', sizeof(err));
	assert_int_equal(cmdline_parse("a=1", descs, 0, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown option 'a' (in 'a=1'); known options: (none)");
}

static void test_twice_and_empty_key(void **state)
{
	(void)state;
	expect_error("tsc=none cpus=2 tsc=percpu",
		     "option 'tsc' given twice (again in 'tsc=percpu')");
	expect_error("tsc=none tsc=none", "option 'tsc' given twice (again in 'tsc=none')");
	expect_error("/boot/x verbose verbose=0",
		     "option 'verbose' given twice (again in 'verbose=0')");
	expect_error("=5", "empty option name in '=5'");
	expect_error("/boot/x =", "empty option name in '='");
}

static void test_error_buffer(void **state)
{
	char small[12];

	(void)state;
	/* Cut to errlen - 1, terminated, bytes after it untouched. */
	memset(small, 'X', sizeof(small));
	assert_int_equal(cmdline_parse("crash=zz", descs, O_COUNT, vals, small, 10), -1);
	assert_string_equal(small, "option 'c");
	assert_int_equal(small[10], 'X');

	memset(small, 'X', sizeof(small));
	assert_int_equal(cmdline_parse("crash=zz", descs, O_COUNT, vals, small, 1), -1);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'X');

	memset(small, 'X', sizeof(small));
	assert_int_equal(cmdline_parse("crash=zz", descs, O_COUNT, vals, small, 0), -1);
	assert_int_equal(small[0], 'X');

	assert_int_equal(cmdline_parse("crash=zz", descs, O_COUNT, vals, NULL, 0), -1);
	assert_int_equal(cmdline_parse("crash=ud", descs, O_COUNT, vals, NULL, 0), 0);
	assert_int_equal(vals[O_CRASH].choice, 1);

	/* Success clears a stale message. */
	memset(small, 'X', sizeof(small));
	assert_int_equal(cmdline_parse("", descs, O_COUNT, vals, small, sizeof(small)), 0);
	assert_string_equal(small, "");
}

static void test_usage(void **state)
{
	char buf[1024];

	(void)state;
	cmdline_usage(descs, O_COUNT, buf, sizeof(buf));
	assert_string_equal(buf,
		"  crash=none|ud|gp|pf|de                  inject a fault\n"
		"  tsc=none|kvm2633|percpu                 TSC policy\n"
		"  cpus=1..16                              pCPUs to use\n"
		"  mem=<number>                            guest RAM\n"
		"  name=<text>                             run name\n"
		"  verbose[=1|0|on|off|yes|no|true|false]\n");

	/* Cut and terminated. */
	memset(buf, 'X', sizeof(buf));
	cmdline_usage(descs, O_COUNT, buf, 8);
	assert_string_equal(buf, "  crash");
	assert_int_equal(buf[8], 'X');

	cmdline_usage(descs, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_first_token),
		cmocka_unit_test(test_uint_values),
		cmocka_unit_test(test_uint_errors),
		cmocka_unit_test(test_uint_range),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_needs_value),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_twice_and_empty_key),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
