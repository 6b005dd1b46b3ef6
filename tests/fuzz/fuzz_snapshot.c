/*
 * tests/fuzz/fuzz_snapshot.c - libFuzzer target: the VM image reader
 * (vmm/loader/snapshot.c:snap_open and the section walk a restore does).
 *
 * Input: the image, in a heap buffer of exactly its size. Half the inputs
 * get a freshly computed trailer (length and checksum), so the fuzzer gets
 * past the checksum and into the sections. Checks, besides ASan/UBSan: an
 * accepted image's sections tile the body exactly, RAM pages lie inside its
 * RAM, and every record found lies inside its section.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/loader/snapshot.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_snapshot: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	bool fix = fuzz_take(&in, 1) & 1;
	size_t len = in.left + (fix ? SNAP_TRAILER_SIZE : 0);
	uint8_t *img = malloc(len ? len : 1);
	struct snap_image si;
	char err[200];

	memcpy(img, in.p, in.left);
	if (fix) {   /* a well-formed trailer over whatever came before */
		uint8_t *t = img + in.left;
		uint32_t end = SNAP_SEC_END, zero = 0;
		uint64_t sixteen = 16, total = len;
		memcpy(t, &end, 4);
		memcpy(t + 4, &zero, 4);
		memcpy(t + 8, &sixteen, 8);
		memcpy(t + 16, &total, 8);
		uint64_t h = snap_fnv1a(SNAP_FNV_INIT, img, len - 8);
		memcpy(t + 24, &h, 8);
	}
	if (snap_open(&si, img, len, err, sizeof(err)) == 0) {
		struct snap_section_view s;
		uint64_t off = 0, last = SNAP_HEADER_SIZE;
		while (snap_next_section(&si, &off, &s)) {
			check(s.payload >= img + last && s.payload + s.len <= img + len - SNAP_TRAILER_SIZE,
			      "section outside the body");
			if (s.type == SNAP_SEC_RAM) {
				uint64_t gpa;
				memcpy(&gpa, s.payload, 8);
				check(gpa + SNAP_PAGE <= si.h.ram_bytes, "RAM page outside the VM");
			} else {
				uint32_t rl;
				const uint8_t *r = snap_find_record(&s, SNAP_KEY_GPRS, &rl);
				check(!r || (r >= s.payload && r + rl <= s.payload + s.len), "record outside");
			}
			last = off;
		}
		check(off == len - SNAP_TRAILER_SIZE, "sections do not tile the body");
	} else {
		check(memchr(err, '\0', sizeof(err)) != NULL, "message not terminated");
	}
	free(img);
	return 0;
}
