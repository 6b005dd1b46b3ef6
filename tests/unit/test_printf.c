/*
 * tests/unit/test_printf.c - host unit tests for lib/printf.c (cv_snprintf).
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * Where the behaviour is standard C99, the expected text comes from the
 * host's snprintf; the rest (%p, "(null)", unknown conversions) is checked
 * against literal strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/printf.h"

#define OUT_MAX 256

/* cv_snprintf's output and return value must equal the host snprintf's. */
#define CHECK_LIKE_HOST(fmt, ...)                                            \
	do {                                                                 \
		char want[OUT_MAX], got[OUT_MAX];                            \
		int want_n = snprintf(want, sizeof(want), fmt, ##__VA_ARGS__); \
		int got_n = cv_snprintf(got, sizeof(got), fmt, ##__VA_ARGS__); \
		assert_string_equal(got, want);                              \
		assert_int_equal(got_n, want_n);                             \
	} while (0)

/* cv_snprintf must produce exactly 'want'. */
#define CHECK_EXACT(want, fmt, ...)                                          \
	do {                                                                 \
		char got[OUT_MAX];                                           \
		int got_n = cv_snprintf(got, sizeof(got), fmt, ##__VA_ARGS__); \
		assert_string_equal(got, want);                              \
		assert_int_equal(got_n, (int)strlen(want));                  \
	} while (0)

/* No format attribute: lets tests pass formats GCC would reject. */
static int format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = cv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Hidden from the compiler so it cannot warn about a NULL %s argument. */
static const char *null_string(void)
{
	static const char *volatile p;
	return p;
}

static void test_signed(void **state)
{
	(void)state;
	CHECK_LIKE_HOST("%d", 0);
	CHECK_LIKE_HOST("%d", 42);
	CHECK_LIKE_HOST("%d", -42);
	CHECK_LIKE_HOST("%i", -7);
	CHECK_LIKE_HOST("%d %d", INT32_MAX, INT32_MIN);
	CHECK_LIKE_HOST("%ld", (long)INT64_MAX);
	CHECK_LIKE_HOST("%lld", (long long)INT64_MIN);
	CHECK_LIKE_HOST("%lli", (long long)INT64_MIN + 1);
	CHECK_LIKE_HOST("%hd", (short)-1234);
	CHECK_LIKE_HOST("%hhd", (signed char)-128);
	CHECK_LIKE_HOST("%hhd", 200);              /* converted to signed char */
	CHECK_LIKE_HOST("%hd", 70000);             /* converted to short */
	CHECK_LIKE_HOST("%zd", (ptrdiff_t)-5);
}

static void test_unsigned_and_hex(void **state)
{
	(void)state;
	CHECK_LIKE_HOST("%u", 0u);
	CHECK_LIKE_HOST("%u", UINT32_MAX);
	CHECK_LIKE_HOST("%lu", (unsigned long)UINT64_MAX);
	CHECK_LIKE_HOST("%llu", (unsigned long long)UINT64_MAX);
	CHECK_LIKE_HOST("%zu", (size_t)123456789);
	CHECK_LIKE_HOST("%x", 0u);
	CHECK_LIKE_HOST("%x", 0xdeadbeefu);
	CHECK_LIKE_HOST("%X", 0xabcdefu);
	CHECK_LIKE_HOST("%lx", 0x123456789abcdef0ul);
	CHECK_LIKE_HOST("%llx", (unsigned long long)UINT64_MAX);
	CHECK_LIKE_HOST("%llX", 0xfedcba9876543210ull);
	CHECK_LIKE_HOST("%o", 8u);
	CHECK_LIKE_HOST("%o", 0777u);
	CHECK_LIKE_HOST("%hu", (unsigned short)65535);
	CHECK_LIKE_HOST("%hhu", (unsigned char)255);
	CHECK_LIKE_HOST("%hhx", (unsigned char)0xab);
	CHECK_LIKE_HOST("%zx", (size_t)0xffff);
}

static void test_width_and_padding(void **state)
{
	(void)state;
	CHECK_LIKE_HOST("[%5d]", 42);
	CHECK_LIKE_HOST("[%-5d]", 42);
	CHECK_LIKE_HOST("[%05d]", 42);
	CHECK_LIKE_HOST("[%05d]", -42);
	CHECK_EXACT("[-0042]", "[%05d]", -42);
	CHECK_LIKE_HOST("[%5d]", -42);
	CHECK_LIKE_HOST("[%2d]", 12345);
	CHECK_LIKE_HOST("[%08lx]", 0xbeeful);
	CHECK_LIKE_HOST("[%016llx]", 0x1234ull);
	CHECK_LIKE_HOST("[%020lld]", (long long)INT64_MIN);
	CHECK_LIKE_HOST("[%8s]", "abc");
	CHECK_LIKE_HOST("[%-8s]", "abc");
	CHECK_LIKE_HOST("[%3c]", 'z');
	CHECK_LIKE_HOST("[%-3c]", 'z');
	CHECK_LIKE_HOST("[%100d]", 1);
}

static void test_star_and_precision(void **state)
{
	(void)state;
	CHECK_LIKE_HOST("[%*d]", 6, 42);
	CHECK_LIKE_HOST("[%*d]", -6, 42);          /* negative width: left adjust */
	CHECK_LIKE_HOST("[%0*d]", 6, -42);
	CHECK_LIKE_HOST("[%0*d]", -6, -42);        /* '-' from the star beats '0' */
	CHECK_LIKE_HOST("[%.3s]", "abcdef");
	CHECK_LIKE_HOST("[%.0s]", "abcdef");
	CHECK_LIKE_HOST("[%.10s]", "abc");
	CHECK_LIKE_HOST("[%6.2s]", "abcdef");
	CHECK_LIKE_HOST("[%-6.2s]", "abcdef");
	CHECK_LIKE_HOST("[%.*s]", 2, "abcdef");
	CHECK_LIKE_HOST("[%.*s]", -1, "abcdef");  /* negative precision: none */
}

static void test_strings_chars_percent(void **state)
{
	(void)state;
	CHECK_LIKE_HOST("%s", "");
	CHECK_LIKE_HOST("%s|%s", "hello", "world");
	CHECK_LIKE_HOST("%c%c%c", 'a', 'b', 'c');
	CHECK_LIKE_HOST("100%%");
	CHECK_LIKE_HOST("%%d %d", 5);
	CHECK_LIKE_HOST("no conversions");
	CHECK_EXACT("(null)", "%s", null_string());
	CHECK_EXACT("[(nu]", "[%.3s]", null_string());
}

static void test_pointer(void **state)
{
	(void)state;
	int x;

	CHECK_LIKE_HOST("%p", (void *)&x);
	CHECK_LIKE_HOST("%p", (void *)0x1000);
	CHECK_EXACT("0x0", "%p", (void *)0);      /* glibc says "(nil)" */
	CHECK_EXACT("[    0x1000]", "[%10p]", (void *)0x1000);
	CHECK_EXACT("[0x1000    ]", "[%-10p]", (void *)0x1000);
}

static void test_nonstandard_input(void **state)
{
	char buf[OUT_MAX];

	(void)state;
	/* A lone '%' at the end prints itself; an unknown one is shown verbatim. */
	assert_int_equal(format_unchecked(buf, sizeof(buf), "50%"), 3);
	assert_string_equal(buf, "50%");
	assert_int_equal(format_unchecked(buf, sizeof(buf), "a%qb"), 4);
	assert_string_equal(buf, "a%qb");
	/* '-' wins over '0' (GCC warns about both, so they are tested here). */
	format_unchecked(buf, sizeof(buf), "[%-05d]", -42);
	assert_string_equal(buf, "[-42  ]");
	/* '0' with %p pads after the 0x prefix, as with a sign. */
	format_unchecked(buf, sizeof(buf), "[%010p]", (void *)0x1000);
	assert_string_equal(buf, "[0x00001000]");
}

static void test_truncation(void **state)
{
	char buf[16];

	(void)state;
	/* Return value is the full length; the stored text is cut and terminated. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(cv_snprintf(buf, 5, "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(cv_snprintf(buf, 4, "%05d", -42), 5);
	assert_string_equal(buf, "-00");
	assert_int_equal(buf[4], 'X');

	/* Exactly fits (length size - 1) and one too long. */
	assert_int_equal(cv_snprintf(buf, 6, "%s", "abcde"), 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(cv_snprintf(buf, 6, "%s", "abcdef"), 6);
	assert_string_equal(buf, "abcde");

	/* Size 1: only the terminator. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(cv_snprintf(buf, 1, "%d", 12345), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	/* Size 0: nothing written, NULL buffer allowed, length still counted. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(cv_snprintf(buf, 0, "%s", "abc"), 3);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(cv_snprintf(NULL, 0, "%llx", 0xffffull), 4);
}

static void test_long_output(void **state)
{
	char big[300], host[300];
	char arg[200];

	(void)state;
	memset(arg, 'q', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	int n = cv_snprintf(big, sizeof(big), "%s|%s", arg, arg);
	int hn = snprintf(host, sizeof(host), "%s|%s", arg, arg);

	assert_int_equal(n, hn);
	assert_string_equal(big, host);
	assert_int_equal(strlen(big), sizeof(big) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned_and_hex),
		cmocka_unit_test(test_width_and_padding),
		cmocka_unit_test(test_star_and_precision),
		cmocka_unit_test(test_strings_chars_percent),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_nonstandard_input),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_long_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
