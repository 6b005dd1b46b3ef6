/*
 * tests/unit/test_multiboot.c - host unit tests for kernel/multiboot.c.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * A 4 MiB buffer plays physical memory (struct phys_view). Before each test,
 * setup() writes a good Multiboot info there, as GRUB would: a memory map,
 * a command line, two modules with strings and a loader name. Each test then
 * breaks one thing and checks the exact message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/multiboot.h"

#define MEM_SIZE        (4 * MiB)
#define ERR_MAX         512

/* Where setup() puts things in the fake memory. */
#define MMAP_ADDR       0x8000
#define INFO_ADDR       0x10000
#define CMDLINE_ADDR    0x11000
#define MODS_ADDR       0x12000
#define MOD0_STR_ADDR   0x13000
#define MOD1_STR_ADDR   0x13100
#define LOADER_ADDR     0x14000
#define MOD0_START      0x200000
#define MOD0_END        0x210000
#define MOD1_START      0x300000
#define MOD1_END        0x300123

#define EBDA_START      0x9FC00     /* end of conventional RAM in the fake map */
#define VGA_HOLE        0xA0000     /* in no map entry at all */
#define BIOS_START      0xF0000
#define MMAP_ENTRY_SIZE 24          /* size 20 + the size field */

#define CMDLINE_TEXT    "/boot/chronovisor.elf tsc=none"
#define MOD0_TEXT       "/boot/guest.elf mem=64M"
#define MOD1_TEXT       "env"
#define LOADER_TEXT     "GRUB 2.06"

static uint8_t mem[MEM_SIZE] __attribute__((aligned(16)));
static struct phys_view view;
static struct mb_info info;
static struct boot_info bi;
static char err[ERR_MAX];

/* The map setup() writes, deliberately unsorted, with two adjacent RAM entries. */
static const struct mem_range good_map[] = {
	{ 1 * MiB, 2 * MiB, MB_MEMORY_AVAILABLE },
	{ 3 * MiB, 1 * MiB, MB_MEMORY_AVAILABLE },
	{ 0, EBDA_START, MB_MEMORY_AVAILABLE },
	{ EBDA_START, VGA_HOLE - EBDA_START, MB_MEMORY_RESERVED },
	{ BIOS_START, 1 * MiB - BIOS_START, MB_MEMORY_RESERVED },
	{ 4 * GiB, 1 * GiB, MB_MEMORY_AVAILABLE },
};
#define GOOD_MAP_ENTRIES (sizeof(good_map) / sizeof(good_map[0]))

static void put32(uint64_t addr, uint32_t v)
{
	memcpy(mem + addr, &v, sizeof(v));
}

static void put_string(uint64_t addr, const char *s)
{
	memcpy(mem + addr, s, strlen(s) + 1);
}

/* One mmap entry with the given 'size' field (20 for a plain entry). */
static void put_mmap_entry(uint64_t addr, uint32_t size, const struct mem_range *r)
{
	struct mb_mmap_entry e = {
		.size = size, .base_addr = r->base, .length = r->len, .type = r->type,
	};

	memcpy(mem + addr, &e, sizeof(e));
}

static void write_mmap(const struct mem_range *map, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_mmap_entry(MMAP_ADDR + i * MMAP_ENTRY_SIZE, MB_MMAP_ENTRY_MIN_SIZE, &map[i]);
	info.flags |= MB_INFO_MEM_MAP;
	info.mmap_addr = MMAP_ADDR;
	info.mmap_length = (uint32_t)(n * MMAP_ENTRY_SIZE);
}

static void put_module(uint32_t index, uint32_t start, uint32_t end, uint32_t string)
{
	struct mb_module_entry e = { .mod_start = start, .mod_end = end, .string = string };

	memcpy(mem + MODS_ADDR + index * sizeof(e), &e, sizeof(e));
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	memset(&info, 0, sizeof(info));
	view.base = (uintptr_t)mem;
	view.size = MEM_SIZE;

	write_mmap(good_map, GOOD_MAP_ENTRIES);
	info.flags |= MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_BOOT_LOADER_NAME;
	info.cmdline = CMDLINE_ADDR;
	put_string(CMDLINE_ADDR, CMDLINE_TEXT);
	info.mods_count = 2;
	info.mods_addr = MODS_ADDR;
	put_module(0, MOD0_START, MOD0_END, MOD0_STR_ADDR);
	put_module(1, MOD1_START, MOD1_END, MOD1_STR_ADDR);
	put_string(MOD0_STR_ADDR, MOD0_TEXT);
	put_string(MOD1_STR_ADDR, MOD1_TEXT);
	info.boot_loader_name = LOADER_ADDR;
	put_string(LOADER_ADDR, LOADER_TEXT);
	return 0;
}

/* Store info at INFO_ADDR and parse it. */
static int parse_info(void)
{
	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	memcpy(mem + INFO_ADDR, &info, sizeof(info));
	return mb_parse(&view, MB_BOOTLOADER_MAGIC, INFO_ADDR, &bi, err, sizeof(err));
}

static void expect_ok(void)
{
	int rc = parse_info();

	if (rc)
		fail_msg("mb_parse failed: %s", err);
	assert_string_equal(err, "");
}

static void expect_error(const char *message)
{
	assert_int_equal(parse_info(), -1);
	assert_string_equal(err, message);
}

static void assert_range(const struct mem_range *r, uint64_t base, uint64_t len)
{
	assert_true(r->base == base);
	assert_true(r->len == len);
}

static void test_good_info(void **state)
{
	(void)state;
	expect_ok();
	assert_int_equal(bi.flags, info.flags);
	assert_string_equal(bi.cmdline, CMDLINE_TEXT);
	assert_string_equal(bi.loader_name, LOADER_TEXT);

	/* The map, sorted by base, types as given. */
	assert_int_equal(bi.nranges, GOOD_MAP_ENTRIES);
	for (uint32_t i = 1; i < bi.nranges; i++)
		assert_true(bi.ranges[i - 1].base < bi.ranges[i].base);
	assert_range(&bi.ranges[0], 0, EBDA_START);
	assert_int_equal(bi.ranges[1].type, MB_MEMORY_RESERVED);
	assert_range(&bi.ranges[3], 1 * MiB, 2 * MiB);
	assert_range(&bi.ranges[5], 4 * GiB, 1 * GiB);

	assert_int_equal(bi.nmodules, 2);
	assert_true(bi.modules[0].start == MOD0_START && bi.modules[0].end == MOD0_END);
	assert_true(bi.modules[1].start == MOD1_START && bi.modules[1].end == MOD1_END);
	assert_string_equal(bi.modules[0].cmdline, MOD0_TEXT);
	assert_string_equal(bi.modules[1].cmdline, MOD1_TEXT);

	/* Every Multiboot structure, strings with their NUL; not the modules. */
	assert_int_equal(bi.nreserved, 7);
	assert_range(&bi.reserved[0], INFO_ADDR, sizeof(struct mb_info));
	assert_range(&bi.reserved[1], MMAP_ADDR, GOOD_MAP_ENTRIES * MMAP_ENTRY_SIZE);
	assert_range(&bi.reserved[2], CMDLINE_ADDR, sizeof(CMDLINE_TEXT));
	assert_range(&bi.reserved[3], MODS_ADDR, 2 * sizeof(struct mb_module_entry));
	assert_range(&bi.reserved[4], MOD0_STR_ADDR, sizeof(MOD0_TEXT));
	assert_range(&bi.reserved[5], MOD1_STR_ADDR, sizeof(MOD1_TEXT));
	assert_range(&bi.reserved[6], LOADER_ADDR, sizeof(LOADER_TEXT));
}

static void test_bad_magic(void **state)
{
	(void)state;
	memcpy(mem + INFO_ADDR, &info, sizeof(info));
	assert_int_equal(mb_parse(&view, 0x1BADB002, INFO_ADDR, &bi, err, sizeof(err)), -1);
	assert_string_equal(err, "multiboot: bad magic 0x1badb002 in EAX (expected 0x2badb002, "
			    "or 0x36d76289 from a Multiboot2 loader)");
}

static void test_info_outside_memory(void **state)
{
	(void)state;
	assert_int_equal(mb_parse(&view, MB_BOOTLOADER_MAGIC, MEM_SIZE - 10, &bi, err,
				  sizeof(err)), -1);
	assert_string_equal(err, "multiboot: info struct [0x3ffff6, +0x58) lies outside memory "
			    "(size 0x400000)");
	assert_int_equal(mb_parse(&view, MB_BOOTLOADER_MAGIC, UINT32_MAX, &bi, err,
				  sizeof(err)), -1);
	assert_int_equal(mb_parse(&view, MB_BOOTLOADER_MAGIC, 0, &bi, err, sizeof(err)), -1);
	assert_string_equal(err, "multiboot: info struct at address 0");
	/* The last 88 bytes of memory are fine. */
	memcpy(mem + MEM_SIZE - sizeof(info), &info, sizeof(info));
	assert_int_equal(mb_parse(&view, MB_BOOTLOADER_MAGIC, MEM_SIZE - sizeof(info), &bi,
				  err, sizeof(err)), 0);
}

static void test_no_memory_map(void **state)
{
	(void)state;
	info.flags &= ~(uint32_t)MB_INFO_MEM_MAP;
	expect_error("multiboot: no memory map (flags 0x20c have neither bit 0 nor bit 6)");
}

static void test_mem_lower_upper_only(void **state)
{
	(void)state;
	info.flags &= ~(uint32_t)MB_INFO_MEM_MAP;
	info.flags |= MB_INFO_MEMORY;
	info.mem_lower = 639;
	info.mem_upper = 3 * 1024;
	expect_ok();
	assert_int_equal(bi.nranges, 2);
	assert_range(&bi.ranges[0], 0, 639 * KiB);
	assert_range(&bi.ranges[1], 1 * MiB, 3 * MiB);
	assert_int_equal(bi.ranges[0].type, MB_MEMORY_AVAILABLE);
	assert_int_equal(bi.ranges[1].type, MB_MEMORY_AVAILABLE);
	assert_int_equal(bi.nreserved, 6);      /* no memory map to keep */
	assert_int_equal(bi.nmodules, 2);

	/* Flag 6 wins over flag 0 when both are set. */
	info.flags |= MB_INFO_MEM_MAP;
	expect_ok();
	assert_int_equal(bi.nranges, GOOD_MAP_ENTRIES);

	info.flags &= ~(uint32_t)MB_INFO_MEM_MAP;
	info.mem_lower = 0;
	info.mem_upper = 0;
	expect_error("multiboot: memory map has no usable RAM (0 entries)");
}

static void test_mmap_empty(void **state)
{
	(void)state;
	info.mmap_length = 0;
	expect_error("multiboot: memory map is empty (flag 6 set, mmap_length 0)");
}

static void test_mmap_entry_too_small(void **state)
{
	(void)state;
	put32(MMAP_ADDR + 2 * MMAP_ENTRY_SIZE, 16);
	expect_error("multiboot: memory map entry 2 at offset 48: size 16 < 20");
}

static void test_mmap_length_not_whole(void **state)
{
	(void)state;
	/* Two bytes after the last entry: not even a size field. */
	info.mmap_length += 2;
	expect_error("multiboot: memory map entry 6 at offset 144: only 2 bytes left of "
		     "mmap_length 146");
	/* A size field that promises more than mmap_length holds. */
	info.mmap_length += 8;
	put32(MMAP_ADDR + 6 * MMAP_ENTRY_SIZE, MB_MMAP_ENTRY_MIN_SIZE);
	expect_error("multiboot: memory map entry 6 at offset 144 (size 20) runs past "
		     "mmap_length 154");
	/* The last entry cut short by mmap_length. */
	info.mmap_length = 6 * MMAP_ENTRY_SIZE - 4;
	expect_error("multiboot: memory map entry 5 at offset 120 (size 20) runs past "
		     "mmap_length 140");
}

static void test_mmap_outside_memory(void **state)
{
	(void)state;
	info.mmap_addr = MEM_SIZE - 100;
	expect_error("multiboot: memory map [0x3fff9c, +0x90) lies outside memory "
		     "(size 0x400000)");
	info.mmap_addr = UINT32_MAX - 10;
	info.mmap_length = UINT32_MAX;
	expect_error("multiboot: memory map [0xfffffff5, +0xffffffff) lies outside memory "
		     "(size 0x400000)");
}

static void test_mmap_too_many_entries(void **state)
{
	struct mem_range map[MB_MAX_RANGES + 1];

	(void)state;
	for (size_t i = 0; i < MB_MAX_RANGES + 1; i++)
		map[i] = (struct mem_range){ 4 * GiB + i * PAGE_SIZE, PAGE_SIZE,
					     MB_MEMORY_RESERVED };
	map[0] = good_map[0];
	map[1] = good_map[1];
	map[2] = good_map[2];
	write_mmap(map, MB_MAX_RANGES);
	expect_ok();
	assert_int_equal(bi.nranges, MB_MAX_RANGES);
	write_mmap(map, MB_MAX_RANGES + 1);
	expect_error("multiboot: memory map has more than 128 entries");
}

static void test_mmap_entry_wraps(void **state)
{
	struct mem_range map[GOOD_MAP_ENTRIES + 1];

	(void)state;
	memcpy(map, good_map, sizeof(good_map));
	map[GOOD_MAP_ENTRIES] = (struct mem_range){ UINT64_MAX - 0xFFF, 0x2000,
						     MB_MEMORY_RESERVED };
	write_mmap(map, GOOD_MAP_ENTRIES + 1);
	expect_error("multiboot: memory map entry 6 (base 0xfffffffffffff000 length 0x2000) "
		     "wraps past 2^64");
	/* Ending exactly at 2^64 is still unrepresentable as an exclusive end. */
	map[GOOD_MAP_ENTRIES].len = 0x1000;
	write_mmap(map, GOOD_MAP_ENTRIES + 1);
	expect_error("multiboot: memory map entry 6 (base 0xfffffffffffff000 length 0x1000) "
		     "wraps past 2^64");
}

static void test_mmap_larger_entries_and_empty_ones(void **state)
{
	/* 'size' 24: entries with ACPI 3.0 extended attributes, 28 bytes apart. */
	const uint32_t size = MB_MMAP_ENTRY_MIN_SIZE + 4;
	const struct mem_range empty = { 0x500000, 0, MB_MEMORY_AVAILABLE };
	uint64_t addr = MMAP_ADDR;

	(void)state;
	for (size_t i = 0; i < GOOD_MAP_ENTRIES; i++) {
		put_mmap_entry(addr, size, &good_map[i]);
		addr += sizeof(uint32_t) + size;
		if (i == 2) {
			put_mmap_entry(addr, size, &empty);   /* dropped */
			addr += sizeof(uint32_t) + size;
		}
	}
	info.mmap_length = (uint32_t)(addr - MMAP_ADDR);
	expect_ok();
	assert_int_equal(bi.nranges, GOOD_MAP_ENTRIES);
	assert_range(&bi.ranges[0], 0, EBDA_START);
	assert_range(&bi.reserved[1], MMAP_ADDR, addr - MMAP_ADDR);
}

static void test_no_usable_ram(void **state)
{
	const struct mem_range map[] = {
		{ 0, 16 * MiB, MB_MEMORY_RESERVED },
		{ 16 * MiB, 16 * MiB, 3 },      /* ACPI reclaimable is not RAM to us */
	};

	(void)state;
	write_mmap(map, 2);
	expect_error("multiboot: memory map has no usable RAM (2 entries)");
}

static void test_module_end_before_start(void **state)
{
	(void)state;
	put_module(1, MOD1_START, MOD1_START - 1, MOD1_STR_ADDR);
	expect_error("multiboot: module 1 (end 0x2fffff < start 0x300000)");
}

static void test_module_empty(void **state)
{
	(void)state;
	put_module(0, MOD0_START, MOD0_START, MOD0_STR_ADDR);
	expect_error("multiboot: module 0 is empty (start = end = 0x200000)");
}

static void test_modules_overlap(void **state)
{
	(void)state;
	put_module(1, MOD0_END - PAGE_SIZE, MOD1_END, MOD1_STR_ADDR);
	expect_error("multiboot: modules 0 [0x200000, 0x210000) and 1 [0x20f000, 0x300123) "
		     "overlap");
	/* Touching is fine: ends are exclusive. */
	put_module(1, MOD0_END, MOD1_END, MOD1_STR_ADDR);
	expect_ok();
}

static void test_module_overlaps_structures(void **state)
{
	(void)state;
	put_module(0, INFO_ADDR, INFO_ADDR + 0x8000, MOD0_STR_ADDR);
	expect_error("multiboot: module 0 [0x10000, 0x18000) overlaps the info struct "
		     "[0x10000, 0x10058)");
	put_module(0, MOD1_STR_ADDR, MOD1_STR_ADDR + 1, 0);
	expect_error("multiboot: module 0 [0x13100, 0x13101) overlaps the module 1 string "
		     "[0x13100, 0x13104)");
}

static void test_module_outside_ram(void **state)
{
	(void)state;
	/* Across the end of conventional RAM into the EBDA. */
	put_module(0, EBDA_START - PAGE_SIZE, EBDA_START + 1, MOD0_STR_ADDR);
	expect_error("multiboot: module 0 [0x9ec00, 0x9fc01) is not in usable RAM");
	/* Past the end of the RAM below 4 GiB. */
	put_module(0, MEM_SIZE - PAGE_SIZE, MEM_SIZE + 1, MOD0_STR_ADDR);
	expect_error("multiboot: module 0 [0x3ff000, 0x400001) is not in usable RAM");
	/* Up to the very end is fine. */
	put_module(0, MEM_SIZE - PAGE_SIZE, MEM_SIZE, MOD0_STR_ADDR);
	expect_ok();
}

static void test_too_many_modules(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < MB_MAX_MODULES; i++)
		put_module(i, MOD0_START + i * PAGE_SIZE, MOD0_START + (i + 1) * PAGE_SIZE, 0);
	info.mods_count = MB_MAX_MODULES;
	expect_ok();
	assert_int_equal(bi.nmodules, MB_MAX_MODULES);
	assert_string_equal(bi.modules[15].cmdline, "");
	info.mods_count = MB_MAX_MODULES + 1;
	expect_error("multiboot: 17 modules, at most 16 supported");
}

static void test_module_list_pointer(void **state)
{
	(void)state;
	info.mods_addr = VGA_HOLE;
	expect_error("multiboot: module list [0xa0000, 0xa0020) is not in usable RAM");
	info.mods_addr = UINT32_MAX - 15;
	expect_error("multiboot: module list [0xfffffff0, +0x20) lies outside memory "
		     "(size 0x400000)");
	/* Without flag 3, or with no modules, the list is never looked at. */
	info.flags &= ~(uint32_t)MB_INFO_MODS;
	expect_ok();
	assert_int_equal(bi.nmodules, 0);
	info.flags |= MB_INFO_MODS;
	info.mods_count = 0;
	expect_ok();
	assert_int_equal(bi.nmodules, 0);
	assert_int_equal(bi.nreserved, 4);
}

static void test_string_not_terminated(void **state)
{
	(void)state;
	memset(mem + CMDLINE_ADDR, 'a', MB_CMDLINE_MAX);
	expect_error("multiboot: command line at 0x11000 is not NUL-terminated within "
		     "1024 bytes");
	/* The longest string that fits: 1023 characters and the NUL. */
	mem[CMDLINE_ADDR + MB_CMDLINE_MAX - 1] = '\0';
	expect_ok();
	assert_int_equal(strlen(bi.cmdline), MB_CMDLINE_MAX - 1);
	assert_range(&bi.reserved[2], CMDLINE_ADDR, MB_CMDLINE_MAX);
}

static void test_string_runs_out_of_ram(void **state)
{
	(void)state;
	/* "abcd" right before the EBDA; the NUL after it is not in RAM and
	 * must not be read. */
	memcpy(mem + EBDA_START - 4, "abcd", 4);
	info.cmdline = EBDA_START - 4;
	expect_error("multiboot: command line at 0x9fbfc runs out of usable RAM after "
		     "4 bytes without a NUL");
}

static void test_string_pointer_outside_ram(void **state)
{
	(void)state;
	info.cmdline = VGA_HOLE;
	expect_error("multiboot: command line at 0xa0000 is not in usable RAM");
	info.cmdline = CMDLINE_ADDR;
	put_module(1, MOD1_START, MOD1_END, BIOS_START);
	expect_error("multiboot: module 1 string at 0xf0000 is not in usable RAM");
	put_module(1, MOD1_START, MOD1_END, MOD1_STR_ADDR);
	info.boot_loader_name = UINT32_MAX;
	expect_error("multiboot: boot loader name at 0xffffffff is not in usable RAM");
}

static void test_string_outside_view(void **state)
{
	/* The map claims RAM up to 8 MiB, but only 4 MiB can be read. */
	const struct mem_range map[] = {
		{ 0, EBDA_START, MB_MEMORY_AVAILABLE },
		{ 1 * MiB, 7 * MiB, MB_MEMORY_AVAILABLE },
	};

	(void)state;
	write_mmap(map, 2);
	info.cmdline = 5 * MiB;
	expect_error("multiboot: command line at 0x500000 lies outside memory (size 0x400000)");
	memcpy(mem + MEM_SIZE - 3, "abc", 3);
	info.cmdline = MEM_SIZE - 3;
	expect_error("multiboot: command line at 0x3ffffd runs past the end of memory "
		     "without a NUL");
}

static void test_missing_strings(void **state)
{
	(void)state;
	/* Address 0 means no string: "" and nothing reserved. */
	info.cmdline = 0;
	put_module(0, MOD0_START, MOD0_END, 0);
	info.boot_loader_name = 0;
	expect_ok();
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.modules[0].cmdline, "");
	assert_string_equal(bi.loader_name, "");
	assert_int_equal(bi.nreserved, 4);      /* info, map, module list, module 1 string */

	/* Flags clear: the fields are ignored whatever they hold. */
	info.flags &= ~(uint32_t)(MB_INFO_CMDLINE | MB_INFO_BOOT_LOADER_NAME);
	info.cmdline = VGA_HOLE;
	info.boot_loader_name = VGA_HOLE;
	expect_ok();
	assert_string_equal(bi.cmdline, "");
}

static void test_long_loader_name(void **state)
{
	char name[101];

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	put_string(LOADER_ADDR, name);
	expect_ok();
	assert_int_equal(strlen(bi.loader_name), MB_LOADER_NAME_MAX - 1);
	assert_range(&bi.reserved[6], LOADER_ADDR, sizeof(name));
}

static void test_range_is_usable(void **state)
{
	(void)state;
	expect_ok();
	/* Adjacent type-1 entries [1M, 3M) and [3M, 4M) are one. */
	assert_true(mb_range_is_usable(&bi, 1 * MiB + 1, 3 * MiB - 1));
	assert_true(mb_range_is_usable(&bi, 0, EBDA_START));
	assert_false(mb_range_is_usable(&bi, 0, EBDA_START + 1));
	assert_false(mb_range_is_usable(&bi, VGA_HOLE, 1));
	assert_false(mb_range_is_usable(&bi, 2 * MiB, 0));
	assert_false(mb_range_is_usable(&bi, 1 * MiB, 4 * GiB));    /* the gap to 4 GiB */
	assert_true(mb_range_is_usable(&bi, 4 * GiB, 1 * GiB));
	assert_false(mb_range_is_usable(&bi, UINT64_MAX, 2));

	/* Overlapping type-1 entries merge; any other type inside wins. */
	memset(&bi, 0, sizeof(bi));
	bi.nranges = 3;
	bi.ranges[0] = (struct mem_range){ 0, 2 * MiB, MB_MEMORY_AVAILABLE };
	bi.ranges[1] = (struct mem_range){ 1 * MiB, 15 * MiB, MB_MEMORY_AVAILABLE };
	bi.ranges[2] = (struct mem_range){ 8 * MiB, PAGE_SIZE, MB_MEMORY_RESERVED };
	assert_true(mb_range_is_usable(&bi, 0, 8 * MiB));
	assert_false(mb_range_is_usable(&bi, 7 * MiB, 2 * MiB));
	assert_false(mb_range_is_usable(&bi, 8 * MiB + 10, 1));
	assert_true(mb_range_is_usable(&bi, 8 * MiB + PAGE_SIZE, 8 * MiB - PAGE_SIZE));
	assert_false(mb_range_is_usable(&bi, 8 * MiB + PAGE_SIZE, 8 * MiB - PAGE_SIZE + 1));
}

static void test_ranges_overlap(void **state)
{
	(void)state;
	assert_false(ranges_overlap(0, 10, 10, 5));         /* touching */
	assert_false(ranges_overlap(10, 5, 0, 10));
	assert_true(ranges_overlap(0, 10, 9, 5));
	assert_true(ranges_overlap(9, 5, 0, 10));
	assert_true(ranges_overlap(0, 100, 40, 2));         /* containment */
	assert_true(ranges_overlap(40, 2, 0, 100));
	assert_false(ranges_overlap(5, 0, 0, 10));          /* empty */
	assert_false(ranges_overlap(0, 10, 5, 0));
	/* Near 2^64, where a + alen would wrap. */
	assert_true(ranges_overlap(UINT64_MAX - 5, 100, UINT64_MAX, 1));
	assert_false(ranges_overlap(UINT64_MAX - 5, 100, 0, 10));
	assert_true(ranges_overlap(0, UINT64_MAX, UINT64_MAX - 1, 1));
	assert_false(ranges_overlap(0, UINT64_MAX, UINT64_MAX, 1));
}

static void test_error_buffer(void **state)
{
	char small[16];

	(void)state;
	memcpy(mem + INFO_ADDR, &info, sizeof(info));
	memset(small, 'X', sizeof(small));
	assert_int_equal(mb_parse(&view, 0, INFO_ADDR, &bi, small, 14), -1);
	assert_string_equal(small, "multiboot: ba");
	assert_int_equal(small[14], 'X');
	memset(small, 'X', sizeof(small));
	assert_int_equal(mb_parse(&view, 0, INFO_ADDR, &bi, small, 5), -1);
	assert_string_equal(small, "mult");
	memset(small, 'X', sizeof(small));
	assert_int_equal(mb_parse(&view, 0, INFO_ADDR, &bi, small, 1), -1);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'X');
	assert_int_equal(mb_parse(&view, 0, INFO_ADDR, &bi, NULL, 0), -1);
	assert_int_equal(mb_parse(&view, MB_BOOTLOADER_MAGIC, INFO_ADDR, &bi, NULL, 0), 0);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_info),
		T(test_bad_magic),
		T(test_info_outside_memory),
		T(test_no_memory_map),
		T(test_mem_lower_upper_only),
		T(test_mmap_empty),
		T(test_mmap_entry_too_small),
		T(test_mmap_length_not_whole),
		T(test_mmap_outside_memory),
		T(test_mmap_too_many_entries),
		T(test_mmap_entry_wraps),
		T(test_mmap_larger_entries_and_empty_ones),
		T(test_no_usable_ram),
		T(test_module_end_before_start),
		T(test_module_empty),
		T(test_modules_overlap),
		T(test_module_overlaps_structures),
		T(test_module_outside_ram),
		T(test_too_many_modules),
		T(test_module_list_pointer),
		T(test_string_not_terminated),
		T(test_string_runs_out_of_ram),
		T(test_string_pointer_outside_ram),
		T(test_string_outside_view),
		T(test_missing_strings),
		T(test_long_loader_name),
		T(test_range_is_usable),
		T(test_ranges_overlap),
		T(test_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
