/*
 * tests/fuzz/fuzz_multiboot.c - libFuzzer target: the Multiboot 1 information
 * parser (kernel/multiboot.c:mb_parse) on a physical memory the input is.
 *
 * Input: bytes 0-3 the info structure's physical address (taken modulo the
 * memory size, so most inputs point inside it), then the physical memory
 * itself, from address 0, in a heap buffer of exactly that size: any read
 * outside the view is an ASan report.
 * Checks, besides ASan/UBSan: on success the memory map is sorted and
 * non-wrapping, every module is non-empty and lies in usable RAM, the
 * strings are NUL-terminated, the counts stay within their arrays.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel/multiboot.h"
#include "tests/fuzz/fuzz_stubs.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_multiboot: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	struct fuzz_in in = { data, size };
	uint32_t mbi = (uint32_t)fuzz_take(&in, 4);
	uint8_t *mem = malloc(in.left ? in.left : 1);
	char err[160];

	memcpy(mem, in.p, in.left);
	if (in.left && (mbi & 0x80000000u) == 0)
		mbi %= (uint32_t)in.left;      /* top bit set: keep it, likely outside */
	struct phys_view pv = { (uintptr_t)mem, in.left };
	uint32_t magic = (mbi & 0x40000000u) ? 0x2BADB001u : MB_BOOTLOADER_MAGIC;

	if (mb_parse(&pv, magic, mbi, &bi, err, sizeof(err)) == 0) {
		check(bi.nranges <= MB_MAX_RANGES && bi.nmodules <= MB_MAX_MODULES &&
		      bi.nreserved <= MB_MAX_RESERVED, "count past its array");
		for (uint32_t i = 0; i < bi.nranges; i++) {
			check(bi.ranges[i].base + bi.ranges[i].len >= bi.ranges[i].base, "range wraps");
			check(i == 0 || bi.ranges[i - 1].base <= bi.ranges[i].base, "map not sorted");
		}
		for (uint32_t i = 0; i < bi.nmodules; i++) {
			const struct boot_module *m = &bi.modules[i];
			check(m->end > m->start, "empty module");
			check(mb_range_is_usable(&bi, m->start, m->end - m->start), "module outside RAM");
			check(memchr(m->cmdline, '\0', sizeof(m->cmdline)) != NULL, "module string");
		}
		check(memchr(bi.cmdline, '\0', sizeof(bi.cmdline)) != NULL, "cmdline");
		check(memchr(bi.loader_name, '\0', sizeof(bi.loader_name)) != NULL, "loader name");
	} else {
		check(memchr(err, '\0', sizeof(err)) != NULL, "message not terminated");
	}
	free(mem);
	return 0;
}
