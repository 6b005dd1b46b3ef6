/*
 * tests/fuzz/fuzz_linux.c - libFuzzer target: the bzImage loader
 * (vmm/loader/linux_boot.c:linux_boot_build).
 *
 * Input: byte 0 picks the guest RAM size (2..32 MiB) and whether an initrd
 * (the input's last quarter) goes along; the rest is the kernel file, in a
 * heap buffer of exactly its size. Checks, besides ASan/UBSan: on success
 * the kernel, the zero page, the command line and the initrd lie inside
 * guest RAM and the initrd does not overlap the kernel.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/loader/linux_boot.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_linux: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct fuzz_in in = { data, size };
	uint8_t pick = (uint8_t)fuzz_take(&in, 1);
	uint64_t ram_size = (2 * MiB) << (pick % 5);
	size_t initrd_len = (pick & 0x80) ? in.left / 4 : 0;
	size_t klen = in.left - initrd_len;
	uint8_t *file = malloc(klen ? klen : 1), *initrd = malloc(initrd_len ? initrd_len : 1);
	struct linux_image li;
	char err[200];

	if (!ram)
		ram = malloc(32 * MiB);
	memcpy(file, in.p, klen);
	memcpy(initrd, in.p + klen, initrd_len);
	if (linux_boot_build(ram, ram_size, file, klen, "console=ttyS0", initrd_len ? initrd : NULL,
			     initrd_len, 0xE0000, &li, err, sizeof(err)) == 0) {
		check(li.kernel_lo >= 0x100000 && li.kernel_hi <= ram_size, "kernel outside RAM");
		check(li.entry == li.kernel_lo, "entry is not the load address");
		check(!li.initrd_len || (li.initrd_lo >= li.kernel_hi &&
					 li.initrd_lo + li.initrd_len <= ram_size), "initrd misplaced");
	} else {
		check(memchr(err, '\0', sizeof(err)) != NULL, "message not terminated");
	}
	free(file);
	free(initrd);
	return 0;
}
