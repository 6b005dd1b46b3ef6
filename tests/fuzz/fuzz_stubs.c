/*
 * tests/fuzz/fuzz_stubs.c - the kernel services every fuzz harness links
 * against, made for a Linux host (docs/fuzzing.md).
 *
 * Context: host, libFuzzer + ASan + UBSan. kprintf formats with the
 * kernel's own cv_vsnprintf (so the fuzzers also exercise every message a
 * bad input produces) into a buffer that is then dropped; FUZZ_VERBOSE=1 in
 * the environment prints it. panic() and a failed VMREAD/VMWRITE abort():
 * an input that reaches one is a finding, the same as an ASan report.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel/console.h"
#include "lib/printf.h"
#include "tests/fuzz/fuzz_stubs.h"

static int verbose = -1;

static bool fuzz_verbose(void)
{
	if (verbose < 0) {
		const char *e = getenv("FUZZ_VERBOSE");
		verbose = e && *e == '1';
	}
	return verbose;
}

uint64_t fuzz_kprintf_calls;

void kprintf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	cv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fuzz_kprintf_calls++;
	if (fuzz_verbose())
		fputs(buf, stderr);
}

void panic(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	cv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fuzz: the hypervisor would panic: %s\n", buf);
	abort();
}

/* The console's non-blocking writer for guest lines (kernel/console.c), for the
 * trees whose vmm/dev/io.c sends guest output through it: accepted and dropped,
 * as kprintf above. Weak, so that a tree without it links as well. */
__attribute__((weak)) bool console_write_guest(const char *s, size_t len)
{
	(void)s;
	fuzz_kprintf_calls += len != 0;
	return true;
}
