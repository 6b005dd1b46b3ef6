/*
 * guest/rtos.c - an RTOS-style tick and nanosleep(): t1 = RDTSC;
 * nanosleep(100 us); t2 = RDTSC must never give t2 < t1.
 *
 * Context: test guest, one CPU, interrupts on, no hypercall: it sees only
 * what a real-time OS sees. Bare on Bochs and QEMU TCG, or under
 * chronovisor. The seed case: a VxWorks guest whose
 *     t1 = rdtsc(); nanosleep(100); t2 = rdtsc();
 * saw t2 < t1 after its vCPU slept in HLT and woke on another pCPU whose
 * TSC the hypervisor did not compensate (chronovisor's tsc=none policy).
 *
 * The tick: the local APIC timer in periodic mode at hz= ticks per second
 * of guest time (default 1000). Its period in APIC timer counts comes
 * from the TSC: the TSC frequency from tsc_khz() (guest/lib/tsc_freq.h:
 * chronovisor's leaf 0x40000010, else CPUID 0x15/0x16, else the PIT, which
 * also overrides CPUID when bare and they disagree, as on Bochs), and the
 * APIC timer clock measured against the TSC over CAL_MS
 * (apic_timer_calibrate). The handler only counts ticks.
 * nanosleep(ns) waits in HLT until ceil(ns / tick period) ticks have
 * passed (VxWorks' taskDelay rounding): it may return up to one period
 * early relative to ns - the first tick can come at once - never more.
 *
 * Checks (the first is the point; the others show the clock is sane):
 *   - t2 >= t1 every time (backward steps counted, the largest kept);
 *   - t2 - t1 >= (ticks slept - 1) * period, i.e. >= sleep - one period;
 *   - the ticks counted since the timer started match TSC elapsed /
 *     period within 2 ticks + tol_pct= percent (default 2): the timer and
 *     the TSC run at one rate. Counted after the loop, once the ticks the
 *     vCPU may still be owed have come (under chronovisor, expiries that
 *     passed while it was off every pCPU come one per interrupt taken,
 *     docs/interrupts.md): a count over the loop alone would be off by as
 *     many as were owed when it began or ended.
 *
 * Arguments (all optional):
 *   n=N            iterations (default 100000)
 *   sleep_ns=NS    the nanosleep (default 100000)
 *   hz=HZ          tick rate (default 1000)
 *   tol_pct=P      tick-rate tolerance (default 2)
 *   expect=forward|backward   (default forward) backward: PASS only when
 *                  backward steps were seen, the other checks become INFO
 *                  (the negative control for tsc=none with skewed pCPUs)
 *   sabotage=tick  the handler counts two per tick: the tick-rate check
 *                  must FAIL on a correct platform
 * Output:
 *   rtos: n=N sleep=NS ns tick=HZ Hz period=P TSC ticks backward=B max_backward=M short=S
 *         sleep min=A max=C TSC ticks; ticks=T expected=E
 *   (T and E over the timer's whole run, as the rate check counts them)
 */
#include "guest/lib/apic.h"
#include "guest/lib/apic_timer.h"
#include "guest/lib/guest.h"
#include "guest/lib/irq.h"
#include "guest/lib/tsc_freq.h"

#define VEC_TICK          0xD0
#define DEFAULT_N         100000
#define DEFAULT_SLEEP_NS  100000
#define DEFAULT_HZ        1000
#define DEFAULT_TOL_PCT   2
#define TICK_SLACK        2             /* ticks the rate check always allows */
#define CAL_MS            10
#define DRAIN_PERIODS     64            /* longest wait for owed ticks after the loop */
#define NS_PER_S          1000000000ull

static volatile uint64_t ticks;
static unsigned tick_step = 1;
static uint64_t period_ns;

static void tick_handler(struct trap_frame *f)
{
	ticks += tick_step;
	apic_eoi();
}

/* Ticks a sleep of ns takes: rounded up, at least one. */
static uint64_t sleep_ticks(uint64_t ns)
{
	uint64_t t = (ns + period_ns - 1) / period_ns;

	return t ? t : 1;
}

static void nanosleep(uint64_t ns)
{
	uint64_t target;

	irq_disable();
	target = ticks + sleep_ticks(ns);
	while (ticks < target) {
		safe_halt();
		irq_disable();
	}
	irq_enable();
}

/* Periodic APIC timer at hz, period_tsc TSC ticks; false if the count does
 * not fit 32 bits even at divide 128. */
static bool start_tick(const struct apic_timer_cal *cal, uint64_t period_tsc, uint32_t *count,
		       unsigned *div)
{
	uint64_t c = apic_timer_count_for(cal, period_tsc);

	for (*div = 1; *div <= 128; *div <<= 1, c >>= 1) {
		if (c > 0 && c <= 0xFFFFFFFFull) {
			*count = (uint32_t)c;
			apic_timer_set_divide(*div);
			apic_timer_start(APIC_TIMER_PERIODIC, VEC_TICK, *count);
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	int64_t n = arg_get_int("n", DEFAULT_N), sleep_ns = arg_get_int("sleep_ns", DEFAULT_SLEEP_NS);
	int64_t hz = arg_get_int("hz", DEFAULT_HZ), tol = arg_get_int("tol_pct", DEFAULT_TOL_PCT);
	const char *expect = arg_get("expect"), *sabotage = arg_get("sabotage");
	struct apic_timer_cal cal;
	uint64_t khz, period_tsc, backward = 0, max_backward = 0, shorts = 0;
	uint64_t min_sleep = ~0ull, max_sleep = 0;
	uint32_t count;
	unsigned div;

	if (!expect)
		expect = "forward";
	if (n < 1 || sleep_ns < 0 || hz < 1 || hz > 1000000 || tol < 0 ||
	    (strcmp(expect, "forward") && strcmp(expect, "backward")) ||
	    (sabotage && strcmp(sabotage, "tick")))
		report_abort("rtos: bad arguments n=%ld sleep_ns=%ld hz=%ld tol_pct=%ld expect=%s "
			     "sabotage=%s", n, sleep_ns, hz, tol, expect, sabotage ? sabotage : "");
	if (sabotage)
		tick_step = 2;
	bool want_backward = strcmp(expect, "backward") == 0;

	khz = tsc_khz();
	if (!khz)
		report_abort("rtos: no TSC frequency (chronovisor leaf, CPUID 0x15/0x16, PIT)");
	period_ns = NS_PER_S / (uint64_t)hz;
	period_tsc = khz * 1000 / (uint64_t)hz;

	irq_register(VEC_TICK, tick_handler);
	apic_sw_enable();
	apic_set_tpr(0);
	bool cal_ok = apic_timer_calibrate(khz * CAL_MS, &cal);
	report(cal_ok, "rtos: APIC timer calibration: %lu counts in %lu TSC ticks", cal.apic_ticks,
	       cal.tsc_ticks);
	if (!cal_ok || !start_tick(&cal, period_tsc, &count, &div))
		report_abort("rtos: no periodic tick of %lu TSC ticks", period_tsc);
	uint64_t tsc_start = rdtsc_ordered(), tick_start = ticks;
	irq_enable();           /* before the line below: a tick that waits behind another is lost */
	printf("rtos: TSC %lu kHz (%s); tick %ld Hz = %lu TSC ticks = %u APIC counts at divide %u\n",
	       khz, tsc_khz_source(), hz, period_tsc, count, div);

	nanosleep(1);                           /* start on a tick boundary */
	uint64_t slept_ticks = sleep_ticks((uint64_t)sleep_ns);
	uint64_t bound = (slept_ticks - 1) * period_tsc;
	uint64_t tick0 = ticks, tsc0 = rdtsc_ordered();

	for (int64_t i = 0; i < n; i++) {
		uint64_t t1 = rdtsc_ordered();
		nanosleep((uint64_t)sleep_ns);
		uint64_t t2 = rdtsc_ordered();

		if (t2 < t1) {
			backward++;
			if (t1 - t2 > max_backward)
				max_backward = t1 - t2;
			continue;
		}
		if (t2 - t1 < bound)
			shorts++;
		if (t2 - t1 < min_sleep)
			min_sleep = t2 - t1;
		if (t2 - t1 > max_sleep)
			max_sleep = t2 - t1;
	}
	uint64_t tsc1 = rdtsc_ordered(), tick1 = ticks;

	/* The ticks still owed come now: wait, at most DRAIN_PERIODS periods,
	 * until the count is within one of the periods since the start. A
	 * timer that runs fast is past that at once; one that loses ticks
	 * never gets there, and the check below fails either way. */
	uint64_t now = tsc1, drain_end = tsc1 + DRAIN_PERIODS * period_tsc, tick_end = ticks;
	while (tick_end - tick_start + 1 < (now - tsc_start) / period_tsc && now < drain_end) {
		pause();
		now = rdtsc_ordered();
		tick_end = ticks;
	}
	apic_timer_stop();
	irq_disable();

	uint64_t loop_counted = tick1 - tick0, loop_expected = (tsc1 - tsc0) / period_tsc;
	uint64_t counted = tick_end - tick_start;
	uint64_t expected = now > tsc_start ? (now - tsc_start) / period_tsc : 0;
	uint64_t diff = counted > expected ? counted - expected : expected - counted;
	bool rate_ok = diff <= TICK_SLACK + expected * (uint64_t)tol / 100;

	printf("rtos: n=%ld sleep=%ld ns tick=%ld Hz period=%lu TSC ticks backward=%lu "
	       "max_backward=%lu short=%lu sleep min=%lu max=%lu TSC ticks; ticks=%lu expected=%lu\n",
	       n, sleep_ns, hz, period_tsc, backward, max_backward, shorts,
	       min_sleep == ~0ull ? 0 : min_sleep, max_sleep, counted, expected);

	unsigned last = 0;
	uint64_t unexpected = irq_unexpected(&last);
	report(unexpected == 0, "rtos: no other interrupt (%lu, last vector %#x)", unexpected, last);
	if (want_backward) {
		report(backward > 0, "rtos: backward steps detected (%lu of %ld, largest %lu ticks), "
		       "as expected without compensation", backward, n, max_backward);
		report_info("rtos: %lu sleeps shorter than %lu ticks; %lu ticks counted, %lu expected "
			    "(%lu and %lu over the loop)", shorts, bound, counted, expected,
			    loop_counted, loop_expected);
		report_summary();
	}
	report(backward == 0, "rtos: t2 >= t1 around every nanosleep(%ld ns) (%lu backward, "
	       "largest %lu ticks)", sleep_ns, backward, max_backward);
	report(shorts == 0, "rtos: every sleep lasted >= %lu TSC ticks (%lu tick(s) - 1 period; "
	       "%lu shorter)", bound, slept_ticks, shorts);
	report(rate_ok, "rtos: %lu ticks counted over %lu TSC ticks since the timer started, %lu "
	       "expected (within %d + %ld%%; %lu and %lu over the loop)", counted, now - tsc_start,
	       expected, TICK_SLACK, tol, loop_counted, loop_expected);
	report_summary();
}
