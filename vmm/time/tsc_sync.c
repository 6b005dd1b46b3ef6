/*
 * vmm/time/tsc_sync.c - skew= injection and the measurement of each pCPU's TSC
 * against pCPU 0's.
 *
 * Context: kernel, pCPU 0 after smp_init(); the AP halves run on the APs
 * through smp_call().
 *
 * Injection: an AP with injected skew S executes WRMSR IA32_TSC <- RDTSC + S
 * (SDM Vol. 3B, "Time-Stamp Counter"; the write also moves IA32_TSC_ADJUST
 * by the same amount, "Time-Stamp Counter Adjustment"). The few ticks
 * between the RDTSC and the WRMSR are not corrected for: the measurement
 * afterwards finds the real skew, which is what the hypervisor uses.
 *
 * Measurement (NTP-style ping-pong, as docs/design.md describes): the initiator
 * reads t0, posts round n in a shared cache line, the responder reads t1 on
 * seeing it and answers, the initiator reads t2 on the answer. Whatever the
 * delays, the responder read t1 at an instant when the initiator's TSC lay
 * in [t0, t2], so responder - initiator lies in [t1 - t2, t1 - t0] (widened
 * by one tick each way: a read is the integer part of the count). The round
 * with the shortest t2 - t0 gives the tightest interval. Done both ways (AP
 * initiates, then pCPU 0), the two intervals are intersected: skew is the
 * middle, the uncertainty half the width. If they do not overlap, causality
 * failed somewhere (an emulator's CPU interleaving, for one): the hull of
 * both is used and a warning printed.
 */
#include "vmm/time/tsc_sync.h"
#include "kernel/percpu.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/msr.h"
#include "vmm/time/skew_parse.h"
#include "kernel/smp.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PINGPONG_ROUNDS      100
#define TSC_READ_RESOLUTION  1       /* ticks: a read truncates the count */
#define SKEW_ERR_MAX         256
#define CACHE_LINE           64

int64_t tsc_skew_table[MAX_CPUS];        /* measured: pCPU p's TSC - pCPU 0's */
static uint64_t skew_unc[MAX_CPUS];     /* its uncertainty, +/- ticks */
int64_t tsc_skew_injected_table[MAX_CPUS]; /* what skew= asked for */
static int64_t skew_wrong[MAX_CPUS];    /* what skew_error= added to the table */

/* One cache line that both pCPUs poll and write. */
struct pingpong {
	uint64_t ping;               /* round posted by the initiator */
	uint64_t pong;               /* round answered by the responder */
	uint64_t pong_tsc;           /* the responder's TSC when it saw the ping */
	uint32_t rounds;
	uint64_t best_t0, best_t1, best_t2;   /* the initiator's shortest round */
} __attribute__((aligned(CACHE_LINE)));

_Static_assert(sizeof(struct pingpong) == CACHE_LINE, "ping-pong state is one cache line");

static struct pingpong pp;

static void pingpong_initiate(void *arg)
{
	struct pingpong *p = arg;
	uint64_t best = UINT64_MAX;

	for (uint64_t n = 1; n <= p->rounds; n++) {
		uint64_t t0 = rdtsc_ordered();
		__atomic_store_n(&p->ping, n, __ATOMIC_RELEASE);
		while (__atomic_load_n(&p->pong, __ATOMIC_ACQUIRE) != n)
			cpu_relax();
		uint64_t t2 = rdtsc_ordered();
		uint64_t t1 = __atomic_load_n(&p->pong_tsc, __ATOMIC_RELAXED);
		if (t2 - t0 < best) {
			best = t2 - t0;
			p->best_t0 = t0;
			p->best_t1 = t1;
			p->best_t2 = t2;
		}
	}
}

static void pingpong_respond(void *arg)
{
	struct pingpong *p = arg;

	for (uint64_t n = 1; n <= p->rounds; n++) {
		while (__atomic_load_n(&p->ping, __ATOMIC_ACQUIRE) != n)
			cpu_relax();
		__atomic_store_n(&p->pong_tsc, rdtsc_ordered(), __ATOMIC_RELAXED);
		__atomic_store_n(&p->pong, n, __ATOMIC_RELEASE);
	}
}

static void pingpong_reset(void)
{
	memset(&pp, 0, sizeof(pp));
	pp.rounds = PINGPONG_ROUNDS;
}

void tsc_skew_measure(uint32_t cpu, int64_t *skew_out, uint64_t *unc)
{
	assert(this_cpu()->cpu_id == 0 && cpu != 0 && cpu < smp_ncpus());

	/* pCPU 0 initiates: AP - pCPU0 in [t1 - t2, t1 - t0] */
	pingpong_reset();
	smp_call(cpu, pingpong_respond, &pp);
	pingpong_initiate(&pp);
	smp_wait(cpu);
	int64_t lo_a = (int64_t)(pp.best_t1 - pp.best_t2) - TSC_READ_RESOLUTION;
	int64_t hi_a = (int64_t)(pp.best_t1 - pp.best_t0) + TSC_READ_RESOLUTION;

	/* the AP initiates: pCPU0 - AP in [t1 - t2, t1 - t0], so
	 * AP - pCPU0 in [t0 - t1, t2 - t1] */
	pingpong_reset();
	smp_call(cpu, pingpong_initiate, &pp);
	pingpong_respond(&pp);
	smp_wait(cpu);
	int64_t lo_b = (int64_t)(pp.best_t0 - pp.best_t1) - TSC_READ_RESOLUTION;
	int64_t hi_b = (int64_t)(pp.best_t2 - pp.best_t1) + TSC_READ_RESOLUTION;

	int64_t lo = MAX(lo_a, lo_b), hi = MIN(hi_a, hi_b);
	if (lo > hi) {
		kprintf("[hv] tsc: warning: pcpu %u: the two directions disagree ([%ld, %ld] and [%ld, %ld] ticks): using both\n",
			cpu, lo_a, hi_a, lo_b, hi_b);
		lo = MIN(lo_a, lo_b);
		hi = MAX(hi_a, hi_b);
	}
	*skew_out = lo + (hi - lo) / 2;
	*unc = (uint64_t)(hi - lo + 1) / 2;
}

/* Move this pCPU's TSC by s ticks. Where the CPU has IA32_TSC_ADJUST, a
 * write of it moves the TSC by exactly the difference, in one step (SDM Vol.
 * 3B, "Time-Stamp Counter Adjustment"), so the injected skew is exact;
 * otherwise WRMSR IA32_TSC <- RDTSC + s, which also loses the few
 * instructions between the read and the write. */
static void inject_here(void *arg)
{
	int64_t s = *(const int64_t *)arg;

	if (cpu_has_tsc_adjust())
		wrmsr(MSR_IA32_TSC_ADJUST, rdmsr(MSR_IA32_TSC_ADJUST) + (uint64_t)s);
	else
		wrmsr(MSR_IA32_TIME_STAMP_COUNTER, rdtsc() + (uint64_t)s);
}

/* "+5", "-5", "0" pieces for kprintf: sign and magnitude. */
static const char *sign_of(int64_t v)
{
	return v > 0 ? "+" : v < 0 ? "-" : "";
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

bool tsc_sync_init(const char *skew_spec, const char *error_spec)
{
	uint32_t n = smp_ncpus();
	char err[SKEW_ERR_MAX];

	if (skew_parse(skew_spec, n, tsc_skew_injected_table, err, sizeof(err)) != 0) {
		kprintf("[hv] error: %s\n", err);
		return false;
	}
	if (skew_parse(error_spec, n, skew_wrong, err, sizeof(err)) != 0) {
		kprintf("[hv] error: skew_error=%s (the syntax of skew=): %s\n", error_spec, err);
		return false;
	}

	/* Post every injection first, then wait: the APs write at about the
	 * same time (the measurement finds the truth anyway). */
	uint32_t injected = 0;
	for (uint32_t cpu = 1; cpu < n; cpu++) {
		if (tsc_skew_injected_table[cpu]) {
			smp_call(cpu, inject_here, &tsc_skew_injected_table[cpu]);
			injected++;
		}
	}
	for (uint32_t cpu = 1; cpu < n; cpu++)
		smp_wait(cpu);
	if (injected)
		kprintf("[hv] tsc: skew=%s: moved the TSC of %u AP(s) (%s)\n", skew_spec, injected,
			cpu_has_tsc_adjust() ? "IA32_TSC_ADJUST" : "IA32_TSC");

	tsc_skew_table[0] = 0;
	skew_unc[0] = 0;
	for (uint32_t cpu = 1; cpu < n; cpu++)
		tsc_skew_measure(cpu, &tsc_skew_table[cpu], &skew_unc[cpu]);
	/* skew_error=: a teaching aid that makes the table wrong on purpose,
	 * beyond its uncertainty, for the percpu guard to catch (vtsc.c). */
	for (uint32_t cpu = 1; cpu < n; cpu++)
		tsc_skew_table[cpu] += skew_wrong[cpu];

	kprintf("[hv] tsc: skew of each pCPU's TSC against pcpu 0 (ping-pong, best of %u rounds each way):\n",
		PINGPONG_ROUNDS);
	for (uint32_t cpu = 0; cpu < n; cpu++) {
		char wrong[64] = "";
		if (skew_wrong[cpu])
			cv_snprintf(wrong, sizeof(wrong), ", made wrong by skew_error=: %s%lu ticks",
				    sign_of(skew_wrong[cpu]), magnitude(skew_wrong[cpu]));
		kprintf("[hv] tsc: pcpu %u skew %s%lu ticks +/- %lu (injected %s%lu)%s\n", cpu,
			sign_of(tsc_skew_table[cpu]), magnitude(tsc_skew_table[cpu]), skew_unc[cpu],
			sign_of(tsc_skew_injected_table[cpu]), magnitude(tsc_skew_injected_table[cpu]), wrong);
	}
	return true;
}
