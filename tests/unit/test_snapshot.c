/*
 * tests/unit/test_snapshot.c - host unit tests for vmm/loader/snapshot.c: an
 * image written by the stream writer reads back section by section; every
 * truncation, every sampled corruption, a foreign magic or version, unknown
 * mandatory records, repeated or missing vCPU sections and RAM pages outside
 * the VM are refused with a message saying which.
 *
 * Context: Linux host, cmocka, ASan/UBSan (make unit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/loader/snapshot.h"

const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

static uint8_t buf[1 << 20];
static size_t blen;
static char err[256];

static void emit(void *ctx, const void *p, size_t n)
{
	assert_true(blen + n <= sizeof(buf));
	memcpy(buf + blen, p, n);
	blen += n;
}

/* An image of a 1 MiB, 2-vCPU VM: 3 non-zero pages of 256, records per vCPU.
 * extra_key: one more record in vCPU 1 (0: none). vcpu_sections: how many
 * vCPU sections to write (2 normally), dup: write vCPU 0 twice. */
static uint64_t build(uint32_t extra_key, int vcpu_sections, bool dup, uint64_t bad_gpa)
{
	static uint8_t page[4096];
	struct snap_header h = { .ram_bytes = 1 * MiB, .nvcpus = 2, .guest_tsc_khz = 50000,
				 .host_ns = 123456789, .ref_tsc = 987654321, .name = "deadline.elf" };
	struct snap_writer w;
	uint64_t gprs[16];

	blen = 0;
	snap_begin(&w, emit, NULL, &h);
	for (uint64_t p = 0; p < 256; p++) {
		memset(page, 0, sizeof(page));
		if (p == 1 || p == 17 || p == 255)
			memset(page + 100, (int)p, 50);
		bool sent = snap_page(&w, p * 4096, page);
		assert_int_equal(sent, p == 1 || p == 17 || p == 255);
	}
	if (bad_gpa) {
		memset(page, 1, sizeof(page));
		snap_page(&w, bad_gpa, page);
	}
	for (int v = 0; v < vcpu_sections; v++) {
		uint64_t tsc = 1000000 + (uint64_t)v, rip = 0x100000 + (uint64_t)v;
		uint64_t payload = snap_record_size(sizeof(gprs)) + 2 * snap_record_size(8);
		if (v == 1 && extra_key)
			payload += snap_record_size(4);
		for (int i = 0; i < 16; i++)
			gprs[i] = (uint64_t)(v * 100 + i);
		snap_section(&w, SNAP_SEC_VCPU, dup ? 0 : (uint32_t)v, payload);
		snap_record(&w, SNAP_KEY_GPRS, gprs, sizeof(gprs));
		snap_record(&w, SNAP_KEY_GUEST_TSC, &tsc, 8);
		snap_record(&w, 0x681E /* GUEST_RIP */, &rip, 8);
		if (v == 1 && extra_key)
			snap_record(&w, extra_key, "abcd", 4);
	}
	uint64_t total = snap_end(&w);
	assert_int_equal(total, blen);
	return total;
}

static void test_roundtrip(void **state)
{
	struct snap_image img;
	struct snap_section_view s;
	uint64_t off = 0, len = build(0, 2, false, 0);
	int vcpus = 0, pages = 0;

	assert_int_equal(snap_open(&img, buf, len, err, sizeof(err)), 0);
	assert_int_equal(img.h.nvcpus, 2);
	assert_int_equal(img.h.ram_bytes, 1 * MiB);
	assert_int_equal(img.h.guest_tsc_khz, 50000);
	assert_int_equal(img.h.host_ns, 123456789);
	assert_string_equal(img.h.name, "deadline.elf");
	assert_int_equal(img.npages, 3);
	/* 3 pages of 4 KiB, not 256: zero pages are left out */
	assert_true(len < 4 * 4096 + 1024);
	while (snap_next_section(&img, &off, &s)) {
		if (s.type == SNAP_SEC_RAM) {
			uint64_t gpa;
			memcpy(&gpa, s.payload, 8);
			assert_int_equal(s.payload[8 + 100], (uint8_t)(gpa / 4096));
			pages++;
		} else if (s.type == SNAP_SEC_VCPU) {
			uint32_t l;
			const uint8_t *r = snap_find_record(&s, SNAP_KEY_GUEST_TSC, &l);
			uint64_t tsc;
			assert_non_null(r);
			assert_int_equal(l, 8);
			memcpy(&tsc, r, 8);
			assert_int_equal(tsc, 1000000 + s.index);
			r = snap_find_record(&s, SNAP_KEY_GPRS, &l);
			assert_int_equal(l, 128);
			uint64_t g5;
			memcpy(&g5, r + 40, 8);
			assert_int_equal(g5, s.index * 100 + 5);
			assert_null(snap_find_record(&s, SNAP_KEY_XSAVE, &l));
			vcpus++;
		}
	}
	assert_int_equal(pages, 3);
	assert_int_equal(vcpus, 2);
}

static void refused(uint64_t len, const char *why)
{
	struct snap_image img;

	err[0] = 0;
	assert_int_equal(snap_open(&img, buf, len, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("refusal \"%s\" does not say \"%s\"", err, why);
}

static void test_truncated_and_padded(void **state)
{
	uint64_t len = build(0, 2, false, 0);

	for (uint64_t cut = 0; cut < len; cut += (cut < 200 || len - cut < 200) ? 1 : 97)
		refused(cut, cut < SNAP_HEADER_SIZE + SNAP_TRAILER_SIZE ? "too short" : "");
	refused(len - 1, "trailer");
	buf[len] = 0;
	refused(len + 1, "trailer");
}

static void test_corrupt(void **state)
{
	uint64_t len = build(0, 2, false, 0);

	for (uint64_t i = 0; i < len - 8; i += (i < 100 ? 1 : 61)) {
		buf[i] ^= 0x20;
		struct snap_image img;
		assert_int_equal(snap_open(&img, buf, len, err, sizeof(err)), -1);
		buf[i] ^= 0x20;
	}
	build(0, 2, false, 0);
	buf[5000] ^= 1;
	refused(len, "checksum mismatch");
}

static void test_foreign(void **state)
{
	uint64_t len = build(0, 2, false, 0);

	memcpy(buf, "ELF\x7f....", 8);
	refused(len, "not a chronovisor VM image");
	build(0, 2, false, 0);
	buf[8] = 2;
	refused(len, "version 2; this chronovisor reads version 1");
}

static void test_structure(void **state)
{
	uint64_t len = build(SNAP_KEY_PRIVATE + 0x50, 2, false, 0);
	refused(len, "unknown record 0x10050");

	struct snap_image img;
	len = build(SNAP_KEY_OPTIONAL | 7, 2, false, 0);
	assert_int_equal(snap_open(&img, buf, len, err, sizeof(err)), 0);   /* skipped */

	len = build(0, 1, false, 0);
	refused(len, "1 vCPU sections for 2 vCPUs");
	len = build(0, 2, true, 0);
	refused(len, "repeated");
	len = build(0, 2, false, 1 * MiB);           /* a page just past the VM's RAM */
	refused(len, "bad RAM page");
}

static void test_locate(void **state)
{
	static uint8_t two[2 << 19];
	uint64_t len0 = build(0, 2, false, 0), off, len;

	memcpy(two, buf, len0);
	uint64_t len1 = build(0, 1, false, 0);     /* a second, different image */
	memcpy(two + len0, buf, len1);
	assert_int_equal(snap_locate(two, len0 + len1, 0, &off, &len, err, sizeof(err)), 0);
	assert_int_equal(off, 0);
	assert_int_equal(len, len0);
	assert_int_equal(snap_locate(two, len0 + len1, 1, &off, &len, err, sizeof(err)), 0);
	assert_int_equal(off, len0);
	assert_int_equal(len, len1);
	assert_int_equal(snap_locate(two, len0 + len1, 2, &off, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "holds 2 image(s)"));
	assert_int_equal(snap_locate(two, len0 + len1 - 5, 1, &off, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "past the end"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated_and_padded),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_locate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
