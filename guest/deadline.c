/*
 * guest/deadline.c - TSC-deadline timer precision: n deadlines at seeded
 * random distances; none may fire before the TSC reaches it.
 *
 * Context: test guest, one CPU, interrupts on; bare on Bochs (QEMU 7.2 TCG
 * has no TSC-deadline mode: everything SKIPs there) or under chronovisor,
 * whose virtual timer must follow the guest's own TSC (offset, scaling,
 * the guest's writes to IA32_TSC and IA32_TSC_ADJUST) on whatever pCPU the
 * vCPU runs.
 *
 * Each round: with IF = 0, arm IA32_TSC_DEADLINE = RDTSC + distance, then
 * wait in HLT (STI; HLT) until the handler ran. The handler reads the TSC
 * first: below the deadline is an early fire (SDM Vol. 3A, "TSC-Deadline
 * Mode": the timer fires when the TSC reaches the deadline); lateness =
 * TSC in the handler - deadline. A deadline that never fires leaves the
 * guest halted: the harness's timeout ends it without a verdict.
 * Distances are log-uniform by decade: a decade [10^k, 10^(k+1)) inside
 * [min, max] is picked uniformly, then a value in it (xorshift64*, seed=).
 *
 * Arguments (all optional):
 *   n=N          deadlines (default 10000; at most N_MAX)
 *   seed=S       the random sequence (default 1)
 *   min=, max=   distance range in TSC ticks (default 1000 and 10000000)
 *   wrtsc=1      a third of the way, WRMSR IA32_TSC = TSC / 2 (backwards);
 *                later deadlines are in the new TSC values
 *   wradjust=1   two thirds of the way, IA32_TSC_ADJUST -= TSC / 4 (the
 *                TSC moves back with it; SKIP without TSC_ADJUST)
 *   expect=ontime|early   (default ontime) ontime: PASS when every deadline
 *                fired once and none early; early: PASS only when some
 *                fired early (the negative control for a hypervisor policy
 *                that does not follow the guest's TSC)
 *   sabotage=early   the handler compares against a deadline 2x the
 *                distance away, so every fire looks early: shows the check
 *                can fail on a correct timer
 * Output:
 *   deadline: fires=N early=N lateness min=A median=B max=C ticks
 *
 * Bare Bochs 2.7 compares a deadline with its system tick count, not with
 * the CPU's TSC (cpu/apic.cc, set_tsc_deadline): once the guest has moved
 * its TSC back (wrtsc=1, wradjust=1) later deadlines fire early there, so
 * expect=early passes on bare Bochs with either; without them the two
 * counts are equal and every deadline fires 37-46 ticks late (the
 * interrupt delivery and the handler's first instructions).
 */
#include "guest/lib/apic.h"
#include "guest/lib/apic_timer.h"
#include "guest/lib/guest.h"
#include "guest/lib/irq.h"
#include "guest/lib/rand.h"
#include "guest/lib/tsc_freq.h"

#define VEC_DEADLINE        0xD0
#define DEFAULT_N           10000
#define N_MAX               100000
#define DEFAULT_MIN         1000
#define DEFAULT_MAX         10000000
#define MSR_IA32_TSC        0x00000010
#define MSR_IA32_TSC_ADJUST 0x0000003B
#define CPUID_7_EBX_TSC_ADJUST (1u << 1)

static int64_t lateness[N_MAX];

/* What the handler compares against, and what it saw. */
static volatile uint64_t deadline;
static volatile bool armed, fired;
static volatile uint64_t seen_tsc;
static volatile uint64_t extra_fires;    /* fires with nothing armed */



static void deadline_handler(struct trap_frame *f)
{
	uint64_t t = rdtsc();

	if (!armed) {
		extra_fires++;
	} else {
		seen_tsc = t;
		armed = false;
		fired = true;
	}
	apic_eoi();
}

static bool has_tsc_adjust(void)
{
	return cpuid(0).eax >= 7 && (cpuid_count(7, 0).ebx & CPUID_7_EBX_TSC_ADJUST);
}



static void write_tsc_back(void)
{
	uint64_t before = rdtsc(), x = before / 2;
	int r = wrmsr_safe(MSR_IA32_TSC, x);
	uint64_t after = rdtsc();

	report(r == 0 && after >= x && after < before,
	       "deadline: wrtsc: WRMSR IA32_TSC %lu -> %lu (next RDTSC %lu)", before, x, after);
}

static void write_adjust_back(void)
{
	uint64_t a = 0, before, after;

	if (!has_tsc_adjust()) {
		report_skip("deadline: wradjust (CPU lacks IA32_TSC_ADJUST: CPUID.7.0:EBX[1] = 0)");
		return;
	}
	int r = rdmsr_safe(MSR_IA32_TSC_ADJUST, &a);
	before = rdtsc();
	uint64_t step = before / 4;
	r |= wrmsr_safe(MSR_IA32_TSC_ADJUST, a - step);
	after = rdtsc();
	report(r == 0 && after < before && before - after <= step,
	       "deadline: wradjust: IA32_TSC_ADJUST %ld -> %ld moved the TSC %lu -> %lu",
	       (int64_t)a, (int64_t)(a - step), before, after);
}

int main(int argc, char **argv)
{
	int64_t n = arg_get_int("n", DEFAULT_N);
	int64_t lo = arg_get_int("min", DEFAULT_MIN), hi = arg_get_int("max", DEFAULT_MAX);
	bool wrtsc = arg_get_int("wrtsc", 0) == 1, wradjust = arg_get_int("wradjust", 0) == 1;
	const char *expect = arg_get("expect"), *sabotage = arg_get("sabotage");
	bool sabotage_early = sabotage && strcmp(sabotage, "early") == 0;
	uint64_t early = 0, fires = 0;

	if (!expect)
		expect = "ontime";
	if (n < 1 || n > N_MAX || lo < 1 || hi < lo || (sabotage && !sabotage_early) ||
	    (strcmp(expect, "ontime") && strcmp(expect, "early")))
		report_abort("deadline: bad arguments n=%ld (1-%d) min=%ld max=%ld expect=%s "
			     "sabotage=%s", n, N_MAX, lo, hi, expect, sabotage ? sabotage : "");
	rand_seed((uint64_t)arg_get_int("seed", 1));

	printf("deadline: n=%ld seed=%ld distances %ld..%ld ticks, TSC %lu kHz (%s)%s%s\n", n,
	       arg_get_int("seed", 1), lo, hi, tsc_khz(), tsc_khz_source(), wrtsc ? ", wrtsc" : "",
	       wradjust ? ", wradjust" : "");
	if (!apic_has_tsc_deadline()) {
		report_skip("deadline: TSC-deadline timer (CPU lacks it: CPUID.1:ECX[24] = 0)");
		report_summary();
	}

	irq_register(VEC_DEADLINE, deadline_handler);
	apic_sw_enable();
	apic_set_tpr(0);
	apic_timer_deadline_mode(VEC_DEADLINE);

	for (int64_t i = 0; i < n; i++) {
		if (wrtsc && i == n / 3)
			write_tsc_back();
		if (wradjust && i == 2 * n / 3)
			write_adjust_back();

		uint64_t dist = rand_log_uniform((uint64_t)lo, (uint64_t)hi);
		irq_disable();
		fired = false;
		uint64_t d = rdtsc() + dist;
		deadline = sabotage_early ? d + dist : d;
		armed = true;
		apic_timer_deadline_arm(d);
		while (!fired) {
			safe_halt();
			irq_disable();
		}
		irq_enable();
		int64_t late = (int64_t)(seen_tsc - deadline);
		lateness[fires++] = late;
		if (seen_tsc < deadline)
			early++;
	}
	apic_timer_stop();

	/* samples=1: every fire's lateness in the order they came (make plot:
	 * docs/img/timer-lateness.png); negative is an early fire. */
	if (arg_get_int("samples", 0) == 1)
		for (uint64_t i = 0; i < fires; i++)
			printf("deadline: late %lu %ld\n", i, lateness[i]);

	sort_i64(lateness, fires);
	printf("deadline: fires=%lu early=%lu lateness min=%ld median=%ld max=%ld ticks\n", fires,
	       early, lateness[0], lateness[fires / 2], lateness[fires - 1]);
	if (extra_fires)
		report_info("deadline: %lu fires with no deadline armed", extra_fires);

	unsigned last = 0;
	uint64_t unexpected = irq_unexpected(&last);
	report(unexpected == 0 && extra_fires == 0,
	       "deadline: no other interrupt (%lu unexpected, last vector %#x; %lu unarmed fires)",
	       unexpected, last, extra_fires);
	if (strcmp(expect, "early") == 0)
		report(early > 0, "deadline: early fires detected (%lu of %lu), as expected", early,
		       fires);
	else
		report(early == 0 && fires == (uint64_t)n,
		       "deadline: %lu of %ld deadlines fired, none early (%lu early)", fires, n, early);
	report_summary();
}
