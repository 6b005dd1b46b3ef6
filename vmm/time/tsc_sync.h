/*
 * vmm/time/tsc_sync.h - inject skew into the APs' TSCs (skew=) and measure every
 * pCPU's TSC against pCPU 0's, with an uncertainty.
 *
 * Context: kernel, pCPU 0, after smp_init() (the APs answer through
 * smp_call()). Names as in DESIGN.md, "TSC virtualization: the arithmetic":
 * tsc_skew[p] is pCPU p's TSC minus pCPU 0's at the same instant, known to
 * within +/- tsc_skew_unc[p] ticks; pCPU 0 is the reference (0 +/- 0).
 */
#ifndef CV_TSC_SYNC_H
#define CV_TSC_SYNC_H

#include "lib/types.h"
#include "kernel/percpu.h"
#include "kernel/pit.h"          /* tsc_khz, tsc_khz_err */

extern int64_t tsc_skew[MAX_CPUS];
extern uint64_t tsc_skew_unc[MAX_CPUS];
extern int64_t tsc_skew_injected[MAX_CPUS];   /* what skew= asked for */

/* RDTSC that neither runs ahead of earlier loads and stores nor lets later
 * instructions run before it (SDM Vol. 2B, RDTSC: "MFENCE;LFENCE" before,
 * "LFENCE" after). Every timestamp that bounds a memory event uses it. */
static inline uint64_t tsc_read_ordered(void)
{
	uint32_t lo, hi;
	__asm__ volatile("mfence; lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Parse skew_spec (hv_opts.skew, syntax in vmm/time/skew_parse.h) for the pCPUs
 * online, write IA32_TSC on every AP with a nonzero entry, then measure every
 * AP and print one line per pCPU:
 *   [hv] tsc: pcpu N skew S ticks +/- U (injected I)
 * Returns false (after printing the parse error) on a bad skew= value.
 */
bool tsc_sync_init(const char *skew_spec);

/*
 * Measure pCPU cpu's TSC against the caller's (pCPU 0) by ping-pong over one
 * shared cache line, in both directions, keeping the round with the shortest
 * round trip of each; the result is the intersection of the two intervals
 * that causality allows. cpu must be an AP idle in its mailbox loop.
 */
void tsc_skew_measure(uint32_t cpu, int64_t *skew, uint64_t *unc);

#endif
