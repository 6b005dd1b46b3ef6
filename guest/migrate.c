/*
 * guest/migrate.c - one vCPU reads its TSC in a tight loop while chronovisor
 * moves it between pCPUs; the TSC must never go backwards.
 *
 * Context: test guest, one CPU, bare on QEMU TCG and Bochs or under
 * chronovisor, where the hypervisor's slice and migrate= options move the
 * vCPU (docs/design.md, "Scheduling and migration"). The guest does nothing to
 * cause moves beyond the optional HC_YIELD every yield= reads.
 *
 * Each read is LFENCE; RDTSC (Linux's rdtsc_ordered), so reads cannot pass
 * each other. A read below the one before it is a backward step; a read more
 * than jump= ticks above it is a forward jump. Forward jumps are normal:
 * guest time runs on while the vCPU is off its pCPU (an exit, another
 * vCPU's slice, host preemption of QEMU). They are counted to show what a
 * skew does to a clock that moves with no compensation: a move to a pCPU
 * that is S ticks ahead shows as a jump of S plus the time away, a move to
 * one S behind as a step back (or, when S is below the time away, as a
 * jump shortened by S - which only the backward steps of the reverse move
 * reveal).
 *
 * Arguments (all optional):
 *   reads=N      RDTSC reads (default 1000000)
 *   jump=T       forward gap in ticks counted as a jump (default 1000000).
 *                Chosen so that in Bochs (50 MHz: 20 ms; one tick per
 *                instruction) an exit, a hypercall or a scheduling round
 *                trip (thousands of ticks) is not a jump while the skews the
 *                tests inject (skew=+1000000 and up) are; at GHz rates
 *                (QEMU TCG, hardware) it is under a millisecond, so host
 *                preemption shows too: jumps are information, never a verdict.
 *   yield=K      HC_YIELD every K reads (default 0: never), more exits and
 *                more chances to move; bare it is a no-op
 *   expect=monotonic|backward|any   (default monotonic)
 *                monotonic: PASS when no read went backwards;
 *                backward: PASS when some did (the negative control,
 *                chronovisor's tsc=none on skewed pCPUs);
 *                any: report the numbers only.
 *   samples=N    (default 0: off) N >= 2 samples of the guest clock against
 *                the hypervisor's reference clock, evenly spaced over the
 *                reads: one before the first read, one after every
 *                reads/(N-1) reads. For `make plot` (scripts/plot-data).
 *                Each sample is RDTSC, HC_CLOCK, RDTSC (guest_tsc is the
 *                first read: see take_sample) and HC_COUNTERS (migrations
 *                so far): two VM exits, so a sample costs a few thousand
 *                ticks, and the exits give the scheduler chances to end a
 *                slice (so sampled runs move a little more often). Samples are kept in memory and printed after the
 *                loop, through HC_WRITE in 4 KiB blocks, so printing does
 *                not stretch the measured run. At most SAMPLES_MAX.
 *   hist=1       (default 0) a log2 histogram of the backward steps' sizes.
 *   swapgs=1     (default 0) before the loop, WRMSR IA32_KERNEL_GS_BASE with
 *                a second GS base (an alias of this CPU's, so %gs:0 still
 *                works) and SWAPGS, which exchanges the two with no VM exit;
 *                after it, both must still be where SWAPGS left them, however
 *                often the vCPU moved (a hypervisor that keeps only the
 *                WRMSR value brings the old one back on another pCPU: the
 *                flaw=stale-swapgs negative control). Then SWAPGS back.
 *   check_every=N  (default 0: off) every N reads, the clock error measured
 *                from what this guest reads (HC_TSC_CHECK; docs/tsc.md, "The
 *                clock error the guest measures"): RDTSC, then VMCALL with
 *                the value, and the hypervisor compares it with the ideal
 *                clock at that exit. A sample refused with HC_EAGAIN (the
 *                vCPU left its pCPU between the two) is taken again, at most
 *                CHECK_TRIES times in all. Needs chronovisor: bare it is a
 *                SKIP; under chronovisor, any other error, or no sample at
 *                all, is a FAIL (never a figure).
 * Output: one line
 *   migrate: reads=N backward=B max_backward=M forward_jumps=J max_forward=F
 * with check_every=N under chronovisor, before it:
 *   migrate: guest_clock_checks=K guest_clock_dropped=D guest_clock_error_lo=L
 *            guest_clock_error_hi=H guest_clock_error_max=M
 *     K samples, D refusals (HC_EAGAIN), L and H the most negative and most
 *     positive error (signed ticks), M the largest |error|
 * then, under chronovisor, an INFO line with this vCPU's exit counters.
 * With samples=N, before that line:
 *   samples: n=N every=K tsc_khz=F      K reads between samples; F: CPUID
 *                                       0x40000010, the rate HC_CLOCK uses
 *   sample: <i> <guest_tsc> <ref_ns> <migrations> <rtt>     i = 0 .. N-1
 *     guest_tsc: this vCPU's TSC (ticks); ref_ns: HC_CLOCK (ns since the
 *     hypervisor booted); migrations: HC_COUNTERS.migrations so far (0 when
 *     bare); rtt: ticks between the RDTSCs around HC_CLOCK. A sample whose
 *     rtt is over SAMPLE_RETRY_TICKS (the vCPU was taken off its pCPU inside
 *     it) is taken again, at most SAMPLE_TRIES times in all.
 * With hist=1:
 *   hist: backward <k> <lo> <hi> <count>   one per non-empty bucket: steps of
 *                                          lo <= size <= hi ticks, lo = 2^k
 *   hist: backward total=B                 B = the backward= above
 */
#include "guest/lib/guest.h"

#define DEFAULT_READS        1000000
#define DEFAULT_JUMP         1000000
#define SAMPLES_MAX          8192
#define SAMPLE_RETRY_TICKS   2000
#define SAMPLE_TRIES         5
#define HIST_BUCKETS         64
#define CHECK_TRIES          5

/* SDM Vol. 3D, "VMX Basic Exit Reasons" */
#define EXIT_REASON_EXTERNAL_INTERRUPT  1
#define EXIT_REASON_HLT                 12
#define EXIT_REASON_RDTSC               16
#define EXIT_REASON_VMCALL              18
#define EXIT_REASON_PREEMPTION_TIMER    52

struct tally {
	uint64_t reads, backward, max_backward, forward_jumps, max_forward;
	bool hist;
	uint64_t hist_backward[HIST_BUCKETS];   /* [k]: steps of 2^k .. 2^(k+1)-1 ticks */
	/* check_every= (HC_TSC_CHECK) */
	uint64_t check_every, checks, dropped, check_failures;
	int64_t err_lo, err_hi, check_error;    /* check_error: the first failure's code */
	uint64_t err_max;
};

struct sample {
	uint64_t guest_tsc, ref_ns, migrations, rtt;
};

static struct sample samples[SAMPLES_MAX];
static struct hc_counters sample_counters;

static unsigned log2_floor(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

static void take_sample(struct sample *s)
{
	for (int tries = 0; ; tries++) {
		uint64_t t1 = rdtsc_ordered();
		int64_t ns = hc_clock();
		uint64_t t2 = rdtsc_ordered();

		/* HC_CLOCK reads the reference as soon as the VMCALL exits, and a
		 * vCPU whose slice is over leaves its pCPU only after that, so t1
		 * (plus the exit's fixed cost, which cancels out in the plots) is
		 * the guest time that matches ns; t2 may be a slice later. */
		s->guest_tsc = t1;
		s->ref_ns = ns < 0 ? 0 : (uint64_t)ns;
		s->rtt = t2 - t1;
		if (t2 - t1 <= SAMPLE_RETRY_TICKS || tries == SAMPLE_TRIES - 1)
			break;
	}
	s->migrations = hc_counters(&sample_counters) >= 0 ? sample_counters.migrations : 0;
}

/* One HC_TSC_CHECK sample, taken again after HC_EAGAIN. */
static __attribute__((noinline)) void tsc_check(struct tally *t)
{
	for (int tries = 0; tries < CHECK_TRIES; tries++) {
		int64_t err = 0;
		uint64_t read;
		int64_t r = hc_tsc_check(&err, &read);

		if (r == HC_EAGAIN) {
			t->dropped++;
			continue;
		}
		if (r < 0) {
			if (!t->check_failures++)
				t->check_error = r;
			return;
		}
		uint64_t mag = err < 0 ? 0 - (uint64_t)err : (uint64_t)err;
		if (!t->checks || err < t->err_lo)
			t->err_lo = err;
		if (!t->checks || err > t->err_hi)
			t->err_hi = err;
		if (mag > t->err_max)
			t->err_max = mag;
		t->checks++;
		return;
	}
}

/* Reads first..last (1-based); prev is the read before them. The loop body is
 * the measurement: keep it as small as it was before samples= existed. */
static __attribute__((noinline)) uint64_t
run_reads(struct tally *t, uint64_t prev, uint64_t first, uint64_t last, uint64_t jump,
	  uint64_t yield_every)
{
	for (uint64_t i = first; i <= last; i++) {
		if (yield_every && i % yield_every == 0)
			hc_yield();
		if (t->check_every && i % t->check_every == 0)
			tsc_check(t);
		uint64_t now = rdtsc_ordered();
		if (now < prev) {
			t->backward++;
			if (prev - now > t->max_backward)
				t->max_backward = prev - now;
			if (t->hist)
				t->hist_backward[log2_floor(prev - now)]++;
		} else if (now - prev > jump) {
			t->forward_jumps++;
			if (now - prev > t->max_forward)
				t->max_forward = now - prev;
		}
		prev = now;
	}
	return prev;
}

/* nsamples 0: one pass over all the reads; else samples[0] before the first
 * read and samples[k] after read k * reads / (nsamples - 1). */
static void run(struct tally *t, uint64_t reads, uint64_t jump, uint64_t yield_every,
		uint64_t nsamples)
{
	uint64_t prev, done = 0;

	if (nsamples == 0) {
		prev = rdtsc_ordered();
		run_reads(t, prev, 1, reads, jump, yield_every);
		t->reads = reads;
		return;
	}
	take_sample(&samples[0]);
	prev = rdtsc_ordered();
	for (uint64_t k = 1; k < nsamples; k++) {
		uint64_t last = k * reads / (nsamples - 1);

		prev = run_reads(t, prev, done + 1, last, jump, yield_every);
		done = last;
		take_sample(&samples[k]);
	}
	t->reads = reads;
}

/* The sample lines, through HC_WRITE in blocks (one exit per block instead of
 * two per character); bare, through the console. */
static void print_samples(uint64_t nsamples, uint64_t reads)
{
	static char block[HC_WRITE_MAX];
	size_t used = 0;
	bool hc = on_chronovisor();

	printf("samples: n=%lu every=%lu tsc_khz=%u\n", nsamples, reads / (nsamples - 1),
	       chronovisor_tsc_khz());
	for (uint64_t i = 0; i < nsamples; i++) {
		char line[96];
		int n = snprintf(line, sizeof(line), "sample: %lu %lu %lu %lu %lu\n", i,
				 samples[i].guest_tsc, samples[i].ref_ns, samples[i].migrations,
				 samples[i].rtt);

		if (!hc) {
			printf("%s", line);
			continue;
		}
		if (used + (size_t)n > sizeof(block)) {
			hc_write(block, used);
			used = 0;
		}
		memcpy(block + used, line, (size_t)n);
		used += (size_t)n;
	}
	if (hc && used)
		hc_write(block, used);
}

static void print_hist(const struct tally *t)
{
	for (unsigned k = 0; k < HIST_BUCKETS; k++)
		if (t->hist_backward[k])
			printf("hist: backward %u %lu %lu %lu\n", k, 1ul << k,
			       k == 63 ? ~0ul : (2ul << k) - 1, t->hist_backward[k]);
	printf("hist: backward total=%lu\n", t->backward);
}

static void print_counters(const struct hc_counters *before, const struct hc_counters *after)
{
#define DELTA(f) (after->f - before->f)
	report_info("migrate: during the loop: exits=%lu hypercalls=%lu preemption_timer=%lu "
		    "external_interrupt=%lu hlt=%lu rdtsc=%lu vmcall=%lu",
		    DELTA(exits_total), DELTA(hypercalls),
		    DELTA(exits_by_reason[EXIT_REASON_PREEMPTION_TIMER]),
		    DELTA(exits_by_reason[EXIT_REASON_EXTERNAL_INTERRUPT]),
		    DELTA(exits_by_reason[EXIT_REASON_HLT]),
		    DELTA(exits_by_reason[EXIT_REASON_RDTSC]),
		    DELTA(exits_by_reason[EXIT_REASON_VMCALL]));
#undef DELTA
}

#define MSR_IA32_GS_BASE         0xC0000101
#define MSR_IA32_KERNEL_GS_BASE  0xC0000102

/* swapgs=1: %gs:0 holds this CPU's self pointer (guest/lib/cpu.h); the
 * alias holds the same pointer, so either base serves this_cpu(). */
static struct { void *self; } gs_alias;
static uint64_t gs_home;

static void swapgs_before(void)
{
	asm volatile("mov %%gs:0, %0" : "=r"(gs_alias.self));
	gs_home = rdmsr(MSR_IA32_GS_BASE);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, (uint64_t)&gs_alias);   /* exits: the hypervisor keeps it */
	asm volatile("swapgs" ::: "memory");                    /* no exit: only the CPU knows */
}

static void swapgs_after(uint64_t migrations)
{
	uint64_t kgs = rdmsr(MSR_IA32_KERNEL_GS_BASE), gsb = rdmsr(MSR_IA32_GS_BASE);

	asm volatile("swapgs" ::: "memory");
	report(kgs == gs_home && gsb == (uint64_t)&gs_alias,
	       "migrate: swapgs: after %lu migration(s) KERNEL_GS_BASE %#lx (want %#lx), GS base %#lx "
	       "(want %#lx)", migrations, kgs, gs_home, gsb, (uint64_t)&gs_alias);
}

int main(int argc, char **argv)
{
	static struct hc_counters before, after;
	struct tally t = { 0 };
	int64_t reads = arg_get_int("reads", DEFAULT_READS);
	int64_t jump = arg_get_int("jump", DEFAULT_JUMP);
	int64_t yield_every = arg_get_int("yield", 0);
	int64_t nsamples = arg_get_int("samples", 0);
	int64_t check_every = arg_get_int("check_every", 0);
	const char *expect = arg_get("expect");
	bool counters;

	if (!expect)
		expect = "monotonic";
	if (reads < 1 || jump < 0 || yield_every < 0 || nsamples < 0 || nsamples == 1 ||
	    nsamples > SAMPLES_MAX || (nsamples > 0 && nsamples - 1 > reads) || check_every < 0)
		report_abort("migrate: bad arguments reads=%ld jump=%ld yield=%ld samples=%ld "
			     "check_every=%ld (samples: 0, or 2 to min(%d, reads + 1))",
			     reads, jump, yield_every, nsamples, check_every, SAMPLES_MAX);
	t.hist = arg_get_int("hist", 0) != 0;
	if (check_every && !on_chronovisor()) {
		report_skip("migrate: check_every=%ld needs chronovisor (HC_TSC_CHECK)", check_every);
		check_every = 0;
	}
	t.check_every = (uint64_t)check_every;

	bool swapgs = arg_get_int("swapgs", 0) != 0;
	counters = hc_counters(&before) >= 0;
	if (swapgs)
		swapgs_before();
	run(&t, (uint64_t)reads, (uint64_t)jump, (uint64_t)yield_every, (uint64_t)nsamples);
	if (counters)
		counters = hc_counters(&after) >= 0;
	if (swapgs)
		swapgs_after(counters ? after.migrations - before.migrations : 0);

	if (nsamples)
		print_samples((uint64_t)nsamples, (uint64_t)reads);
	if (t.hist)
		print_hist(&t);
	if (t.check_every) {
		printf("migrate: guest_clock_checks=%lu guest_clock_dropped=%lu guest_clock_error_lo=%ld "
		       "guest_clock_error_hi=%ld guest_clock_error_max=%lu\n", t.checks, t.dropped,
		       t.err_lo, t.err_hi, t.err_max);
		if (t.check_failures)
			report(false, "migrate: %lu HC_TSC_CHECK call(s) failed, the first with %ld",
			       t.check_failures, t.check_error);
		else
			report(t.checks > 0, "migrate: %lu clock-error samples (HC_TSC_CHECK), %lu refused "
			       "and taken again", t.checks, t.dropped);
	}

	printf("migrate: reads=%lu backward=%lu max_backward=%lu forward_jumps=%lu max_forward=%lu\n",
	       t.reads, t.backward, t.max_backward, t.forward_jumps, t.max_forward);
	if (counters)
		print_counters(&before, &after);
	else if (on_chronovisor())
		report_info("migrate: HC_COUNTERS failed: no exit counters");

	if (strcmp(expect, "monotonic") == 0)
		report(t.backward == 0, "migrate: TSC never went backwards");
	else if (strcmp(expect, "backward") == 0)
		report(t.backward > 0, "migrate: backward steps detected, as expected without compensation");
	else if (strcmp(expect, "any") == 0)
		report_info("migrate: expect=any: %lu backward steps, no verdict", t.backward);
	else
		report(false, "migrate: expect=%s is not monotonic, backward or any", expect);
	report_summary();
}
