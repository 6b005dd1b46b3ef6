/*
 * tests/unit/test_mtrr.c - host unit tests for lib/mtrr.c.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * The fixtures are MTRR layouts of the kinds real firmware leaves: a desktop
 * BIOS with a UC default and WB ranges for RAM (the PCI hole carved out with a
 * UC range), and SeaBIOS under QEMU with a WB default and one UC range for
 * the 32-bit PCI hole. The fixed ranges are those of a PC: RAM below 640 KiB
 * WB, the VGA hole UC, the option-ROM/BIOS area WP. mtrr_range_type is also
 * checked against a page-by-page reference on random layouts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/mtrr.h"

const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

#define VALID (1ULL << 11)

/* Unpack the fixed-range MSRs as the kernel reads them (8 types a MSR). */
static void set_fixed(struct mtrr_set *m, const uint64_t msr[11])
{
	for (int i = 0; i < 11; i++)
		for (int b = 0; b < 8; b++)
			m->fixed[i * 8 + b] = (uint8_t)(msr[i] >> (8 * b));
}

/* The fixed ranges a PC BIOS programs: 0-0x9FFFF WB, 0xA0000-0xBFFFF UC,
 * 0xC0000-0xFFFFF WP. MSR order: 0x250, 0x258, 0x259, 0x268..0x26F. */
static const uint64_t pc_fixed[11] = {
	0x0606060606060606ULL, 0x0606060606060606ULL, 0x0000000000000000ULL,
	0x0505050505050505ULL, 0x0505050505050505ULL, 0x0505050505050505ULL,
	0x0505050505050505ULL, 0x0505050505050505ULL, 0x0505050505050505ULL,
	0x0505050505050505ULL, 0x0505050505050505ULL,
};

static uint64_t mask_for(uint64_t size, unsigned phys_bits)
{
	return (~(size - 1) & ((1ULL << phys_bits) - 1) & ~0xFFFULL) | VALID;
}

/* Desktop firmware, 8 GiB, 39 physical address bits: default UC,
 * 0-8 GiB WB, 2-4 GiB UC (the PCI hole). */
static struct mtrr_set desktop(void)
{
	struct mtrr_set m = { .present = true, .enabled = true, .fixed_enabled = true,
			      .def_type = MTRR_TYPE_UC, .nvar = 10, .phys_bits = 39 };
	set_fixed(&m, pc_fixed);
	m.var[0] = (struct mtrr_var){ 0x0 | MTRR_TYPE_WB, mask_for(8 * GiB, 39) };
	m.var[1] = (struct mtrr_var){ 0x80000000ULL | MTRR_TYPE_UC, mask_for(2 * GiB, 39) };
	return m;
}

/* SeaBIOS under QEMU, 40 bits: default WB, 3-4 GiB UC. */
static struct mtrr_set seabios(void)
{
	struct mtrr_set m = { .present = true, .enabled = true, .fixed_enabled = true,
			      .def_type = MTRR_TYPE_WB, .nvar = 8, .phys_bits = 40 };
	static const uint64_t f[11] = {
		0x0606060606060606ULL, 0x0606060606060606ULL, 0,
		0x0606060606060606ULL, 0x0606060606060606ULL, 0x0606060606060606ULL,
		0x0606060606060606ULL, 0x0606060606060606ULL, 0x0606060606060606ULL,
		0x0606060606060606ULL, 0x0606060606060606ULL,
	};
	set_fixed(&m, f);
	m.var[0] = (struct mtrr_var){ 0xC0000000ULL | MTRR_TYPE_UC, mask_for(1 * GiB, 40) };
	return m;
}

static void test_desktop_points(void **state)
{
	struct mtrr_set m = desktop();

	assert_int_equal(mtrr_type_at(&m, 0x0), MTRR_TYPE_WB);
	assert_int_equal(mtrr_type_at(&m, 0x9F000), MTRR_TYPE_WB);
	assert_int_equal(mtrr_type_at(&m, 0xA0000), MTRR_TYPE_UC);    /* VGA */
	assert_int_equal(mtrr_type_at(&m, 0xB8000), MTRR_TYPE_UC);
	assert_int_equal(mtrr_type_at(&m, 0xC0000), MTRR_TYPE_WP);    /* option ROMs */
	assert_int_equal(mtrr_type_at(&m, 0xFF000), MTRR_TYPE_WP);
	assert_int_equal(mtrr_type_at(&m, 1 * MiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_type_at(&m, 2 * GiB - 4096), MTRR_TYPE_WB);
	assert_int_equal(mtrr_type_at(&m, 2 * GiB), MTRR_TYPE_UC);    /* WB + UC: UC */
	assert_int_equal(mtrr_type_at(&m, 0xFEE00000ULL), MTRR_TYPE_UC); /* local APIC */
	assert_int_equal(mtrr_type_at(&m, 4 * GiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_type_at(&m, 8 * GiB), MTRR_TYPE_UC);    /* default */
}

static void test_desktop_ranges(void **state)
{
	struct mtrr_set m = desktop();

	/* The first 2 MiB hold WB RAM, the UC VGA hole and WP ROMs: 4 KiB pages. */
	assert_int_equal(mtrr_range_type(&m, 0, 2 * MiB), MTRR_TYPE_MIXED);
	assert_int_equal(mtrr_range_type(&m, 0, 640 * KiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 0xA0000, 128 * KiB), MTRR_TYPE_UC);
	assert_int_equal(mtrr_range_type(&m, 2 * MiB, 2 * MiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 2 * GiB - 2 * MiB, 2 * MiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 2 * GiB - 2 * MiB, 4 * MiB), MTRR_TYPE_MIXED);
	assert_int_equal(mtrr_range_type(&m, 3 * GiB, 2 * MiB), MTRR_TYPE_UC);
	assert_int_equal(mtrr_range_type(&m, 4 * GiB - 4096, 8192), MTRR_TYPE_MIXED);
	assert_int_equal(mtrr_range_type(&m, 5 * GiB, 1 * GiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 8 * GiB - 2 * MiB, 4 * MiB), MTRR_TYPE_MIXED);
}

static void test_seabios(void **state)
{
	struct mtrr_set m = seabios();

	assert_int_equal(mtrr_type_at(&m, 0xA0000), MTRR_TYPE_UC);
	assert_int_equal(mtrr_type_at(&m, 0xF0000), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 1 * MiB, 1 * MiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 2 * MiB, 510 * MiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 3 * GiB, 1 * GiB), MTRR_TYPE_UC);
	assert_int_equal(mtrr_range_type(&m, 3 * GiB - 2 * MiB, 2 * MiB), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 3 * GiB - 2 * MiB, 4 * MiB), MTRR_TYPE_MIXED);
	assert_int_equal(mtrr_range_type(&m, 4 * GiB, 2 * MiB), MTRR_TYPE_WB);
}

/* SDM Vol. 3A, "MTRR Precedences". */
static void test_precedence(void **state)
{
	struct mtrr_set m = { .present = true, .enabled = true, .def_type = MTRR_TYPE_UC,
			      .nvar = 3, .phys_bits = 36 };

	m.var[0] = (struct mtrr_var){ 0x10000000ULL | MTRR_TYPE_WB, mask_for(256 * MiB, 36) };
	m.var[1] = (struct mtrr_var){ 0x10000000ULL | MTRR_TYPE_WT, mask_for(16 * MiB, 36) };
	m.var[2] = (struct mtrr_var){ 0x18000000ULL | MTRR_TYPE_WC, mask_for(16 * MiB, 36) };
	assert_int_equal(mtrr_type_at(&m, 0x10000000ULL), MTRR_TYPE_WT);  /* WT + WB */
	assert_int_equal(mtrr_type_at(&m, 0x11000000ULL), MTRR_TYPE_WB);
	assert_int_equal(mtrr_type_at(&m, 0x18000000ULL), MTRR_TYPE_UC);  /* WC + WB: undefined */
	assert_int_equal(mtrr_type_at(&m, 0x20000000ULL), MTRR_TYPE_UC);  /* default */
	/* fixed ranges off: the first MiB follows the variable ranges / default */
	assert_int_equal(mtrr_type_at(&m, 0xA0000), MTRR_TYPE_UC);
	/* an invalid (V = 0) range is ignored */
	m.var[1].mask &= ~VALID;
	assert_int_equal(mtrr_type_at(&m, 0x10000000ULL), MTRR_TYPE_WB);
}

static void test_disabled_and_absent(void **state)
{
	struct mtrr_set m = seabios();

	m.enabled = false;
	assert_int_equal(mtrr_type_at(&m, 0x0), MTRR_TYPE_UC);
	assert_int_equal(mtrr_range_type(&m, 2 * MiB, 2 * MiB), MTRR_TYPE_UC);
	m.present = false;
	assert_int_equal(mtrr_range_type(&m, 3 * GiB, 2 * MiB), MTRR_TYPE_WB);
	m = seabios();
	m.fixed_enabled = false;   /* the first MiB falls back to the default (WB) */
	assert_int_equal(mtrr_type_at(&m, 0xA0000), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 0, 2 * MiB), MTRR_TYPE_WB);
}

/* A non-contiguous mask (legal, "not recommended" by the SDM): every other
 * 4 KiB page of 0-64 KiB... above 1 MiB here: bit 13 left out of the mask. */
static void test_noncontiguous_mask(void **state)
{
	struct mtrr_set m = { .present = true, .enabled = true, .def_type = MTRR_TYPE_WB,
			      .nvar = 1, .phys_bits = 36 };

	m.var[0] = (struct mtrr_var){ 0x200000ULL | MTRR_TYPE_UC,
				      (mask_for(16 * KiB, 36) & ~(1ULL << 13)) | VALID };
	assert_int_equal(mtrr_type_at(&m, 0x200000), MTRR_TYPE_UC);
	assert_int_equal(mtrr_type_at(&m, 0x201000), MTRR_TYPE_UC);
	assert_int_equal(mtrr_type_at(&m, 0x202000), MTRR_TYPE_UC);   /* bit 13 ignored */
	assert_int_equal(mtrr_type_at(&m, 0x204000), MTRR_TYPE_WB);
	assert_int_equal(mtrr_range_type(&m, 0x200000, 2 * MiB), MTRR_TYPE_MIXED);
	assert_int_equal(mtrr_range_type(&m, 0x400000, 2 * MiB), MTRR_TYPE_WB);
}

/* ---- random layouts against a page-by-page reference ---- */
static uint64_t rng = 0x1234567887654321ULL;
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint8_t reference(const struct mtrr_set *m, uint64_t pa, uint64_t len)
{
	uint8_t t = mtrr_type_at(m, pa);
	for (uint64_t p = pa + 4096; p < pa + len; p += 4096)
		if (mtrr_type_at(m, p) != t)
			return MTRR_TYPE_MIXED;
	return t;
}

static void test_random_layouts(void **state)
{
	static const uint8_t types[] = { MTRR_TYPE_UC, MTRR_TYPE_WC, MTRR_TYPE_WT,
					 MTRR_TYPE_WP, MTRR_TYPE_WB };
	for (int iter = 0; iter < 300; iter++) {
		struct mtrr_set m = { .present = true, .enabled = true,
				      .fixed_enabled = rnd() & 1, .phys_bits = 36,
				      .def_type = types[rnd() % 5], .nvar = rnd() % 9 };
		for (int i = 0; i < MTRR_NFIXED; i++)
			m.fixed[i] = types[rnd() % 5];
		for (unsigned i = 0; i < m.nvar; i++) {
			uint64_t size = 4096ULL << (rnd() % 16);          /* 4 KiB .. 128 MiB */
			uint64_t base = (rnd() % (256 * MiB)) & ~(size - 1);
			m.var[i] = (struct mtrr_var){ base | types[rnd() % 5], mask_for(size, 36) };
			if (rnd() % 8 == 0)
				m.var[i].mask &= ~VALID;
		}
		for (int q = 0; q < 20; q++) {
			uint64_t len = (rnd() % 2) ? 2 * MiB : 4096ULL * (1 + rnd() % 700);
			uint64_t pa = (rnd() % (260 * MiB)) & ~0xFFFULL;
			assert_int_equal(mtrr_range_type(&m, pa, len), reference(&m, pa, len));
		}
	}
}

static void test_names(void **state)
{
	assert_string_equal(mtrr_type_name(MTRR_TYPE_WB), "WB");
	assert_string_equal(mtrr_type_name(2), "??");
	assert_true(mtrr_type_valid(MTRR_TYPE_WP));
	assert_false(mtrr_type_valid(2));
	assert_false(mtrr_type_valid(7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desktop_points),
		cmocka_unit_test(test_desktop_ranges),
		cmocka_unit_test(test_seabios),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_disabled_and_absent),
		cmocka_unit_test(test_noncontiguous_mask),
		cmocka_unit_test(test_random_layouts),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
