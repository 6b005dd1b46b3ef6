/*
 * tests/unit/test_acpi_parse.c - host unit tests for kernel/acpi_parse.c:
 * the _S5_ decoder and the table span check, on crafted tables.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`. Every
 * table is copied into a heap block of exactly its length, so a read one byte
 * past the end is an ASan heap-buffer-overflow (the regression of issue 10:
 * `_S5_` ending the DSDT with a 4-byte PkgLength).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/acpi_parse.h"

#define HDR 36
#define LIMIT (4 * GiB)

/* A DSDT: a zeroed 36-byte header, then body[0..n). */
static size_t make_dsdt(uint8_t *out, const uint8_t *body, size_t n)
{
	memset(out, 0, HDR);
	memcpy(out, "DSDT", 4);
	memcpy(out + HDR, body, n);
	return HDR + n;
}

/* acpi_find_s5 on an exact-size heap copy of t[0..len). */
static bool s5(const uint8_t *t, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, t, len);
	bool r = acpi_find_s5(copy, (uint32_t)len, a, b);
	free(copy);
	return r;
}

static void test_s5_byte_prefix(void **state)
{
	/* Name(_S5_, Package(4) { 5, 5, 0, 0 }) as iasl emits it, after a Scope */
	static const uint8_t body[] = { 0x10, 0x05, '\\', '_', 'S', 'B', '_',
		0x08, '_', 'S', '5', '_', 0x12, 0x0A, 0x04, 0x0A, 0x05, 0x0A, 0x07, 0x00, 0x00 };
	uint8_t t[128], a = 0xEE, b = 0xEE;
	size_t len = make_dsdt(t, body, sizeof(body));

	assert_true(s5(t, len, &a, &b));
	assert_int_equal(a, 5);
	assert_int_equal(b, 7);
}

static void test_s5_zero_and_one_ops(void **state)
{
	static const uint8_t body[] = { '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00 };
	uint8_t t[128], a = 0xEE, b = 0xEE;
	size_t len = make_dsdt(t, body, sizeof(body));

	assert_true(s5(t, len, &a, &b));
	assert_int_equal(a, 1);
	assert_int_equal(b, 0);
}

/* The confirmed case: _S5_ is the DSDT's last bytes, its PkgLength lead
 * byte says 3 more bytes follow (bits 7:6 = 3), and the table ends there.
 * The old decoder read past the table (ASan: heap-buffer-overflow READ 1). */
static void test_s5_four_byte_pkglength_at_end(void **state)
{
	static const uint8_t body[] = { '_', 'S', '5', '_', 0x12, 0xC0, 0x00, 0x00, 0x00,
		0x04, 0x0A, 0x05, 0x0A };       /* the last BytePrefix's byte is missing */
	uint8_t t[128], a = 0xEE, b = 0xEE;
	size_t len = make_dsdt(t, body, sizeof(body));

	assert_false(s5(t, len, &a, &b));
	assert_int_equal(a, 0xEE);
	/* ... and with only the PkgLength left */
	len = make_dsdt(t, body, 9);
	assert_false(s5(t, len, &a, &b));
}

/* Every prefix of a good table is decoded or refused, never read past. */
static void test_s5_every_truncation(void **state)
{
	static const uint8_t body[] = { '_', 'S', '5', '_', 0x12, 0xC8, 0, 0, 0, 0x04,
		0x0A, 0x05, 0x0A, 0x06 };
	uint8_t t[128], a, b;
	size_t full = make_dsdt(t, body, sizeof(body));

	for (size_t len = 0; len < full; len++)
		assert_false(s5(t, len, &a, &b));
	assert_true(s5(t, full, &a, &b));
	assert_int_equal(a, 5);
	assert_int_equal(b, 6);
}

static void test_s5_not_a_package_is_skipped(void **state)
{
	/* "_S5_" as a method name (no PackageOp), then the real package */
	static const uint8_t body[] = { '_', 'S', '5', '_', 0x14, 0x00,
		'_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0A, 0x03, 0x0A, 0x04 };
	uint8_t t[128], a, b;
	size_t len = make_dsdt(t, body, sizeof(body));

	assert_true(s5(t, len, &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
}

static void test_s5_bad_element_refused(void **state)
{
	static const uint8_t body[] = { '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0B, 0x03, 0x00 };
	uint8_t t[128], a, b;
	size_t len = make_dsdt(t, body, sizeof(body));

	assert_false(s5(t, len, &a, &b));
}

static void test_s5_absent_and_tiny(void **state)
{
	uint8_t t[128], a, b;
	size_t len = make_dsdt(t, (const uint8_t *)"_S4_\x12\x06\x02\x00\x00", 9);

	assert_false(s5(t, len, &a, &b));
	assert_false(s5(t, 0, &a, &b));
	assert_false(s5(t, 3, &a, &b));
	assert_false(s5(t, HDR, &a, &b));
}

/* The second confirmed case: a table below 4 GiB that runs past it. */
static void test_span_crossing_4g_refused(void **state)
{
	assert_false(acpi_table_span_ok(LIMIT - 16, 36, LIMIT));
	assert_false(acpi_table_span_ok(LIMIT - 36, 37, LIMIT));
	assert_true(acpi_table_span_ok(LIMIT - 36, 36, LIMIT));
	assert_true(acpi_table_span_ok(0xE0000, 0x1000, LIMIT));
}

static void test_span_edges(void **state)
{
	assert_false(acpi_table_span_ok(0, 36, LIMIT));            /* no table */
	assert_false(acpi_table_span_ok(LIMIT, 36, LIMIT));        /* starts above */
	assert_false(acpi_table_span_ok(LIMIT + 4096, 0, LIMIT));
	assert_false(acpi_table_span_ok(0x1000, UINT64_MAX, LIMIT)); /* addr + len wraps */
	assert_false(acpi_table_span_ok(UINT64_MAX - 8, 36, LIMIT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s5_byte_prefix),
		cmocka_unit_test(test_s5_zero_and_one_ops),
		cmocka_unit_test(test_s5_four_byte_pkglength_at_end),
		cmocka_unit_test(test_s5_every_truncation),
		cmocka_unit_test(test_s5_not_a_package_is_skipped),
		cmocka_unit_test(test_s5_bad_element_refused),
		cmocka_unit_test(test_s5_absent_and_tiny),
		cmocka_unit_test(test_span_crossing_4g_refused),
		cmocka_unit_test(test_span_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
