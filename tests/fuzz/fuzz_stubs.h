/*
 * tests/fuzz/fuzz_stubs.h - shared by the fuzz harnesses (tests/fuzz/fuzz_*.c).
 */
#ifndef CV_FUZZ_STUBS_H
#define CV_FUZZ_STUBS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/types.h"

/* libFuzzer's entry point, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* kprintf calls so far (fuzz_stubs.c). */
extern uint64_t fuzz_kprintf_calls;

/* A little-endian reader over the fuzz input: reads past the end give 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		if (in->left) {
			v |= (uint64_t)*in->p++ << (8 * i);
			in->left--;
		}
	}
	return v;
}

/* console_getc()'s bytes (fuzz_stubs.c): a target fills them, then calls
 * the code that reads the console's input. */
extern uint8_t fuzz_console_in[16];
extern size_t fuzz_console_in_len, fuzz_console_in_pos;

#endif
