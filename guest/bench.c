/*
 * guest/bench.c - micro-benchmarks read by `make bench` (tests/bench/run).
 *
 * Context: guest (bare or under chronovisor). In Bochs the TSC advances one
 * tick per emulated instruction, so every figure here is an exact,
 * repeatable instruction count, not a time.
 *
 *   mode=vmcall n=N   N null hypercalls (HC_NOP); prints the round trip as
 *                     the guest sees it: RDTSC; VMCALL; RDTSC
 *
 * Output lines start with "bench: " and are key=value pairs, so the bench
 * script can parse them.
 */
#include "guest/lib/guest.h"

static inline uint64_t vmcall_nop(void)
{
	uint64_t rax = HC_NOP;
	__asm__ volatile("vmcall" : "+a"(rax) : : "memory");
	return rax;
}

static void bench_vmcall(long n)
{
	uint64_t min = ~0ULL, sum = 0, t0, t1, empty = ~0ULL;

	if (!on_chronovisor()) {
		report_skip("bench vmcall: needs chronovisor");
		return;
	}
	/* The cost of the two RDTSCs themselves, to subtract. */
	for (int i = 0; i < 100; i++) {
		t0 = rdtsc();
		t1 = rdtsc();
		if (t1 - t0 < empty)
			empty = t1 - t0;
	}
	for (long i = 0; i < n; i++) {
		t0 = rdtsc();
		uint64_t r = vmcall_nop();
		t1 = rdtsc();
		if (r != 0) {
			report(false, "HC_NOP returned %ld", (long)r);
			return;
		}
		uint64_t d = t1 - t0 - empty;
		sum += d;
		if (d < min)
			min = d;
	}
	printf("bench: vmcall_roundtrip_min=%lu vmcall_roundtrip_avg=%lu n=%ld rdtsc_pair=%lu\n",
	       min, sum / n, n, empty);
	report(min > 0, "bench vmcall: %ld null hypercalls", n);
}

int main(int argc, char **argv)
{
	const char *mode = arg_get("mode");
	long n = arg_get_int("n", 1000);

	if (!mode || n <= 0) {
		report(false, "bench: usage mode=vmcall [n=N]");
	} else if (!strcmp(mode, "vmcall")) {
		bench_vmcall(n);
	} else {
		report(false, "bench: unknown mode=%s", mode);
	}
	report_summary();
}
