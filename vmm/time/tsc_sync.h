/*
 * vmm/time/tsc_sync.h - inject skew into the APs' TSCs (skew=) and measure every
 * pCPU's TSC against pCPU 0's, with an uncertainty.
 *
 * Context: kernel, pCPU 0, after smp_init() (the APs answer through
 * smp_call()). Names as in docs/design.md, "TSC virtualization: the arithmetic":
 * skew[p] is pCPU p's TSC minus pCPU 0's at the same instant, known to
 * within +/- unc[p] ticks; pCPU 0 is the reference (0 +/- 0).
 */
#ifndef CV_TSC_SYNC_H
#define CV_TSC_SYNC_H

#include "lib/types.h"
#include "kernel/arch.h"
#include "kernel/percpu.h"

/* The skew tables: written only by vmm/time/tsc_sync.c at boot, read
 * everywhere else only through the inline accessors below (they sit on
 * the path of every vCPU load and exit, where a call is a cost). */
extern int64_t tsc_skew_table[MAX_CPUS];           /* measured: skew[p] */
extern int64_t tsc_skew_injected_table[MAX_CPUS];  /* what skew= asked for */

/* The reference timeline (docs/design.md, "TSC virtualization: the
 * arithmetic"): ref = host_tsc(p) - skew[p]. */
static inline uint64_t host_to_ref(uint32_t cpu, uint64_t host_tsc)
{
	return host_tsc - (uint64_t)tsc_skew_table[cpu];
}

static inline uint64_t ref_to_host(uint32_t cpu, uint64_t ref)
{
	return ref + (uint64_t)tsc_skew_table[cpu];
}

/* The reference timeline now, read on the calling pCPU. */
static inline uint64_t ref_now(void)
{
	return host_to_ref(this_cpu()->cpu_id, rdtsc());
}

/* skew[cpu] as measured at boot, and as skew= injected it (known by
 * construction; the clock-error statistic compares against it). */
static inline int64_t tsc_skew(uint32_t cpu)
{
	return tsc_skew_table[cpu];
}

static inline int64_t tsc_skew_injected(uint32_t cpu)
{
	return tsc_skew_injected_table[cpu];
}

/*
 * Parse skew_spec (hv_opts.skew, syntax in vmm/time/skew_parse.h) for the pCPUs
 * online, write IA32_TSC on every AP with a nonzero entry, then measure every
 * AP and print one line per pCPU:
 *   [hv] tsc: pcpu N skew S ticks +/- U (injected I)
 * error_spec (hv_opts.skew_error, the same syntax; "" for none) is then added
 * to the measured table: a teaching aid, a table wrong on purpose for the
 * percpu guard to catch; the line then ends ", made wrong by skew_error=: E ticks".
 * Returns false (after printing the parse error) on a bad value of either.
 */
bool tsc_sync_init(const char *skew_spec, const char *error_spec);

/*
 * Measure pCPU cpu's TSC against the caller's (pCPU 0) by ping-pong over one
 * shared cache line, in both directions, keeping the round with the shortest
 * round trip of each; the result is the intersection of the two intervals
 * that causality allows. cpu must be an AP idle in its mailbox loop.
 */
void tsc_skew_measure(uint32_t cpu, int64_t *skew_out, uint64_t *unc);

#endif
