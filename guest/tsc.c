/*
 * guest/tsc.c - checks the guest's view of time: RDTSC, IA32_TSC, IA32_TSC_ADJUST,
 * RDTSCP/TSC_AUX, RDPID, sleeping, and the frequency chronovisor announces
 * (docs/design.md, "TSC virtualization: the arithmetic").
 *
 * Context: test guest, one CPU, bare on QEMU TCG and Bochs or under chronovisor.
 * Checks of things only chronovisor promises (TSC counting from VM creation,
 * TSC_ADJUST starting at 0, HC_SLEEP, HLT returning, leaf 0x40000010, no RDTSC
 * exits) SKIP when bare with "(needs chronovisor)"; a feature the CPU lacks
 * SKIPs with "(CPU lacks ...)". Pass hv=1 under chronovisor.
 * Arguments (optional):
 *   tsc_khz=N   the frequency chronovisor was told to give this guest (it reads
 *               the same option from the guest command line): leaf 0x40000010
 *               must say N, and the measured rate must match it.
 *   freq_ms=N   length of each frequency measurement in guest milliseconds
 *               (default FREQ_MS)
 *
 * Rules checked (SDM Vol. 3B, "Time-Stamp Counter" and "Time-Stamp Counter
 * Adjustment"): WRMSR IA32_TSC = x sets the TSC to x and adds (x - old TSC) to
 * IA32_TSC_ADJUST; WRMSR IA32_TSC_ADJUST = a moves the TSC by (a - old adjust).
 * The order matters: TSC_ADJUST is read before anything writes the TSC.
 */
#include "guest/lib/guest.h"

#define MSR_IA32_TSC            0x00000010
#define MSR_IA32_TSC_ADJUST     0x0000003B
#define CPUID_7_EBX_TSC_ADJUST  (1u << 1)
#define CPUID_7_ECX_RDPID       (1u << 22)
#define FW_CFG_PORT_SEL         0x510           /* QEMU fw_cfg: 16-bit selector */
#define FW_CFG_PORT_DATA        0x511           /* byte-wise data */
#define FW_CFG_SIGNATURE        0x00            /* "QEMU" */

/* SDM Vol. 3D, "VMX Basic Exit Reasons" */
#define EXIT_REASON_HLT         12
#define EXIT_REASON_RDTSC       16
#define EXIT_REASON_RDTSCP      51

#define MONO_ITERS              1000000
/*
 * How far past the written value the next RDTSC may be. Bare, a few
 * instructions run between the WRMSR and the RDTSC (Bochs: one tick each).
 * Under chronovisor the WRMSR exits: the hypervisor sets the new offset in its
 * handler, and the rest of the handler plus the VM entry run on guest time
 * (hundreds of ticks in Bochs, 1-2 k cycles on hardware). On QEMU TCG the TSC
 * is the host's and a translation can take tens of microseconds, so the best
 * of WRITE_TRIES attempts counts (each attempt must still read >= x).
 */
#define WRITE_BOUND             10000
#define WRITE_TRIES             3
#define TSC_WRITE_VALUE         (1ull << 40)
#define ADJUST_STEP             (1ull << 32)    /* TSC_ADJUST moves: ~86 s at 50 MHz */
#define TSC_AUX_VALUE           0x1234u
#define SLEEP_TICKS             2000000ull
#define FREQ_MS                 200             /* of guest TSC time */
#define FREQ_TOL_PPM            1000            /* 0.1 % */
#define CLOCK_TRIES             3               /* HC_CLOCK samples, the narrowest kept */

static bool cpu_has_tsc_adjust(void)
{
	return cpuid(0).eax >= 7 && (cpuid_count(7, 0).ebx & CPUID_7_EBX_TSC_ADJUST);
}

static bool cpu_has_rdpid(void)
{
	return cpuid(0).eax >= 7 && (cpuid_count(7, 0).ecx & CPUID_7_ECX_RDPID);
}

/* Bare QEMU: its fw_cfg device answers "QEMU" (Bochs has none). */
static bool bare_qemu(void)
{
	char sig[4];

	if (on_chronovisor())
		return false;
	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (unsigned i = 0; i < sizeof(sig); i++)
		sig[i] = (char)inb(FW_CFG_PORT_DATA);
	return memcmp(sig, "QEMU", 4) == 0;
}

static void skip_bare(const char *what)
{
	report_skip("%s (needs chronovisor)", what);
}

/* RDTSCP that reports #UD instead of ending the run. */
static int rdtscp_safe(uint64_t *tsc, uint32_t *aux)
{
	uint32_t lo = 0, hi = 0, c = 0;

	exception_clear();
	asm volatile("1: rdtscp\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : "+a"(lo), "+d"(hi), "+c"(c) : : "memory");
	if (exception_vector() >= 0)
		return -1;
	*tsc = ((uint64_t)hi << 32) | lo;
	*aux = c;
	return 0;
}

/* RDPID RAX (F3 0F C7 /7), spelled in bytes for older assemblers. */
static int rdpid_safe(uint64_t *v)
{
	uint64_t r = 0;

	exception_clear();
	asm volatile("1: .byte 0xf3, 0x0f, 0xc7, 0xf8\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : "+a"(r) : : "memory");
	if (exception_vector() >= 0)
		return -1;
	*v = r;
	return 0;
}

static uint64_t exit_count(unsigned reason)
{
	static struct hc_counters c;

	return hc_counters(&c) >= 0 ? c.exits_by_reason[reason] : ~0ull;
}

/* ---- the checks, in the order main() runs them ---- */

static void check_start(uint64_t t_start)
{
	report_prefix_push("start");
	if (!on_chronovisor()) {
		report_info("bare: TSC at main() %lu", t_start);
		skip_bare("TSC counts from VM creation");
		report_prefix_pop();
		return;
	}
	/* The VM was created after the hypervisor booted, so its TSC is below the
	 * hypervisor's uptime in guest ticks; the host TSC includes firmware time. */
	int64_t ns = hc_clock();
	uint64_t khz = chronovisor_tsc_khz();
	uint64_t uptime = ns > 0 ? (uint64_t)ns * khz / 1000000 : 0;
	report(ns > 0 && t_start < uptime,
	       "TSC counts from VM creation: %lu at main() < hypervisor uptime %lu ticks (%ld ns)",
	       t_start, uptime, ns);
	report_prefix_pop();
}

static void check_monotonic(void)
{
	uint64_t prev = rdtsc(), first = prev, decreases = 0, worst = 0, equal = 0;

	report_prefix_push("monotonic");
	for (unsigned i = 0; i < MONO_ITERS; i++) {
		uint64_t t = rdtsc();
		if (t < prev) {
			decreases++;
			if (prev - t > worst)
				worst = prev - t;
		} else if (t == prev) {
			equal++;
		}
		prev = t;
	}
	report_info("%u RDTSCs over %lu ticks: %lu decreases (largest %lu), %lu equal pairs",
		    MONO_ITERS, prev - first, decreases, worst, equal);
	report(decreases == 0, "%u back-to-back RDTSCs never decrease (%lu decreases, largest %lu)",
	       MONO_ITERS, decreases, worst);
	report_prefix_pop();
}

static void check_rdmsr_tsc(void)
{
	uint64_t m = 0;

	report_prefix_push("rdmsr");
	uint64_t t0 = rdtsc();
	int r = rdmsr_safe(MSR_IA32_TSC, &m);
	uint64_t t1 = rdtsc();
	bool ok = r == 0 && t0 <= m && m <= t1;
	if (!ok && r == 0 && m < t0 && bare_qemu())
		/* QEMU's TCG returns a stored value (0 until written), not the counter. */
		report_skip("RDMSR IA32_TSC lies between two RDTSCs (QEMU TCG does not read the "
			    "counter: got %lu, RDTSC %lu)", m, t0);
	else
		report(ok, "RDMSR IA32_TSC %lu lies in [%lu, %lu]%s", m, t0, t1, r ? " (#GP)" : "");
	report_prefix_pop();
}

static void check_adjust_initial(void)
{
	uint64_t a = 0;

	report_prefix_push("tsc_adjust");
	if (!cpu_has_tsc_adjust()) {
		report_skip("initial value (CPU lacks IA32_TSC_ADJUST: CPUID.7.0:EBX[1] = 0)");
	} else if (rdmsr_safe(MSR_IA32_TSC_ADJUST, &a) < 0) {
		report(false, "RDMSR IA32_TSC_ADJUST: %s although CPUID.7.0:EBX[1] = 1",
		       exception_name(exception_vector()));
	} else if (on_chronovisor()) {
		report(a == 0, "reads 0 at start (got %ld)", (int64_t)a);
	} else {
		report(true, "readable at start (%ld)", (int64_t)a);
	}
	report_prefix_pop();
}

/*
 * WRMSR IA32_TSC = x, then RDTSC: best of WRITE_TRIES; every try must read
 * >= x. True when in bounds; *got is the last reading.
 */
static bool write_tsc_and_read(uint64_t x, uint64_t *got)
{
	uint64_t best = ~0ull;
	bool all_above = true;

	for (int i = 0; i < WRITE_TRIES; i++) {
		*got = 0;
		if (wrmsr_safe(MSR_IA32_TSC, x) < 0)
			return false;
		uint64_t t = rdtsc();
		*got = t;
		if (t < x)
			all_above = false;
		else if (t - x < best)
			best = t - x;
	}
	return all_above && best <= WRITE_BOUND;
}

static void check_write_tsc(void)
{
	uint64_t got = 0;

	report_prefix_push("wrmsr");
	bool ok = write_tsc_and_read(TSC_WRITE_VALUE, &got);
	bool faulted = exception_vector() >= 0;
	if (!ok && !faulted && got < TSC_WRITE_VALUE / 2 && bare_qemu()) {
		/* QEMU's TCG keeps the write for KVM state sync only. */
		report_skip("WRMSR IA32_TSC %#llx (QEMU TCG ignores it: next RDTSC %lu)",
			    TSC_WRITE_VALUE, got);
		report_skip("a guest moves its own TSC backwards (QEMU TCG ignores WRMSR IA32_TSC)");
		report_prefix_pop();
		return;
	}
	if (faulted)
		report(false, "WRMSR IA32_TSC %#llx raised %s", TSC_WRITE_VALUE,
		       exception_name(exception_vector()));
	else
		report(ok, "WRMSR IA32_TSC %#llx: next RDTSC %lu is in [x, x + %u] (%+ld)",
		       TSC_WRITE_VALUE, got, WRITE_BOUND, (int64_t)(got - TSC_WRITE_VALUE));

	/* Backwards: the guest's own doing, so no guard may undo it. */
	uint64_t before = rdtsc(), back = before - (before >> 2);
	ok = write_tsc_and_read(back, &got);
	if (exception_vector() >= 0)
		report(false, "a guest moves its own TSC backwards: WRMSR IA32_TSC %lu raised %s", back,
		       exception_name(exception_vector()));
	else
		report(ok && got < before,
		       "a guest moves its own TSC backwards: %lu -> wrote %lu, next RDTSC %lu (%+ld)",
		       before, back, got, (int64_t)(got - back));
	report_prefix_pop();
}

static void check_adjust(void)
{
	uint64_t a0 = 0, a1 = 0;

	report_prefix_push("tsc_adjust");
	if (!cpu_has_tsc_adjust()) {
		report_skip("writes move the TSC (CPU lacks IA32_TSC_ADJUST)");
		report_skip("WRMSR IA32_TSC updates IA32_TSC_ADJUST (CPU lacks IA32_TSC_ADJUST)");
		report_prefix_pop();
		return;
	}

	/* Forward by ADJUST_STEP, then back again: the TSC follows both ways. */
	for (int dir = 1; dir >= -1; dir -= 2) {
		int64_t step = dir * (int64_t)ADJUST_STEP;
		int r = rdmsr_safe(MSR_IA32_TSC_ADJUST, &a0);
		uint64_t t0 = rdtsc();
		r |= wrmsr_safe(MSR_IA32_TSC_ADJUST, a0 + (uint64_t)step);
		uint64_t t1 = rdtsc();
		r |= rdmsr_safe(MSR_IA32_TSC_ADJUST, &a1);
		int64_t moved = (int64_t)(t1 - t0), extra = moved - step;
		report(r == 0 && a1 == a0 + (uint64_t)step && extra >= 0 && extra <= WRITE_BOUND,
		       "TSC_ADJUST %ld -> %ld moves RDTSC by %ld (step %+ld, extra %ld <= %u)",
		       (int64_t)a0, (int64_t)a1, moved, step, extra, WRITE_BOUND);
	}

	/* WRMSR IA32_TSC adds (x - old TSC) to TSC_ADJUST; the old TSC at the write
	 * is at or just after t0, so the expected change exceeds the real one by
	 * at most the few ticks between. Forward, then backwards. */
	for (int dir = 1; dir >= -1; dir -= 2) {
		int r = rdmsr_safe(MSR_IA32_TSC_ADJUST, &a0);
		uint64_t t0 = rdtsc(), x = t0 + (uint64_t)(dir * (int64_t)ADJUST_STEP);
		r |= wrmsr_safe(MSR_IA32_TSC, x);
		r |= rdmsr_safe(MSR_IA32_TSC_ADJUST, &a1);
		int64_t want = (int64_t)(x - t0), got = (int64_t)(a1 - a0), slack = want - got;
		report(r == 0 && slack >= 0 && slack <= WRITE_BOUND,
		       "WRMSR IA32_TSC by %+ld changes TSC_ADJUST by %+ld (within %u)", want, got,
		       WRITE_BOUND);
	}
	report_prefix_pop();
}

static void check_rdtscp(void)
{
	uint64_t t = 0, aux64 = 0, id = 0;
	uint32_t aux = 0;

	report_prefix_push("rdtscp");
	if (!has_rdtscp()) {
		report_skip("TSC_AUX via RDTSCP (CPU lacks RDTSCP: CPUID.80000001:EDX[27] = 0)");
	} else {
		int w = wrmsr_safe(MSR_IA32_TSC_AUX, TSC_AUX_VALUE);
		int rd = rdmsr_safe(MSR_IA32_TSC_AUX, &aux64);
		report(w == 0 && rd == 0 && aux64 == TSC_AUX_VALUE, "WRMSR/RDMSR IA32_TSC_AUX %#x (read %#lx)",
		       TSC_AUX_VALUE, aux64);
		uint64_t t0 = rdtsc();
		int r = rdtscp_safe(&t, &aux);
		uint64_t t1 = rdtsc();
		report(r == 0 && aux == TSC_AUX_VALUE, "RDTSCP returns TSC_AUX in ECX (%#x)%s", aux,
		       r ? ": #UD" : "");
		report(r == 0 && t0 <= t && t <= t1, "RDTSCP's TSC %lu lies in [%lu, %lu]", t, t0, t1);
	}
	if (!cpu_has_rdpid()) {
		report_skip("RDPID (CPU lacks RDPID: CPUID.7.0:ECX[22] = 0)");
	} else {
		if (!has_rdtscp())
			wrmsr_safe(MSR_IA32_TSC_AUX, TSC_AUX_VALUE);
		int r = rdpid_safe(&id);
		report(r == 0 && id == TSC_AUX_VALUE, "RDPID returns TSC_AUX (%#lx)%s", id,
		       r ? ": #UD" : "");
	}
	report_prefix_pop();
}

static void check_sleep(void)
{
	report_prefix_push("sleep");
	if (!on_chronovisor()) {
		skip_bare("HC_SLEEP: guest time runs on while the vCPU is off the pCPU");
		skip_bare("HC_YIELD");
		report_prefix_pop();
		return;
	}
	uint64_t t1 = rdtsc();
	int64_t r = hc_sleep(SLEEP_TICKS);
	uint64_t t2 = rdtsc();
	report(r == 0 && t2 - t1 >= SLEEP_TICKS, "HC_SLEEP(%llu): TSC advanced %lu >= %llu (returned %ld)",
	       SLEEP_TICKS, t2 - t1, SLEEP_TICKS, r);

	t1 = rdtsc();
	r = hc_yield();
	t2 = rdtsc();
	report(r == 0 && t2 > t1, "HC_YIELD: returns 0 (got %ld), TSC advanced %lu", r, t2 - t1);
	report_prefix_pop();
}

static void check_hlt(void)
{
	report_prefix_push("hlt");
	if (!on_chronovisor()) {
		/* Bare, nothing is set up to wake the CPU: HLT would never return. */
		skip_bare("HLT with IF=1 returns after a slice");
		report_prefix_pop();
		return;
	}
	uint64_t exits0 = exit_count(EXIT_REASON_HLT);
	uint64_t t1 = rdtsc();
	asm volatile("sti; hlt; cli" : : : "memory");
	uint64_t t2 = rdtsc();
	uint64_t exits1 = exit_count(EXIT_REASON_HLT);
	report(t2 > t1 && exits1 == exits0 + 1,
	       "HLT with IF=1 exits once (%lu -> %lu HLT exits) and returns; TSC advanced %lu",
	       exits0, exits1, t2 - t1);
	report_prefix_pop();
}

/* ticks over ns, in Hz; fine while ticks < 1.8e10 (over a second at 18 GHz). */
static uint64_t rate_hz(uint64_t ticks, uint64_t ns)
{
	return ns ? ticks * 1000000000ull / ns : 0;
}

static bool within_ppm(uint64_t hz, uint64_t khz, uint64_t ppm)
{
	uint64_t want = khz * 1000, diff = hz > want ? hz - want : want - hz;

	return want && diff * 1000000 <= want * ppm;
}

/*
 * One clock sample: the hypervisor's ns and the guest TSC at the middle of
 * the HC_CLOCK call, NTP style: the hypervisor read its clock somewhere
 * between the two RDTSCs, so the narrowest of a few tries is kept (one exit
 * can take longer, e.g. the first after a preemption-timer exit, and would
 * shift the middle by half the difference). *width is that round trip.
 */
static void clock_sample(int64_t *ns, uint64_t *tsc, uint64_t *width)
{
	*width = ~0ull;
	for (int i = 0; i < CLOCK_TRIES; i++) {
		uint64_t a = rdtsc();
		int64_t n = hc_clock();
		uint64_t b = rdtsc();
		if (b - a < *width) {
			*width = b - a;
			*ns = n;
			*tsc = a + (b - a) / 2;
		}
	}
}

static void report_rate(const char *how, uint64_t khz, uint64_t ticks, int64_t ns, uint64_t width)
{
	uint64_t hz = ns > 0 ? rate_hz(ticks, (uint64_t)ns) : 0;

	report_info("%s: %lu ticks (+/- %lu) over %ld ns = %lu.%03lu kHz; leaf 0x40000010 says %lu kHz",
		    how, ticks, width, ns, hz / 1000, hz % 1000, khz);
	report(ns > 0 && within_ppm(hz, khz, FREQ_TOL_PPM),
	       "measured %lu.%03lu kHz %s matches leaf %lu kHz within 0.1%%", hz / 1000, hz % 1000,
	       how, khz);
}

static void check_frequency(void)
{
	int64_t want = arg_get_int("tsc_khz", 0);
	uint64_t ms = (uint64_t)arg_get_int("freq_ms", FREQ_MS);
	int64_t ns0 = 0, ns1 = 0;
	uint64_t t0 = 0, t1 = 0, w0, w1;

	report_prefix_push("frequency");
	if (!on_chronovisor()) {
		skip_bare("leaf 0x40000010 TSC kHz matches the rate against HC_CLOCK");
		report_prefix_pop();
		return;
	}
	uint64_t khz = chronovisor_tsc_khz();
	if (want > 0)
		report(khz == (uint64_t)want, "leaf 0x40000010 = %lu kHz, as tsc_khz=%ld asked", khz,
		       want);
	else
		report(khz > 0, "leaf 0x40000010 = %lu kHz (the host's calibrated frequency)", khz);
	if (!khz) {
		report_prefix_pop();
		return;
	}

	/* Spin ms of guest time between two clock samples. */
	clock_sample(&ns0, &t0, &w0);
	uint64_t end = t0 + khz * ms;
	while (rdtsc() < end)
		pause();
	clock_sample(&ns1, &t1, &w1);
	report_rate("spinning", khz, t1 - t0, ns1 - ns0, (w0 + w1) / 2);

	/* The same across a sleep: time runs at the same rate off the pCPU. */
	clock_sample(&ns0, &t0, &w0);
	int64_t r = hc_sleep(khz * ms);
	clock_sample(&ns1, &t1, &w1);
	if (r != 0)
		report(false, "HC_SLEEP(%lu) returned %ld", khz * ms, r);
	else
		report_rate("across HC_SLEEP", khz, t1 - t0, ns1 - ns0, (w0 + w1) / 2);
	report_prefix_pop();
}

static void check_no_rdtsc_exits(void)
{
	report_prefix_push("exits");
	if (!on_chronovisor()) {
		skip_bare("RDTSC and RDTSCP never exit");
		report_prefix_pop();
		return;
	}
	uint64_t n = exit_count(EXIT_REASON_RDTSC), np = exit_count(EXIT_REASON_RDTSCP);
	report(n == 0 && np == 0, "RDTSC and RDTSCP never exit (%lu RDTSC, %lu RDTSCP exits)", n, np);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	uint64_t t_start = rdtsc();

	printf("tsc: %s, TSC_ADJUST %s, RDTSCP %s, RDPID %s\n",
	       on_chronovisor() ? "under chronovisor" : "bare", cpu_has_tsc_adjust() ? "yes" : "no",
	       has_rdtscp() ? "yes" : "no", cpu_has_rdpid() ? "yes" : "no");
	check_start(t_start);
	check_monotonic();
	check_rdmsr_tsc();
	check_adjust_initial();         /* before anything writes the TSC */
	check_write_tsc();
	check_adjust();
	check_rdtscp();
	check_sleep();
	check_frequency();
	check_hlt();
	check_no_rdtsc_exits();
	report_summary();
}
