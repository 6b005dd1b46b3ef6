/*
 * tests/unit/test_elf.c - host unit tests for vmm/loader/elf.c (elf_load_multiboot).
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`. Images
 * are built in memory with the host's <elf.h> (tests only: the loader has its
 * own definitions). Guest RAM is a buffer filled with 0xAA first, so a test
 * sees exactly which bytes a load wrote, and that a refused image wrote none.
 * Ends with a fixed-seed mutation loop over valid images.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <cmocka.h>

#include "vmm/loader/elf.h"

#define NAME          "hello.elf"
#define FILE_MAX      (64 * 1024)
#define RAM_SIZE      (4 * 1024 * 1024)
#define POISON        0xAA
#define HDR_OFF       0x400          /* Multiboot header in the built images */
#define DATA_OFF      0x1000         /* first segment's file bytes */
#define ERR_MAX       256

struct seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct image {
	uint8_t *buf;                /* FILE_MAX bytes */
	size_t len;
};

static uint8_t *ram;
static char err[ERR_MAX];
static struct guest_image img;

/* The byte a built image holds at file offset off (never 0 or POISON). */
static uint8_t pattern(uint64_t off)
{
	uint8_t v = (uint8_t)(off * 7 + (off >> 8) + 1);

	return v == 0 || v == POISON ? 0x55 : v;
}

static void put_mb_header(uint8_t *buf, size_t off, uint32_t flags)
{
	uint32_t h[3] = { MB_HEADER_MAGIC, flags, (uint32_t)-(MB_HEADER_MAGIC + flags) };

	memcpy(buf + off, h, sizeof(h));
}

/*
 * An ELF32 or ELF64 x86 executable with the given program headers, a
 * Multiboot header (flags 3) at HDR_OFF and every segment's file bytes filled
 * with pattern(). The length is the end of the last segment's file bytes.
 */
static void build_elf(struct image *im, bool is64, const struct seg *segs, int n,
		      uint64_t entry)
{
	size_t end = DATA_OFF;
	int i;

	memset(im->buf, 0, FILE_MAX);
	for (i = 0; i < FILE_MAX; i++)
		im->buf[i] = pattern((uint64_t)i);
	memset(im->buf, 0, HDR_OFF + 12);
	if (is64) {
		Elf64_Ehdr e = { 0 };

		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS64;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		e.e_type = ET_EXEC;
		e.e_machine = EM_X86_64;
		e.e_version = EV_CURRENT;
		e.e_entry = entry;
		e.e_phoff = sizeof(e);
		e.e_ehsize = sizeof(e);
		e.e_phentsize = sizeof(Elf64_Phdr);
		e.e_phnum = (uint16_t)n;
		memcpy(im->buf, &e, sizeof(e));
		for (i = 0; i < n; i++) {
			Elf64_Phdr p = {
				.p_type = segs[i].type, .p_flags = PF_R | PF_X,
				.p_offset = segs[i].offset, .p_vaddr = segs[i].vaddr,
				.p_paddr = segs[i].paddr, .p_filesz = segs[i].filesz,
				.p_memsz = segs[i].memsz, .p_align = 0x1000,
			};
			memcpy(im->buf + sizeof(e) + i * sizeof(p), &p, sizeof(p));
		}
	} else {
		Elf32_Ehdr e = { 0 };

		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		e.e_type = ET_EXEC;
		e.e_machine = EM_386;
		e.e_version = EV_CURRENT;
		e.e_entry = (uint32_t)entry;
		e.e_phoff = sizeof(e);
		e.e_ehsize = sizeof(e);
		e.e_phentsize = sizeof(Elf32_Phdr);
		e.e_phnum = (uint16_t)n;
		memcpy(im->buf, &e, sizeof(e));
		for (i = 0; i < n; i++) {
			Elf32_Phdr p = {
				.p_type = segs[i].type, .p_flags = PF_R | PF_X,
				.p_offset = (uint32_t)segs[i].offset,
				.p_vaddr = (uint32_t)segs[i].vaddr,
				.p_paddr = (uint32_t)segs[i].paddr,
				.p_filesz = (uint32_t)segs[i].filesz,
				.p_memsz = (uint32_t)segs[i].memsz, .p_align = 0x1000,
			};
			memcpy(im->buf + sizeof(e) + i * sizeof(p), &p, sizeof(p));
		}
	}
	put_mb_header(im->buf, HDR_OFF, MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO);
	for (i = 0; i < n; i++)
		if (segs[i].offset + segs[i].filesz <= FILE_MAX &&
		    segs[i].offset + segs[i].filesz > end)
			end = segs[i].offset + segs[i].filesz;
	im->len = end;
}

/* The two-segment image most tests start from: text at 1 MiB, data + bss after. */
static const struct seg two_segs[] = {
	{ PT_LOAD, DATA_OFF, 0x100000, 0x100000, 0x1000, 0x1000 },
	{ PT_LOAD, 0x2000, 0x102000, 0x102000, 0x800, 0x3000 },
};

static int setup(void **state)
{
	ram = malloc(RAM_SIZE);
	assert_non_null(ram);
	memset(ram, POISON, RAM_SIZE);
	memset(err, 0, sizeof(err));
	*state = calloc(1, sizeof(struct image));
	((struct image *)*state)->buf = malloc(FILE_MAX);
	return 0;
}

static int teardown(void **state)
{
	struct image *im = *state;

	free(im->buf);
	free(im);
	free(ram);
	return 0;
}

static void assert_ram_poisoned(uint64_t from, uint64_t to)
{
	for (uint64_t a = from; a < to; a++)
		if (ram[a] != POISON)
			fail_msg("guest RAM 0x%llx was written (0x%02x)",
				 (unsigned long long)a, ram[a]);
}

static void assert_ram_is_file(const struct image *im, uint64_t gpa, uint64_t off,
			       uint64_t len)
{
	assert_memory_equal(ram + gpa, im->buf + off, len);
}

static void assert_ram_zero(uint64_t from, uint64_t to)
{
	for (uint64_t a = from; a < to; a++)
		if (ram[a] != 0)
			fail_msg("guest RAM 0x%llx is 0x%02x, not 0 (bss)",
				 (unsigned long long)a, ram[a]);
}

static int load(const struct image *im)
{
	return elf_load_multiboot(im->buf, im->len, ram, RAM_SIZE, NAME, &img, err,
				  sizeof(err));
}

/* A refusal: -1, a message that starts with the file name and contains each
 * of the given fragments, img cleared and RAM untouched. */
static void expect_refused(const struct image *im, const char *frag1, const char *frag2)
{
	static const struct guest_image zero;

	memset(&img, 0x5A, sizeof(img));
	assert_int_equal(load(im), -1);
	if (strncmp(err, NAME ": ", strlen(NAME) + 2) != 0)
		fail_msg("message does not start with the file name: \"%s\"", err);
	if (frag1 && !strstr(err, frag1))
		fail_msg("message lacks \"%s\": \"%s\"", frag1, err);
	if (frag2 && !strstr(err, frag2))
		fail_msg("message lacks \"%s\": \"%s\"", frag2, err);
	assert_memory_equal(&img, &zero, sizeof(img));
	assert_ram_poisoned(0, RAM_SIZE);
}

/* ---- images that load ---- */

static void test_elf64_two_segments_and_bss(void **state)
{
	struct image *im = *state;
	struct seg segs[5] = {
		{ PT_NOTE, 0x300, 0, 0, 0x10, 0x10 },            /* not PT_LOAD: ignored */
		two_segs[0],
		{ PT_LOAD, 0x1800, 0x200000, 0x200000, 0, 0 },   /* memsz 0: skipped */
		two_segs[1],
		{ PT_GNU_STACK, 0, 0, 0, 0, 0 },
	};

	build_elf(im, true, segs, 5, 0x100010);
	assert_int_equal(load(im), 0);
	assert_string_equal(err, "");
	assert_true(img.elf64);
	assert_false(img.aout_kludge);
	assert_int_equal(img.entry, 0x100010);
	assert_int_equal(img.lowest, 0x100000);
	assert_int_equal(img.highest, 0x105000);
	assert_int_equal(img.nsegments, 2);
	assert_int_equal(img.segments[0].gpa, 0x100000);
	assert_int_equal(img.segments[0].filesz, 0x1000);
	assert_int_equal(img.segments[0].memsz, 0x1000);
	assert_int_equal(img.segments[1].gpa, 0x102000);
	assert_int_equal(img.segments[1].filesz, 0x800);
	assert_int_equal(img.segments[1].memsz, 0x3000);
	assert_ram_poisoned(0, 0x100000);
	assert_ram_is_file(im, 0x100000, DATA_OFF, 0x1000);
	assert_ram_poisoned(0x101000, 0x102000);
	assert_ram_is_file(im, 0x102000, 0x2000, 0x800);
	assert_ram_zero(0x102800, 0x105000);
	assert_ram_poisoned(0x105000, RAM_SIZE);
}

/* ELF32, linked higher-half: loaded at p_paddr, entry translated from p_vaddr. */
static void test_elf32_higher_half(void **state)
{
	struct image *im = *state;
	struct seg segs[2] = {
		{ PT_LOAD, DATA_OFF, 0xC0100000, 0x100000, 0x1000, 0x1000 },
		{ PT_LOAD, 0x2000, 0xC0101000, 0x101000, 0x100, 0x2000 },
	};

	build_elf(im, false, segs, 2, 0xC010000C);
	assert_int_equal(load(im), 0);
	assert_false(img.elf64);
	assert_int_equal(img.entry, 0x10000C);
	assert_int_equal(img.lowest, 0x100000);
	assert_int_equal(img.highest, 0x103000);
	assert_ram_is_file(im, 0x100000, DATA_OFF, 0x1000);
	assert_ram_is_file(im, 0x101000, 0x2000, 0x100);
	assert_ram_zero(0x101100, 0x103000);
	assert_ram_poisoned(0x103000, RAM_SIZE);
}

/* Segments anywhere in RAM load, page 0 and the last byte included. */
static void test_elf32_ram_edges(void **state)
{
	struct image *im = *state;
	struct seg segs[2] = {
		{ PT_LOAD, DATA_OFF, 0, 0, 0x10, 0x20 },
		{ PT_LOAD, 0x2000, RAM_SIZE - 0x10, RAM_SIZE - 0x10, 0x10, 0x10 },
	};

	build_elf(im, false, segs, 2, 0x4);
	assert_int_equal(load(im), 0);
	assert_int_equal(img.lowest, 0);
	assert_int_equal(img.highest, RAM_SIZE);
	assert_ram_is_file(im, 0, DATA_OFF, 0x10);
	assert_ram_zero(0x10, 0x20);
	assert_ram_poisoned(0x20, RAM_SIZE - 0x10);
	assert_ram_is_file(im, RAM_SIZE - 0x10, 0x2000, 0x10);
}

/* An a.out-kludge header in a flat binary: text from file offset 0, to end of file. */
static void build_aout(struct image *im, uint32_t hdr_off, uint32_t header_addr,
		       uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
		       uint32_t entry, size_t len)
{
	uint32_t flags = MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO | MB_HEADER_AOUT_KLUDGE;
	struct mb_header h = {
		.magic = MB_HEADER_MAGIC, .flags = flags,
		.checksum = (uint32_t)-(MB_HEADER_MAGIC + flags),
		.header_addr = header_addr, .load_addr = load_addr,
		.load_end_addr = load_end, .bss_end_addr = bss_end, .entry_addr = entry,
	};

	for (size_t i = 0; i < FILE_MAX; i++)
		im->buf[i] = pattern(i);
	memcpy(im->buf + hdr_off, &h, sizeof(h));
	im->len = len;
}

static void test_aout_kludge_to_end_of_file(void **state)
{
	struct image *im = *state;

	/* Header at file offset 0x40 = GPA 0x100040: text starts at file 0. */
	build_aout(im, 0x40, 0x100040, 0x100000, 0, 0x105000, 0x100080, 0x3000);
	assert_int_equal(load(im), 0);
	assert_true(img.aout_kludge);
	assert_false(img.elf64);
	assert_int_equal(img.entry, 0x100080);
	assert_int_equal(img.lowest, 0x100000);
	assert_int_equal(img.highest, 0x105000);
	assert_int_equal(img.nsegments, 1);
	assert_int_equal(img.segments[0].filesz, 0x3000);
	assert_int_equal(img.segments[0].memsz, 0x5000);
	assert_ram_poisoned(0, 0x100000);
	assert_ram_is_file(im, 0x100000, 0, 0x3000);
	assert_ram_zero(0x103000, 0x105000);
	assert_ram_poisoned(0x105000, RAM_SIZE);
}

/* The text starts before the header in the file; load_end_addr and no bss. */
static void test_aout_kludge_offset_and_load_end(void **state)
{
	struct image *im = *state;

	/* Header at file 0x1010 = GPA 0x200010: text begins at file 0x1000. */
	build_aout(im, 0x1010, 0x200010, 0x200000, 0x200800, 0, 0x200000, 0x4000);
	assert_int_equal(load(im), 0);
	assert_int_equal(img.highest, 0x200800);
	assert_ram_is_file(im, 0x200000, 0x1000, 0x800);
	assert_ram_poisoned(0x200800, RAM_SIZE);
	assert_ram_poisoned(0, 0x200000);
}

/* Flag 16 wins over ELF, as in GRUB. */
static void test_aout_kludge_in_elf_file(void **state)
{
	struct image *im = *state;
	uint32_t flags = MB_HEADER_AOUT_KLUDGE;
	struct mb_header h = {
		.magic = MB_HEADER_MAGIC, .flags = flags,
		.checksum = (uint32_t)-(MB_HEADER_MAGIC + flags),
		.header_addr = 0x300000 + HDR_OFF, .load_addr = 0x300000,
		.load_end_addr = 0x300000 + DATA_OFF, .entry_addr = 0x300000,
	};

	build_elf(im, true, two_segs, 2, 0x100000);
	memcpy(im->buf + HDR_OFF, &h, sizeof(h));
	assert_int_equal(load(im), 0);
	assert_true(img.aout_kludge);
	assert_int_equal(img.lowest, 0x300000);
	assert_ram_is_file(im, 0x300000, 0, DATA_OFF);
	assert_ram_poisoned(0, 0x300000);
}

/* ---- the Multiboot header ---- */

static void test_no_multiboot_header(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x100000);
	memset(im->buf + HDR_OFF, 0, 12);
	expect_refused(im, "no Multiboot header in the first 8 KiB", NULL);
}

static void test_multiboot_header_bad_checksum(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x100000);
	im->buf[HDR_OFF + 8] ^= 1;
	expect_refused(im, "no Multiboot header in the first 8 KiB", "bad checksum");
}

/* Unaligned, or beyond the first 8 KiB: not found. Last aligned slot: found. */
static void test_multiboot_header_position(void **state)
{
	struct image *im = *state;
	struct seg s = { PT_LOAD, 0x3000, 0x100000, 0x100000, 0x100, 0x100 };

	build_elf(im, true, &s, 1, 0x100000);
	memset(im->buf + HDR_OFF, 0, 12);
	put_mb_header(im->buf, HDR_OFF + 2, 0);
	expect_refused(im, "no Multiboot header", NULL);

	build_elf(im, true, &s, 1, 0x100000);
	memset(im->buf + HDR_OFF, 0, 12);
	put_mb_header(im->buf, 8192 - 8, 0);        /* straddles the 8 KiB line */
	expect_refused(im, "no Multiboot header", NULL);

	build_elf(im, true, &s, 1, 0x100000);
	memset(im->buf + HDR_OFF, 0, 12);
	put_mb_header(im->buf, 8192 - 12, 0);
	assert_int_equal(load(im), 0);
}

static void test_multiboot_unsupported_flags(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x100000);
	put_mb_header(im->buf, HDR_OFF, MB_HEADER_MEMORY_INFO | BIT(3));
	expect_refused(im, "flags 0xa", "bits 0x8");
	/* The video-mode wish (bit 2) and unknown optional bits pass. */
	put_mb_header(im->buf, HDR_OFF, MB_HEADER_VIDEO_MODE | BIT(20));
	assert_int_equal(load(im), 0);
}

static void test_file_too_small(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x100000);
	im->len = 8;
	expect_refused(im, "no Multiboot header", NULL);
	assert_int_equal(elf_load_multiboot(NULL, 0, ram, RAM_SIZE, NAME, &img, err,
					    sizeof(err)), -1);
	assert_non_null(strstr(err, "no Multiboot header"));
}

/* ---- ELF header rejections ---- */

static void test_not_elf(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x100000);
	im->buf[1] = 'X';
	expect_refused(im, "not an ELF file", "a.out kludge");
}

static void test_bad_class_endianness_machine_type(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x100000);
	im->buf[EI_CLASS] = 3;
	expect_refused(im, "ELF class 3", NULL);

	build_elf(im, true, two_segs, 2, 0x100000);
	im->buf[EI_DATA] = ELFDATA2MSB;
	expect_refused(im, "not little-endian", NULL);

	build_elf(im, true, two_segs, 2, 0x100000);
	im->buf[offsetof(Elf64_Ehdr, e_machine)] = EM_386;
	expect_refused(im, "e_machine 3", "EM_X86_64");

	build_elf(im, false, two_segs, 2, 0x100000);
	im->buf[offsetof(Elf32_Ehdr, e_machine)] = EM_ARM;
	expect_refused(im, "e_machine 40", "EM_386");

	build_elf(im, true, two_segs, 2, 0x100000);
	im->buf[offsetof(Elf64_Ehdr, e_type)] = ET_DYN;
	expect_refused(im, "e_type 3", "ET_EXEC");
}

static void test_elf_header_truncated(void **state)
{
	struct image *im = *state;

	/* The Multiboot header must come first: put it at 0x20 of a 60-byte ELF64. */
	build_elf(im, true, two_segs, 2, 0x100000);
	memset(im->buf + HDR_OFF, 0, 12);
	put_mb_header(im->buf, 0x30, 0);
	im->len = 60;
	expect_refused(im, "ELF header cut short", NULL);
}

static void test_program_header_table_outside_file(void **state)
{
	struct image *im = *state;
	uint64_t phoff;

	build_elf(im, true, two_segs, 2, 0x100000);
	phoff = im->len - 56;                        /* room for one of two */
	memcpy(im->buf + offsetof(Elf64_Ehdr, e_phoff), &phoff, sizeof(phoff));
	expect_refused(im, "program header table", "outside the file");

	build_elf(im, true, two_segs, 2, 0x100000);
	phoff = UINT64_MAX - 8;                      /* phoff + size wraps */
	memcpy(im->buf + offsetof(Elf64_Ehdr, e_phoff), &phoff, sizeof(phoff));
	expect_refused(im, "program header table", "e_phoff 0xfffffffffffffff7");

	build_elf(im, false, two_segs, 2, 0x100000);
	memset(im->buf + offsetof(Elf32_Ehdr, e_phnum), 0xFF, 2);   /* 65535 entries */
	expect_refused(im, "e_phnum 65535", "outside the file");
}

static void test_bad_phentsize_and_no_phdrs(void **state)
{
	struct image *im = *state;
	uint16_t v;

	build_elf(im, true, two_segs, 2, 0x100000);
	v = 32;
	memcpy(im->buf + offsetof(Elf64_Ehdr, e_phentsize), &v, sizeof(v));
	expect_refused(im, "bad e_phentsize 32", NULL);

	build_elf(im, false, two_segs, 2, 0x100000);
	v = 0;
	memcpy(im->buf + offsetof(Elf32_Ehdr, e_phentsize), &v, sizeof(v));
	expect_refused(im, "bad e_phentsize 0", NULL);

	build_elf(im, true, two_segs, 0, 0x100000);
	expect_refused(im, "no program headers", NULL);
}

/* ---- segment rejections: each message names the segment ---- */

static void test_filesz_above_memsz(void **state)
{
	struct image *im = *state;
	struct seg s[2] = { two_segs[0], two_segs[1] };

	s[1].filesz = 0x3001;
	build_elf(im, true, s, 2, 0x100000);
	expect_refused(im, "segment 1: p_filesz 0x3001 is larger than p_memsz 0x3000", NULL);
}

static void test_truncated_file(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x100000);
	im->len -= 1;
	expect_refused(im, "segment 1: file bytes at offset 0x2000 size 0x800", "truncated");

	/* p_offset + p_filesz wraps past 2^64. */
	struct seg s[2] = { two_segs[0], two_segs[1] };
	s[1].offset = UINT64_MAX - 0x10;
	s[1].filesz = 0x20;
	s[1].memsz = 0x20;
	build_elf(im, true, s, 2, 0x100000);
	expect_refused(im, "segment 1", "truncated");
}

static void test_segment_outside_ram(void **state)
{
	struct image *im = *state;
	struct seg s[2] = { two_segs[0], two_segs[1] };

	s[1].paddr = RAM_SIZE - 0x2000;              /* memsz 0x3000: 0x1000 too far */
	build_elf(im, true, s, 2, 0x100000);
	expect_refused(im, "segment 1 at 0x3fe000 size 0x3000 does not fit the guest's "
		       "4 MiB RAM", NULL);

	s[1].paddr = RAM_SIZE;
	build_elf(im, false, s, 2, 0x100000);
	expect_refused(im, "segment 1 at 0x400000", "does not fit");

	s[1].paddr = UINT64_MAX - 0x1000;            /* paddr + memsz wraps */
	build_elf(im, true, s, 2, 0x100000);
	expect_refused(im, "segment 1 at 0xffffffffffffefff size 0x3000", "does not fit");
}

static void test_segments_overlap(void **state)
{
	struct image *im = *state;
	struct seg s[3] = { two_segs[0], { PT_NOTE, 0, 0, 0, 0, 0 }, two_segs[1] };

	s[2].paddr = 0x100FFF;                       /* one byte into segment 0 */
	build_elf(im, true, s, 3, 0x100000);
	expect_refused(im, "segment 2 at 0x100fff size 0x3000 overlaps segment 0 at "
		       "0x100000 size 0x1000", NULL);

	s[2].paddr = 0xFF000;                        /* segment 0 inside segment 2 */
	s[2].memsz = 0x10000;
	build_elf(im, false, s, 3, 0x100000);
	expect_refused(im, "segment 2", "overlaps segment 0");

	s[2].paddr = 0x101000;                       /* touching is fine */
	s[2].memsz = 0x1000;
	build_elf(im, true, s, 3, 0x100000);
	assert_int_equal(load(im), 0);
}

static void test_too_many_segments(void **state)
{
	struct image *im = *state;
	struct seg s[ELF_MAX_SEGMENTS + 1];

	for (int i = 0; i <= ELF_MAX_SEGMENTS; i++)
		s[i] = (struct seg){ PT_LOAD, DATA_OFF + 0x10 * i, 0x100000 + 0x1000 * i,
				     0x100000 + 0x1000 * i, 0x10, 0x100 };
	build_elf(im, true, s, ELF_MAX_SEGMENTS, 0x100000);
	assert_int_equal(load(im), 0);
	assert_int_equal(img.nsegments, ELF_MAX_SEGMENTS);
	memset(ram, POISON, RAM_SIZE);
	build_elf(im, true, s, ELF_MAX_SEGMENTS + 1, 0x100000);
	expect_refused(im, "segment 16", "more than 16 loadable segments");
}

static void test_no_loadable_segment(void **state)
{
	struct image *im = *state;
	struct seg s[2] = {
		{ PT_NOTE, DATA_OFF, 0x100000, 0x100000, 0x10, 0x10 },
		{ PT_LOAD, DATA_OFF, 0x100000, 0x100000, 0, 0 },
	};

	build_elf(im, false, s, 2, 0x100000);
	expect_refused(im, "no loadable segment", NULL);
}

static void test_entry_outside_segments(void **state)
{
	struct image *im = *state;

	build_elf(im, true, two_segs, 2, 0x101000);  /* the gap between them */
	expect_refused(im, "entry point 0x101000 is not inside a loaded segment", NULL);
	build_elf(im, false, two_segs, 2, 0x105000); /* one past the bss */
	expect_refused(im, "entry point 0x105000", NULL);
	build_elf(im, true, two_segs, 2, 0x104FFF);  /* last bss byte: fine */
	assert_int_equal(load(im), 0);
}

/* A 64-bit entry that lands above 4 GiB is refused before RAM is touched:
 * the RAM size claimed is 8 GiB, of which only the first 4 MiB exist. */
static void test_entry_above_4g(void **state)
{
	struct image *im = *state;
	struct seg s = { PT_LOAD, DATA_OFF, 0x100000000ULL, 0x100000000ULL, 0x10, 0x10 };

	build_elf(im, true, &s, 1, 0x100000000ULL);
	assert_int_equal(elf_load_multiboot(im->buf, im->len, ram, 8ULL << 30, NAME,
					    &img, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "above 4 GiB"));
	assert_ram_poisoned(0, RAM_SIZE);
}

/* ---- a.out kludge rejections ---- */

static void test_aout_kludge_rejections(void **state)
{
	struct image *im = *state;

	build_aout(im, 0x40, 0x100040, 0x100041, 0, 0, 0x100041, 0x3000);
	expect_refused(im, "load_addr 0x100041 is above header_addr 0x100040", NULL);

	build_aout(im, 0x40, 0x100040, 0xFFFF0, 0, 0, 0x100000, 0x3000);
	expect_refused(im, "before the start of the file", NULL);

	build_aout(im, 0x40, 0x100040, 0x100000, 0xFFFFF, 0, 0x100000, 0x3000);
	expect_refused(im, "load_end_addr 0xfffff is below load_addr 0x100000", NULL);

	build_aout(im, 0x40, 0x100040, 0x100000, 0x103001, 0, 0x100000, 0x3000);
	expect_refused(im, "a.out kludge image", "truncated");

	build_aout(im, 0x40, 0x100040, 0x100000, 0x102000, 0x101000, 0x100000, 0x3000);
	expect_refused(im, "bss_end_addr 0x101000 is below", NULL);

	build_aout(im, 0x40, 0x100040, 0x100000, 0, 0, 0x103000, 0x3000);
	expect_refused(im, "entry point 0x103000", "not inside");

	build_aout(im, 0x40, 0x100040, 0x100000, 0, 0x500000, 0x100000, 0x3000);
	expect_refused(im, "a.out kludge image at 0x100000 size 0x400000 does not fit", NULL);

	build_aout(im, 0x40, 0x100040, 0x100040, 0x100040, 0, 0x100040, 0x3000);
	expect_refused(im, "nothing to load", NULL);

	build_aout(im, 0x40, 0x40, 0, 0, 0, 0, 0x40 + 32);
	im->len = 0x40 + 20;                          /* address fields cut off */
	expect_refused(im, "cut short", NULL);
}

/* Errors are cut to the buffer and always terminated; err may be NULL. */
static void test_small_error_buffer(void **state)
{
	struct image *im = *state;
	char small[8];

	build_elf(im, true, two_segs, 2, 0x101000);
	memset(small, 'x', sizeof(small));
	assert_int_equal(elf_load_multiboot(im->buf, im->len, ram, RAM_SIZE, NAME, &img,
					    small, sizeof(small)), -1);
	assert_string_equal(small, "hello.e");
	assert_int_equal(elf_load_multiboot(im->buf, im->len, ram, RAM_SIZE, NAME, &img,
					    NULL, 0), -1);
	assert_int_equal(elf_load_multiboot(im->buf, im->len, ram, RAM_SIZE, NULL, &img,
					    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "guest image: "));
}

/* ---- fixed-seed mutations: never a crash, and a refusal never writes ---- */

#define FUZZ_RAM       (512 * 1024)
#define FUZZ_ITERS     6000

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_fuzz_mutations(void **state)
{
	struct image *base = *state;
	uint8_t *file = malloc(FILE_MAX);
	uint8_t *fram = malloc(FUZZ_RAM);
	struct seg s[3] = {
		{ PT_LOAD, DATA_OFF, 0x10000, 0x10000, 0x800, 0x1000 },
		{ PT_LOAD, 0x2000, 0x20000, 0x20000, 0x400, 0x400 },
		{ PT_LOAD, 0x2400, 0xC0030000, 0x30000, 0x100, 0x4000 },
	};
	uint8_t *bases[3];
	uint64_t base_len[3];
	unsigned loaded = 0, refused = 0;

	assert_non_null(file);
	assert_non_null(fram);
	for (int k = 0; k < 3; k++) {
		if (k == 2)
			build_aout(base, 0x40, 0x10040, 0x10000, 0, 0x18000, 0x10080, 0x3000);
		else
			build_elf(base, k == 0, s, 3, 0x10010);
		bases[k] = malloc(FILE_MAX);
		assert_non_null(bases[k]);
		memcpy(bases[k], base->buf, FILE_MAX);
		base_len[k] = base->len;
	}
	for (int it = 0; it < FUZZ_ITERS; it++) {
		uint64_t len;
		int kind = it % 3, nmut = 1 + (int)(rng() % 8);

		memcpy(file, bases[kind], FILE_MAX);
		len = base_len[kind];
		for (int m = 0; m < nmut; m++) {
			uint64_t r = rng();
			/* Mostly the headers (first 0x440 bytes), sometimes anywhere. */
			size_t off = (r & 3) ? (size_t)((r >> 8) % 0x440)
					     : (size_t)((r >> 8) % len);

			switch ((r >> 40) % 4) {
			case 0: file[off] = (uint8_t)(r >> 48); break;
			case 1: file[off] ^= (uint8_t)(1u << ((r >> 48) & 7)); break;
			case 2: file[off] = 0xFF; break;
			default: file[off] = (uint8_t)(file[off] + 1); break;
			}
		}
		if (rng() % 8 == 0)
			len = rng() % (len + 1);
		/* Keep the Multiboot header valid half the time so the ELF paths run. */
		if (rng() % 2 && kind != 2)
			put_mb_header(file, HDR_OFF, MB_HEADER_PAGE_ALIGN);

		memset(fram, POISON, FUZZ_RAM);
		err[0] = 'x';
		if (elf_load_multiboot(file, len, fram, FUZZ_RAM, NAME, &img, err,
				       sizeof(err)) == 0) {
			loaded++;
			assert_true(img.nsegments >= 1 && img.nsegments <= ELF_MAX_SEGMENTS);
			assert_true(img.lowest < img.highest && img.highest <= FUZZ_RAM);
			assert_true(img.entry >= img.lowest && img.entry < img.highest);
			for (uint32_t i = 0; i < img.nsegments; i++) {
				uint64_t gpa = img.segments[i].gpa, memsz = img.segments[i].memsz;

				assert_true(img.segments[i].filesz <= memsz);
				assert_true(gpa + memsz <= FUZZ_RAM);
			}
		} else {
			refused++;
			assert_int_equal(strncmp(err, NAME ": ", strlen(NAME) + 2), 0);
			for (size_t a = 0; a < FUZZ_RAM; a += 8)
				if (*(uint64_t *)(fram + a) != 0xAAAAAAAAAAAAAAAAULL)
					fail_msg("refused image wrote RAM 0x%zx: %s", a, err);
		}
	}
	print_message("fuzz: %u loaded, %u refused\n", loaded, refused);
	assert_true(loaded > 100 && refused > 100);
	for (int k = 0; k < 3; k++)
		free(bases[k]);
	free(file);
	free(fram);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf64_two_segments_and_bss),
		T(test_elf32_higher_half),
		T(test_elf32_ram_edges),
		T(test_aout_kludge_to_end_of_file),
		T(test_aout_kludge_offset_and_load_end),
		T(test_aout_kludge_in_elf_file),
		T(test_no_multiboot_header),
		T(test_multiboot_header_bad_checksum),
		T(test_multiboot_header_position),
		T(test_multiboot_unsupported_flags),
		T(test_file_too_small),
		T(test_not_elf),
		T(test_bad_class_endianness_machine_type),
		T(test_elf_header_truncated),
		T(test_program_header_table_outside_file),
		T(test_bad_phentsize_and_no_phdrs),
		T(test_filesz_above_memsz),
		T(test_truncated_file),
		T(test_segment_outside_ram),
		T(test_segments_overlap),
		T(test_too_many_segments),
		T(test_no_loadable_segment),
		T(test_entry_outside_segments),
		T(test_entry_above_4g),
		T(test_aout_kludge_rejections),
		T(test_small_error_buffer),
		T(test_fuzz_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
