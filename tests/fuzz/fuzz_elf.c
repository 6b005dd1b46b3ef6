/*
 * tests/fuzz/fuzz_elf.c - libFuzzer target: the guest loader
 * (vmm/loader/elf.c:elf_load_multiboot) on a file the input is.
 *
 * Input: byte 0 picks the guest RAM size (16 KiB .. 2 MiB), the rest is the
 * guest module file, in a heap buffer of exactly its size; guest RAM is a
 * heap buffer of exactly ram_size. Any read or write outside is an ASan
 * report. Checks, besides ASan/UBSan: on success every segment (with its
 * bss) and the entry point lie inside guest RAM, segments do not overlap,
 * and [lowest, highest) covers them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/loader/elf.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_elf: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static uint8_t *rams[8];     /* one per size, kept: a fresh 2 MiB each run is slow */
	unsigned sz = (unsigned)fuzz_take(&in, 1) % 8;
	uint64_t ram_size = (16 * KiB) << sz;
	uint8_t *file = malloc(in.left ? in.left : 1);

	if (!rams[sz])
		rams[sz] = malloc(ram_size);
	uint8_t *ram = rams[sz];
	struct guest_image img;
	char err[200];

	memcpy(file, in.p, in.left);
	if (elf_load_multiboot(file, in.left, ram, ram_size, "fuzz.elf", &img, err, sizeof(err)) == 0) {
		check(img.nsegments <= ELF_MAX_SEGMENTS, "too many segments");
		check(img.entry < ram_size, "entry outside guest RAM");
		for (uint32_t i = 0; i < img.nsegments; i++) {
			uint64_t g = img.segments[i].gpa, m = img.segments[i].memsz;
			check(img.segments[i].filesz <= m, "filesz > memsz");
			check(g < ram_size && m <= ram_size - g, "segment outside guest RAM");
			check(g >= img.lowest && g + m <= img.highest, "segment outside [lowest, highest)");
			for (uint32_t j = 0; j < i; j++) {
				uint64_t h = img.segments[j].gpa, n = img.segments[j].memsz;
				check(!(g < h + n && h < g + m), "segments overlap");
			}
		}
	} else {
		check(memchr(err, '\0', sizeof(err)) != NULL, "message not terminated");
	}
	free(file);
	return 0;
}
