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

/* The console's input (kernel/console.c): the bytes a target put in
 * fuzz_console_in, then none. Weak, as above. */
uint8_t fuzz_console_in[16];
size_t fuzz_console_in_len, fuzz_console_in_pos;
__attribute__((weak)) int console_getc(void)
{
	if (fuzz_console_in_pos >= fuzz_console_in_len)
		return -1;
	return fuzz_console_in[fuzz_console_in_pos++];
}

/* Switches the option parser sets (vmm/dev/features.c, vmm/core/guest_fpu.c);
 * weak, so a target that links the real file gets the real one. */
__attribute__((weak)) bool features_contract = true;
__attribute__((weak)) bool guest_fpu_switch = true;

/* The host's FPU as vmm/dev/features.c sees it: x87 and SSE with XSAVE, a
 * plain CPU. The registers themselves are never switched in the harness. */
#include "kernel/fpu.h"
__attribute__((weak)) struct fpu_host fpu_host = { .xsave = true, .xcr0_max = 3, .area_size = 576 };
struct vcpu;
__attribute__((weak)) void guest_fpu_set_xcr0(struct vcpu *v, uint64_t xcr0)
{
	(void)v;
	(void)xcr0;
}

/* CR4 bits VMX operation fixes to 1 (vmx/controls.c): CR4.VMXE, as on every CPU. */
__attribute__((weak)) uint64_t vmx_cr4_fixed1_bits(void)
{
	return 1ULL << 13;
}

/* HC_EPT_EVICT (vmm/dev/hypercall.c): the harness has no EPT; the eviction
 * is accepted and nothing is flushed. */
__attribute__((weak)) bool ept_set_rights(uint64_t *pml4, uint64_t gpa, uint64_t rights)
{
	(void)pml4;
	(void)gpa;
	(void)rights;
	return true;
}
__attribute__((weak)) void ept_flush_all(void)
{
}
