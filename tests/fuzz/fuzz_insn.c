/*
 * tests/fuzz/fuzz_insn.c - libFuzzer target: the MMIO instruction decoder
 * (vmm/dev/insn_decode.c:insn_decode_mov).
 *
 * Input: byte 0 picks the code size (16/32/64-bit), the rest is the
 * instruction bytes, in a heap buffer of exactly that size (the decoder must
 * never read past avail). Checks, besides ASan/UBSan: a decoded instruction
 * has a length within avail and INSN_MAX_LEN, an access size of 1, 2, 4 or
 * 8, a register number below 16; an error has a name.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/dev/insn_decode.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_insn: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	enum cpu_mode mode = (enum cpu_mode)(fuzz_take(&in, 1) % 3);
	uint8_t *bytes = malloc(in.left ? in.left : 1);
	struct mmio_insn out;

	memcpy(bytes, in.p, in.left);
	int rc = insn_decode_mov(bytes, in.left, mode, &out);
	if (rc == 0) {
		check(out.len >= 1 && out.len <= in.left && out.len <= INSN_MAX_LEN, "bad length");
		check(out.size == 1 || out.size == 2 || out.size == 4 || out.size == 8, "bad size");
		check(out.reg < 16, "bad register");
		check(!out.reg_high8 || out.reg < 4, "high-byte register above BH");
		check(!out.has_imm || out.is_write, "immediate on a read");
	} else {
		check(insn_decode_strerror(rc) != NULL, "unnamed error");
	}
	free(bytes);
	return 0;
}
