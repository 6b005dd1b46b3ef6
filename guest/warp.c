/*
 * guest/warp.c - several CPUs hand one TSC reading around under a lock;
 * no CPU may read a TSC below the last one published (a "warp").
 *
 * Context: test guest, 2-16 CPUs (guest/lib/smp.h), bare on QEMU TCG and
 * Bochs or under chronovisor with vcpus=N on this command line.
 *
 * The check of Linux's arch/x86/kernel/tsc_sync.c (check_tsc_warp): every
 * CPU, rounds= times, takes a global lock, reads its TSC (LFENCE;
 * RDTSC, so the read cannot pass the lock), compares it with the reading
 * the previous holder published, publishes its own and lets go. The lock
 * orders the readings in real time, so with one clock for all CPUs each
 * reading is >= the one before. now < last means this CPU's TSC is behind
 * the previous holder's by at least last - now (plus the handoff time):
 * unsynchronised TSCs, or a hypervisor that lets a vCPU's clock differ by
 * the pCPU it runs on. Only rounds where the lock changed hands compare two
 * CPUs: a reading taken on another CPU than the reading before it is a
 * handoff. Their number is printed, and a verdict needs at least one: zero
 * warps in rounds that never changed hands would prove nothing. The lock is not fair (guest/lib/spinlock.h
 * says why: a fair lock stalls on a CPU that is not running), so after
 * each round a CPU waits, a bounded while (HANDOFF_WAIT), until another CPU
 * has taken the lock: the lock goes round the CPUs that run, and one that
 * does not run delays the others by that bound only.
 *
 * Arguments (all optional):
 *   cpus=N      CPUs to use (default: all; guest/lib/smp.h); fewer started
 *               than asked for is a FAIL, fewer than 2 available a SKIP
 *   rounds=N    lock rounds per CPU (default 20000)
 *   yield=K     HC_YIELD every K rounds, outside the lock (default 0: never)
 *   expect=monotonic|backward|any   (default monotonic), as in migrate.c:
 *               monotonic: PASS when warps = 0; backward: PASS when warps > 0
 *               (the negative control, chronovisor's tsc=none with skew);
 *               both also need handoffs > 0 (a separate check);
 *               any: numbers only.
 * Output: one line
 *   warp: cpus=C rounds=N warps=W max_warp=M handoffs=H
 * (H: readings taken on another CPU than the reading before them) and an
 * INFO line per CPU with its share of the warps.
 */
#include "guest/lib/guest.h"
#include "guest/lib/smp.h"

#define DEFAULT_ROUNDS  20000
/* smp_relax() steps a CPU waits after its round for another to take the
 * lock: long enough for a spinning CPU to grab it (Bochs: tens of
 * instructions; QEMU TCG: a PAUSE leaves the translated code), short enough
 * that a CPU left alone loses little (rounds * 64 steps at most). */
#define HANDOFF_WAIT    64

static spinlock_t warp_lock = SPINLOCK_INIT;
/* Under warp_lock: */
static uint64_t last_tsc;
static int last_cpu = -1;
static uint64_t warps, max_warp, handoffs;

static uint64_t rounds, yield_every;

struct cpu_result {
	uint64_t warps, max_warp;
	uint64_t first, final;          /* this CPU's first and last reading */
} __attribute__((aligned(64)));
static struct cpu_result results[GUEST_MAX_CPUS];

static void warp_loop(int cpu)
{
	struct cpu_result *r = &results[cpu];

	smp_barrier();                  /* start together */
	for (uint64_t i = 0; i < rounds; i++) {
		spin_lock(&warp_lock);
		uint64_t now = rdtsc_ordered();
		if (now < last_tsc) {
			uint64_t d = last_tsc - now;

			warps++;
			if (d > max_warp)
				max_warp = d;
			r->warps++;
			if (d > r->max_warp)
				r->max_warp = d;
		}
		if (last_cpu >= 0 && last_cpu != cpu)
			handoffs++;
		last_tsc = now;
		last_cpu = cpu;
		if (i == 0)
			r->first = now;
		r->final = now;
		spin_unlock(&warp_lock);
		for (int s = 0; s < HANDOFF_WAIT && __atomic_load_n(&last_cpu, __ATOMIC_RELAXED) == cpu; s++)
			smp_relax();
		if (yield_every && (i + 1) % yield_every == 0)
			hc_yield();
	}
}

int main(int argc, char **argv)
{
	int64_t want = arg_get_int("cpus", 0);
	int64_t n_rounds = arg_get_int("rounds", DEFAULT_ROUNDS);
	int64_t y = arg_get_int("yield", 0);
	const char *expect = arg_get("expect");
	int ncpus;

	if (!expect)
		expect = "monotonic";
	if (n_rounds < 1 || y < 0)
		report_abort("warp: bad arguments rounds=%ld yield=%ld", n_rounds, y);
	rounds = (uint64_t)n_rounds;
	yield_every = (uint64_t)y;

	if (smp_cpus_available() < 2) {
		report_info("warp: CPUs: %s", smp_cpus_source());
		report_skip("warp: needs 2 or more CPUs (%d available)", smp_cpus_available());
		report_summary();
	}
	ncpus = smp_start(0, warp_loop);
	if (want > 0)
		report(ncpus == want, "warp: %d of cpus=%ld CPUs started", ncpus, want);
	else
		report(ncpus == smp_cpus_available(), "warp: %d of %d CPUs started",
		       ncpus, smp_cpus_available());
	if (ncpus < 2)
		report_summary();

	warp_loop(0);
	smp_wait_all();

	printf("warp: cpus=%d rounds=%lu warps=%lu max_warp=%lu handoffs=%lu\n", ncpus, rounds, warps,
	       max_warp, handoffs);
	for (int c = 0; c < ncpus; c++)
		report_info("warp: cpu %d (APIC ID %u): warps=%lu max_warp=%lu tsc %lu..%lu",
			    c, smp_apic_id(c), results[c].warps, results[c].max_warp,
			    results[c].first, results[c].final);
	report_info("warp: %lu of %lu lock rounds changed hands", handoffs, rounds * (uint64_t)ncpus);

	if (strcmp(expect, "monotonic") == 0 || strcmp(expect, "backward") == 0)
		report(handoffs > 0, "warp: the lock changed hands between CPUs (%lu handoffs)", handoffs);
	if (strcmp(expect, "monotonic") == 0)
		report(warps == 0, "warp: no CPU saw the TSC go backwards");
	else if (strcmp(expect, "backward") == 0)
		report(warps > 0, "warp: backward steps detected, as expected without compensation");
	else if (strcmp(expect, "any") == 0)
		report_info("warp: expect=any: %lu warps, no verdict", warps);
	else
		report(false, "warp: expect=%s is not monotonic, backward or any", expect);
	report_summary();
}
