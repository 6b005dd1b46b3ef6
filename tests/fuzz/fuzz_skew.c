/*
 * tests/fuzz/fuzz_skew.c - libFuzzer target: the skew= parser
 * (vmm/time/skew_parse.c:skew_parse).
 *
 * Input: byte 0 picks the pCPU count (1..MAX_CPUS), byte 1 the error-buffer
 * size; the rest is the value after "skew=" (cut at the first NUL).
 * Checks, besides ASan/UBSan: on success pCPU 0 gets 0 and every entry lies
 * in [-SKEW_ABS_MAX, SKEW_ABS_MAX]; the message is always NUL-terminated.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel/percpu.h"
#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/time/skew_parse.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_skew: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint32_t ncpus = (uint32_t)fuzz_take(&in, 1) % MAX_CPUS + 1;
	size_t errlen = (size_t)fuzz_take(&in, 1) % 200;
	char *spec = malloc(in.left + 1);
	int64_t *out = malloc(ncpus * sizeof(*out));
	char err[200];

	memcpy(spec, in.p, in.left);
	spec[in.left] = '\0';
	memset(err, 'Z', sizeof(err));
	if (skew_parse(spec, ncpus, out, errlen ? err : NULL, errlen) == 0) {
		check(out[0] == 0, "pCPU 0 (the reference) got a skew");
		for (uint32_t i = 0; i < ncpus; i++)
			check(out[i] >= -SKEW_ABS_MAX && out[i] <= SKEW_ABS_MAX, "skew out of bounds");
	}
	if (errlen)
		check(memchr(err, '\0', errlen) != NULL, "message not NUL-terminated in its buffer");
	free(spec);
	free(out);
	return 0;
}
