/*
 * tests/unit/test_multiboot2.c - host unit tests for kernel/multiboot2.c
 * (through mb_parse, as the kernel calls it).
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * A 4 MiB buffer plays physical memory. Before each test, setup() builds a
 * good Multiboot2 information block as GRUB's EFI loader writes it: command
 * line, loader name, two modules, a memory map, an EFI memory map, the EFI64
 * system table, both RSDP copies and a GOP framebuffer. Each test then
 * breaks one thing (a corrupt tag, a pointer out of RAM) and checks the exact
 * message; the good block parsing cleanly is the control.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/multiboot2.h"

#define MEM_SIZE        (4 * MiB)
#define ERR_MAX         512
#define INFO_ADDR       0x10000
#define INFO_MAX        0x4000
#define MOD0_START      0x200000
#define MOD0_END        0x210000
#define MOD1_START      0x300000
#define MOD1_END        0x300123
#define EBDA_START      0x9FC00
#define VGA_HOLE        0xA0000
#define FB_ADDR         0x80000000ULL
#define EFI_SYSTAB      0x3F000018ULL

#define CMDLINE_TEXT    "tsc=percpu cpus=4"
#define MOD0_TEXT       "migrate.elf hv=1 mem=16M"
#define MOD1_TEXT       "env.txt +module"
#define LOADER_TEXT     "GRUB 2.06-13+deb12u1"

static uint8_t mem[MEM_SIZE] __attribute__((aligned(16)));
static struct phys_view view;
static struct boot_info bi;
static char err[ERR_MAX];
static uint32_t len;            /* bytes written so far at INFO_ADDR */

/* Offsets of the tags setup() wrote, for the tests to break. */
static uint32_t at_cmdline, at_mod0, at_mmap, at_efi_mmap, at_rsdp1, at_rsdp2, at_fb, at_end;

static const struct mem_range good_map[] = {
	{ 0, EBDA_START, MB_MEMORY_AVAILABLE },
	{ EBDA_START, VGA_HOLE - EBDA_START, MB_MEMORY_RESERVED },
	{ 1 * MiB, 3 * MiB, MB_MEMORY_AVAILABLE },
	{ 0xFEC00000, 0x1000, MB_MEMORY_RESERVED },
	{ 4 * GiB, 1 * GiB, MB_MEMORY_AVAILABLE },
};
#define GOOD_MAP_ENTRIES (sizeof(good_map) / sizeof(good_map[0]))

/* An OVMF-like EFI map: boot services and conventional memory side by side
 * (merged into one usable range), ACPI tables, NVS, MMIO. */
static const struct efi_memory_descriptor good_efi[] = {
	{ .type = EFI_BOOT_SERVICES_CODE, .physical_start = 0, .number_of_pages = 0x9F },
	{ .type = EFI_CONVENTIONAL_MEMORY, .physical_start = 1 * MiB, .number_of_pages = 0x100 },
	{ .type = EFI_LOADER_DATA, .physical_start = 2 * MiB, .number_of_pages = 0x200 },
	{ .type = EFI_ACPI_RECLAIM_MEMORY, .physical_start = 4 * MiB, .number_of_pages = 0x10 },
	{ .type = EFI_ACPI_MEMORY_NVS, .physical_start = 4 * MiB + 0x10000, .number_of_pages = 0x10 },
	{ .type = 11 /* MMIO */, .physical_start = 0xFFC00000, .number_of_pages = 0x400 },
};
#define GOOD_EFI_ENTRIES (sizeof(good_efi) / sizeof(good_efi[0]))
#define EFI_DESC_SIZE   48              /* OVMF's: 40 and 8 bytes of padding */

static uint32_t tag_begin(uint32_t type)
{
	uint32_t off = (uint32_t)ALIGN_UP(len, MB2_TAG_ALIGN);

	len = off + MB2_TAG_HEADER_SIZE;
	memcpy(mem + INFO_ADDR + off, &type, 4);
	return off;
}

static void put(const void *p, size_t n)
{
	memcpy(mem + INFO_ADDR + len, p, n);
	len += (uint32_t)n;
}

static void put32(uint32_t v) { put(&v, 4); }

static void tag_end(uint32_t off)
{
	uint32_t size = len - off;

	memcpy(mem + INFO_ADDR + off + 4, &size, 4);
}

static void set32(uint32_t off, uint32_t v)
{
	memcpy(mem + INFO_ADDR + off, &v, 4);
}

static uint32_t get32(uint32_t off)
{
	uint32_t v;

	memcpy(&v, mem + INFO_ADDR + off, 4);
	return v;
}

static uint32_t string_tag(uint32_t type, const char *s)
{
	uint32_t off = tag_begin(type);

	put(s, strlen(s) + 1);
	tag_end(off);
	return off;
}

static uint32_t module_tag(uint32_t start, uint32_t end, const char *s)
{
	uint32_t off = tag_begin(MB2_TAG_MODULE);

	put32(start);
	put32(end);
	put(s, strlen(s) + 1);
	tag_end(off);
	return off;
}

static uint32_t rsdp_tag(uint32_t type, uint32_t n)
{
	uint8_t rsdp[ACPI_RSDP_V2_SIZE] = "RSD PTR ";
	uint32_t off = tag_begin(type);

	rsdp[15] = type == MB2_TAG_ACPI_NEW ? 2 : 0;        /* revision */
	memcpy(rsdp + 9, type == MB2_TAG_ACPI_NEW ? "NEWOEM" : "OLDOEM", 6);
	put(rsdp, n);
	tag_end(off);
	return off;
}

static void finish_info(void)
{
	at_end = tag_begin(MB2_TAG_END);
	tag_end(at_end);
	memcpy(mem + INFO_ADDR, &len, 4);
}

/* Start over with a header and a basic memory info tag only. */
static void minimal_begin(void)
{
	len = MB2_INFO_HEADER_SIZE;
	uint32_t m = tag_begin(MB2_TAG_BASIC_MEMINFO);
	put32(639);
	put32(3 * 1024);
	tag_end(m);
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	view.base = (uintptr_t)mem;
	view.size = MEM_SIZE;
	len = MB2_INFO_HEADER_SIZE;

	at_cmdline = string_tag(MB2_TAG_CMDLINE, CMDLINE_TEXT);
	string_tag(MB2_TAG_LOADER_NAME, LOADER_TEXT);
	at_mod0 = module_tag(MOD0_START, MOD0_END, MOD0_TEXT);
	module_tag(MOD1_START, MOD1_END, MOD1_TEXT);

	at_mmap = tag_begin(MB2_TAG_MMAP);
	put32(sizeof(struct mb2_mmap_entry));
	put32(0);
	for (size_t i = 0; i < GOOD_MAP_ENTRIES; i++) {
		struct mb2_mmap_entry e = { good_map[i].base, good_map[i].len, good_map[i].type, 0 };
		put(&e, sizeof(e));
	}
	tag_end(at_mmap);

	at_efi_mmap = tag_begin(MB2_TAG_EFI_MMAP);
	put32(EFI_DESC_SIZE);
	put32(1);
	for (size_t i = 0; i < GOOD_EFI_ENTRIES; i++) {
		uint8_t d[EFI_DESC_SIZE] = { 0 };
		memcpy(d, &good_efi[i], sizeof(good_efi[i]));
		put(d, sizeof(d));
	}
	tag_end(at_efi_mmap);

	uint32_t systab = tag_begin(MB2_TAG_EFI64);
	uint64_t st = EFI_SYSTAB;
	put(&st, 8);
	tag_end(systab);

	at_rsdp1 = rsdp_tag(MB2_TAG_ACPI_OLD, ACPI_RSDP_V1_SIZE);
	at_rsdp2 = rsdp_tag(MB2_TAG_ACPI_NEW, ACPI_RSDP_V2_SIZE);

	at_fb = tag_begin(MB2_TAG_FRAMEBUFFER);
	struct mb2_tag_framebuffer fb = {
		.addr = FB_ADDR, .pitch = 1280 * 4, .width = 1280, .height = 800,
		.bpp = 32, .fb_type = MB2_FB_RGB,
	};
	put((uint8_t *)&fb + 8, sizeof(fb) - 8);
	const uint8_t rgb[] = { 16, 8, 8, 8, 0, 8 };     /* x8r8g8b8 */
	put(rgb, sizeof(rgb));
	tag_end(at_fb);

	/* A tag type the kernel does not know: skipped. */
	uint32_t unknown = tag_begin(99);
	put32(0xDEADBEEF);
	tag_end(unknown);
	finish_info();
	return 0;
}

static int parse(void)
{
	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return mb_parse(&view, MB2_BOOTLOADER_MAGIC, INFO_ADDR, &bi, err, sizeof(err));
}

static void expect_ok(void)
{
	if (parse())
		fail_msg("mb_parse failed: %s", err);
	assert_string_equal(err, "");
}

static void expect_error(const char *message)
{
	assert_int_equal(parse(), -1);
	assert_string_equal(err, message);
}

static void assert_range(const struct mem_range *r, uint64_t base, uint64_t length,
			 uint32_t type)
{
	assert_true(r->base == base);
	assert_true(r->len == length);
	assert_int_equal(r->type, type);
}

static void test_good_info(void **state)
{
	(void)state;
	expect_ok();
	assert_int_equal(bi.protocol, 2);
	assert_int_equal(bi.flags, 0);
	assert_string_equal(bi.cmdline, CMDLINE_TEXT);
	assert_string_equal(bi.loader_name, LOADER_TEXT);
	assert_int_equal(bi.nmodules, 2);
	assert_true(bi.modules[0].start == MOD0_START && bi.modules[0].end == MOD0_END);
	assert_true(bi.modules[1].start == MOD1_START && bi.modules[1].end == MOD1_END);
	assert_string_equal(bi.modules[0].cmdline, MOD0_TEXT);
	assert_string_equal(bi.modules[1].cmdline, MOD1_TEXT);

	/* Tag 6 wins; the EFI map is checked and counted. */
	assert_false(bi.map_from_efi);
	assert_int_equal(bi.efi_mmap_entries, GOOD_EFI_ENTRIES);
	assert_int_equal(bi.nranges, GOOD_MAP_ENTRIES);
	for (uint32_t i = 0; i < bi.nranges; i++)
		assert_range(&bi.ranges[i], good_map[i].base, good_map[i].len, good_map[i].type);

	/* The whole information is one reserved range. */
	assert_int_equal(bi.nreserved, 1);
	assert_range(&bi.reserved[0], INFO_ADDR, len, MB_MEMORY_RESERVED);

	/* Tag 15's RSDP copy wins over tag 14's. */
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_NEW);
	assert_int_equal(bi.rsdp_len, ACPI_RSDP_V2_SIZE);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
	assert_memory_equal(bi.rsdp + 9, "NEWOEM", 6);

	assert_true(bi.efi_system_table == EFI_SYSTAB);
	assert_int_equal(bi.fb.kind, BOOT_FB_RGB);
	assert_true(bi.fb.addr == FB_ADDR);
	assert_int_equal(bi.fb.width, 1280);
	assert_int_equal(bi.fb.height, 800);
	assert_int_equal(bi.fb.pitch, 5120);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.green_pos, 8);
	assert_int_equal(bi.fb.blue_pos, 0);
	assert_int_equal(bi.fb.blue_size, 8);
}

static void test_magic_dispatch(void **state)
{
	(void)state;
	/* The same block under the Multiboot 1 magic is read as an MB1 info struct. */
	assert_int_equal(mb_parse(&view, MB_BOOTLOADER_MAGIC, INFO_ADDR, &bi, err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, "multiboot: ", 11), 0);
	assert_int_equal(mb_parse(&view, 0x12345678, INFO_ADDR, &bi, err, sizeof(err)), -1);
	assert_string_equal(err, "multiboot: bad magic 0x12345678 in EAX (expected 0x2badb002, "
			    "or 0x36d76289 from a Multiboot2 loader)");
}

static void test_header_checks(void **state)
{
	(void)state;
	assert_int_equal(mb_parse(&view, MB2_BOOTLOADER_MAGIC, INFO_ADDR + 4, &bi, err,
				  sizeof(err)), -1);
	assert_string_equal(err, "multiboot2: information at 0x10004 is not 8-byte aligned");
	assert_int_equal(mb_parse(&view, MB2_BOOTLOADER_MAGIC, 0, &bi, err, sizeof(err)), -1);
	assert_string_equal(err, "multiboot2: information header at address 0");
	assert_int_equal(mb_parse(&view, MB2_BOOTLOADER_MAGIC, MEM_SIZE, &bi, err, sizeof(err)), -1);
	assert_string_equal(err, "multiboot2: information header [0x400000, +0x8) lies outside "
			    "memory (size 0x400000)");
	set32(0, 8);
	expect_error("multiboot2: total_size 8 < 16 (the header and an end tag)");
	set32(0, MEM_SIZE);
	expect_error("multiboot2: information [0x10000, +0x400000) lies outside memory "
		     "(size 0x400000)");
}

static void test_corrupt_tag_size(void **state)
{
	(void)state;
	set32(at_cmdline + 4, 4);
	expect_error("multiboot2: tag 0 (type 1, command line) at offset 8: size 4 < 8");
	set32(at_cmdline + 4, len);
	expect_error("multiboot2: tag 0 (type 1, command line) at offset 8: size 752 runs past "
		     "total_size 752");
}

static void test_no_end_tag(void **state)
{
	(void)state;
	/* total_size ends right before the end tag. */
	set32(0, at_end);
	expect_error("multiboot2: no end tag within total_size 744");
	set32(0, at_end + 4);
	expect_error("multiboot2: tag 11 at offset 744: only 4 bytes left of total_size 748");
	set32(0, len);
	set32(at_end + 4, 16);
	expect_error("multiboot2: tag 11 (type 0, end) at offset 744: size 16 runs past "
		     "total_size 752");
	set32(at_end + 4, 0);
	expect_error("multiboot2: tag 11 (type 0, end) at offset 744: size 0 < 8");
}

static void test_tags_after_end_ignored(void **state)
{
	(void)state;
	/* A garbage tag after the end tag, inside total_size: never read. */
	set32(at_end + 8, 1);
	set32(at_end + 12, 2);
	set32(0, len + 16);
	expect_ok();
}

static void test_duplicate_tag(void **state)
{
	(void)state;
	/* Turn the loader name into a second command line. */
	set32(at_cmdline + ALIGN_UP(get32(at_cmdline + 4), 8), MB2_TAG_CMDLINE);
	expect_error("multiboot2: tag type 1 (command line) given twice (offsets 8 and 40)");
}

static void test_string_not_terminated(void **state)
{
	uint32_t size = get32(at_cmdline + 4);

	(void)state;
	mem[INFO_ADDR + at_cmdline + size - 1] = 'x';
	expect_error("multiboot2: command line in the tag at offset 8 is not NUL-terminated "
		     "within the tag's 26 bytes");
	mem[INFO_ADDR + at_cmdline + size - 1] = '\0';
	mem[INFO_ADDR + at_mod0 + get32(at_mod0 + 4) - 1] = 'x';
	expect_error("multiboot2: module 0 string in the tag at offset 72 is not NUL-terminated "
		     "within the tag's 41 bytes");
}

static void test_long_cmdline(void **state)
{
	char big[MB_CMDLINE_MAX + 1];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	len = MB2_INFO_HEADER_SIZE;
	string_tag(MB2_TAG_CMDLINE, big);
	uint32_t m = tag_begin(MB2_TAG_BASIC_MEMINFO);
	put32(639);
	put32(3 * 1024);
	tag_end(m);
	finish_info();
	expect_error("multiboot2: command line in the tag at offset 8 is 1024 bytes long, at most "
		     "1023 supported");
	big[MB_CMDLINE_MAX - 1] = '\0';
	len = MB2_INFO_HEADER_SIZE;
	string_tag(MB2_TAG_CMDLINE, big);
	m = tag_begin(MB2_TAG_BASIC_MEMINFO);
	put32(639);
	put32(3 * 1024);
	tag_end(m);
	finish_info();
	expect_ok();
	assert_int_equal(strlen(bi.cmdline), MB_CMDLINE_MAX - 1);
	/* Basic memory info alone makes the map. */
	assert_int_equal(bi.nranges, 2);
	assert_range(&bi.ranges[1], 1 * MiB, 3 * MiB, MB_MEMORY_AVAILABLE);
}

static void test_mmap_corrupt(void **state)
{
	(void)state;
	set32(at_mmap + 8, 20);
	expect_error("multiboot2: memory map tag: entry_size 20 (must be a multiple of 8, >= 24)");
	set32(at_mmap + 8, 32);
	expect_error("multiboot2: memory map tag: 120 bytes of entries are not a whole number of "
		     "32-byte entries");
	minimal_begin();
	uint32_t m = tag_begin(MB2_TAG_MMAP);
	put32(24);
	put32(0);
	tag_end(m);
	finish_info();
	expect_error("multiboot2: memory map tag has no entries");
}

static void test_efi_map_used_without_tag_6(void **state)
{
	(void)state;
	set32(at_mmap, 77);     /* now an unknown tag type */
	expect_ok();
	assert_true(bi.map_from_efi);
	assert_int_equal(bi.efi_mmap_entries, GOOD_EFI_ENTRIES);
	/* boot services [0, 0x9F000), then conventional + loader data merged */
	assert_int_equal(bi.nranges, 5);
	assert_range(&bi.ranges[0], 0, 0x9F000, MB_MEMORY_AVAILABLE);
	assert_range(&bi.ranges[1], 1 * MiB, 3 * MiB, MB_MEMORY_AVAILABLE);
	assert_range(&bi.ranges[2], 4 * MiB, 0x10000, 3);
	assert_range(&bi.ranges[3], 4 * MiB + 0x10000, 0x10000, 4);
	assert_range(&bi.ranges[4], 0xFFC00000, 4 * MiB, MB_MEMORY_RESERVED);
}

static void test_efi_map_corrupt(void **state)
{
	(void)state;
	set32(at_efi_mmap + 8, 36);
	expect_error("multiboot2: EFI memory map tag: descriptor size 36 (must be a multiple of 8, "
		     ">= 40)");
	set32(at_efi_mmap + 8, 40);
	expect_error("multiboot2: EFI memory map tag: 288 bytes of descriptors are not a whole "
		     "number of 40-byte descriptors");
	set32(at_efi_mmap + 8, EFI_DESC_SIZE);
	/* descriptor 2's page count wraps */
	uint64_t pages = UINT64_MAX / 4096 + 1;
	memcpy(mem + INFO_ADDR + at_efi_mmap + 16 + 2 * EFI_DESC_SIZE + 24, &pages, 8);
	expect_error("multiboot2: EFI memory descriptor 2: 4503599627370496 pages overflow 64 bits");
	pages = 0x100;
	uint64_t base = UINT64_MAX - 0xFFF;
	memcpy(mem + INFO_ADDR + at_efi_mmap + 16 + 2 * EFI_DESC_SIZE + 24, &pages, 8);
	memcpy(mem + INFO_ADDR + at_efi_mmap + 16 + 2 * EFI_DESC_SIZE + 8, &base, 8);
	expect_error("multiboot2: EFI memory descriptor 2 (base 0xfffffffffffff000, 256 pages) "
		     "wraps past 2^64");
}

static void test_no_memory_map(void **state)
{
	(void)state;
	set32(at_mmap, 77);
	set32(at_efi_mmap, 78);
	expect_error("multiboot2: no memory map (no tag 6, 17 or 4)");
}

static void test_info_not_in_ram(void **state)
{
	(void)state;
	/* The map says the information's pages are reserved. */
	struct mb2_mmap_entry e = { 0, 0x10000, MB_MEMORY_AVAILABLE, 0 };
	memcpy(mem + INFO_ADDR + at_mmap + 16, &e, sizeof(e));
	e = (struct mb2_mmap_entry){ 0x10000, 0x1000, MB_MEMORY_RESERVED, 0 };
	memcpy(mem + INFO_ADDR + at_mmap + 16 + 24, &e, sizeof(e));
	expect_error("multiboot2: information [0x10000, 0x102f0) is not in usable RAM");
}

static void test_module_checks(void **state)
{
	(void)state;
	set32(at_mod0 + 12, MOD0_START - 1);
	expect_error("multiboot2: module 0 (end 0x1fffff < start 0x200000)");
	set32(at_mod0 + 12, MOD0_START);
	expect_error("multiboot2: module 0 is empty (start = end = 0x200000)");
	set32(at_mod0 + 8, EBDA_START - 0x100);
	set32(at_mod0 + 12, EBDA_START + 0x100);
	expect_error("multiboot2: module 0 [0x9fb00, 0x9fd00) is not in usable RAM");
	set32(at_mod0 + 8, INFO_ADDR);
	set32(at_mod0 + 12, INFO_ADDR + 0x100);
	expect_error("multiboot2: module 0 [0x10000, 0x10100) overlaps the information "
		     "[0x10000, 0x102f0)");
	set32(at_mod0 + 8, MOD1_START);
	set32(at_mod0 + 12, MOD1_START + 1);
	expect_error("multiboot2: modules 0 [0x300000, 0x300001) and 1 [0x300000, 0x300123) "
		     "overlap");
	/* A module tag with no room for its string's NUL. */
	minimal_begin();
	uint32_t m = tag_begin(MB2_TAG_MODULE);
	put32(MOD0_START);
	put32(MOD0_END);
	tag_end(m);
	finish_info();
	expect_error("multiboot2: module 0 tag: size 16 < 17");
}

static void test_too_many_modules(void **state)
{
	(void)state;
	len = MB2_INFO_HEADER_SIZE;
	uint32_t m = tag_begin(MB2_TAG_BASIC_MEMINFO);
	put32(639);
	put32(3 * 1024);
	tag_end(m);
	for (uint32_t i = 0; i < MB_MAX_MODULES; i++)
		module_tag(MOD0_START + i * 0x1000, MOD0_START + (i + 1) * 0x1000, "g");
	finish_info();
	expect_ok();
	assert_int_equal(bi.nmodules, MB_MAX_MODULES);
	len -= 8;
	module_tag(MOD1_START, MOD1_END, "one too many");
	finish_info();
	expect_error("multiboot2: more than 16 modules");
}

static void test_rsdp_tags(void **state)
{
	(void)state;
	/* Only tag 14: its 20 bytes. */
	set32(at_rsdp2, 77);
	expect_ok();
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_OLD);
	assert_int_equal(bi.rsdp_len, ACPI_RSDP_V1_SIZE);
	assert_memory_equal(bi.rsdp + 9, "OLDOEM", 6);
	/* Neither: no RSDP (the kernel then scans the BIOS area). */
	set32(at_rsdp1, 78);
	expect_ok();
	assert_int_equal(bi.rsdp_tag, 0);
	/* Corrupt: short, or not an RSDP. */
	set32(at_rsdp2, MB2_TAG_ACPI_NEW);
	mem[INFO_ADDR + at_rsdp2 + 8] = 'X';
	expect_error("multiboot2: tag 15 (ACPI 2.0 RSDP) does not start with \"RSD PTR \"");
	mem[INFO_ADDR + at_rsdp2 + 8] = 'R';
	set32(at_rsdp1, MB2_TAG_ACPI_OLD);
	mem[INFO_ADDR + at_rsdp1 + 9] = 'Y';
	expect_error("multiboot2: tag 14 (ACPI 1.0 RSDP) does not start with \"RSD PTR \"");
	/* A tag 15 too short for an ACPI 2.0 RSDP. */
	minimal_begin();
	rsdp_tag(MB2_TAG_ACPI_NEW, ACPI_RSDP_V1_SIZE);
	finish_info();
	expect_error("multiboot2: tag 15 (ACPI 2.0 RSDP): size 28 < 44");
}

static void test_framebuffer_checks(void **state)
{
	(void)state;
	set32(at_fb + 16, 1000);                   /* pitch < 1280 * 4 */
	expect_error("multiboot2: framebuffer tag: pitch 1000 < width 1280 x 4 bytes per pixel");
	set32(at_fb + 16, 5120);
	mem[INFO_ADDR + at_fb + 28] = 12;          /* bpp */
	expect_error("multiboot2: framebuffer tag: RGB with 12 bits per pixel (15, 16, 24 or 32 "
		     "supported)");
	mem[INFO_ADDR + at_fb + 28] = 32;
	mem[INFO_ADDR + at_fb + 32] = 28;          /* red position 28, size 8 */
	expect_error("multiboot2: framebuffer tag: colour field 0 (position 28, size 8) does not "
		     "fit 32 bits per pixel");
	mem[INFO_ADDR + at_fb + 32] = 16;
	mem[INFO_ADDR + at_fb + 29] = 7;
	expect_error("multiboot2: framebuffer tag: unknown framebuffer type 7");
	/* EGA text, as GRUB gives it on a BIOS machine in text mode. */
	mem[INFO_ADDR + at_fb + 29] = MB2_FB_EGA_TEXT;
	uint64_t vga = 0xB8000;
	memcpy(mem + INFO_ADDR + at_fb + 8, &vga, 8);
	set32(at_fb + 16, 160);
	set32(at_fb + 20, 80);
	set32(at_fb + 24, 25);
	mem[INFO_ADDR + at_fb + 28] = 16;
	expect_ok();
	assert_int_equal(bi.fb.kind, BOOT_FB_EGA_TEXT);
	assert_true(bi.fb.addr == 0xB8000);
	assert_int_equal(bi.fb.width, 80);
	set32(at_fb + 24, 0);
	expect_error("multiboot2: framebuffer tag: 80x0, pitch 160: empty");
	/* A tag cut before its fixed part ends. */
	minimal_begin();
	uint32_t f = tag_begin(MB2_TAG_FRAMEBUFFER);
	put32(0);
	put32(0);
	put32(0);
	put32(0);
	tag_end(f);
	finish_info();
	expect_error("multiboot2: framebuffer tag: size 24 < 32");
}

static void test_error_buffer(void **state)
{
	char small[16];

	(void)state;
	set32(0, 8);
	memset(small, 'X', sizeof(small));
	assert_int_equal(mb_parse(&view, MB2_BOOTLOADER_MAGIC, INFO_ADDR, &bi, small, 14), -1);
	assert_string_equal(small, "multiboot2: t");
	assert_int_equal(small[14], 'X');
	assert_int_equal(mb_parse(&view, MB2_BOOTLOADER_MAGIC, INFO_ADDR, &bi, NULL, 0), -1);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_info),
		T(test_magic_dispatch),
		T(test_header_checks),
		T(test_corrupt_tag_size),
		T(test_no_end_tag),
		T(test_tags_after_end_ignored),
		T(test_duplicate_tag),
		T(test_string_not_terminated),
		T(test_long_cmdline),
		T(test_mmap_corrupt),
		T(test_efi_map_used_without_tag_6),
		T(test_efi_map_corrupt),
		T(test_no_memory_map),
		T(test_info_not_in_ram),
		T(test_module_checks),
		T(test_too_many_modules),
		T(test_rsdp_tags),
		T(test_framebuffer_checks),
		T(test_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
