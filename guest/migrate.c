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
 * Output: one line
 *   migrate: reads=N backward=B max_backward=M forward_jumps=J max_forward=F
 * then, under chronovisor, an INFO line with this vCPU's exit counters.
 */
#include "guest/lib/guest.h"

#define DEFAULT_READS        1000000
#define DEFAULT_JUMP         1000000

/* SDM Vol. 3D, "VMX Basic Exit Reasons" */
#define EXIT_REASON_EXTERNAL_INTERRUPT  1
#define EXIT_REASON_HLT                 12
#define EXIT_REASON_RDTSC               16
#define EXIT_REASON_VMCALL              18
#define EXIT_REASON_PREEMPTION_TIMER    52

struct tally {
	uint64_t reads, backward, max_backward, forward_jumps, max_forward;
};

static void run(struct tally *t, uint64_t reads, uint64_t jump, uint64_t yield_every)
{
	uint64_t prev = rdtsc_ordered();

	for (uint64_t i = 1; i <= reads; i++) {
		if (yield_every && i % yield_every == 0)
			hc_yield();
		uint64_t now = rdtsc_ordered();
		if (now < prev) {
			t->backward++;
			if (prev - now > t->max_backward)
				t->max_backward = prev - now;
		} else if (now - prev > jump) {
			t->forward_jumps++;
			if (now - prev > t->max_forward)
				t->max_forward = now - prev;
		}
		prev = now;
	}
	t->reads = reads;
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

int main(int argc, char **argv)
{
	static struct hc_counters before, after;
	struct tally t = { 0 };
	int64_t reads = arg_get_int("reads", DEFAULT_READS);
	int64_t jump = arg_get_int("jump", DEFAULT_JUMP);
	int64_t yield_every = arg_get_int("yield", 0);
	const char *expect = arg_get("expect");
	bool counters;

	if (!expect)
		expect = "monotonic";
	if (reads < 1 || jump < 0 || yield_every < 0)
		report_abort("migrate: bad arguments reads=%ld jump=%ld yield=%ld",
			     reads, jump, yield_every);

	counters = hc_counters(&before) >= 0;
	run(&t, (uint64_t)reads, (uint64_t)jump, (uint64_t)yield_every);
	if (counters)
		counters = hc_counters(&after) >= 0;

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
