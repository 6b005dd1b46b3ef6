/*
 * guest/bench.c - micro-benchmarks read by `make bench` (tests/bench/run).
 *
 * Context: guest (bare or under chronovisor). In Bochs the TSC advances one
 * tick per emulated instruction, so every figure here is an exact,
 * repeatable instruction count, not a time.
 *
 *   mode=vmcall n=N     N null hypercalls (HC_NOP); prints the round trip as
 *                       the guest sees it (RDTSC; VMCALL; RDTSC, less an empty
 *                       RDTSC pair) and the hypervisor's whole path: the same
 *                       fixed asm bracket around VMCALL and around NOP, the
 *                       difference being every instruction the hypervisor ran
 *                       from the exit stub's first to VMRESUME (VMCALL and NOP
 *                       each cost the guest one tick)
 *   mode=rdtsc n=N      a tight loop of N RDTSCs (3 instructions an iteration);
 *                       prints its ticks, RDTSC before to after. Bare and under
 *                       chronovisor the loop is the same code, so the ratio of
 *                       per_iter is the cost of virtualization (1.00 when RDTSC
 *                       never exits). Under chronovisor also the RDTSC exits
 *                       counted during the loop (HC_COUNTERS; if that call
 *                       fails, a FAIL naming the error and no figure).
 *   mode=rdmsr_tsc n=N  N RDMSR IA32_TSC; round trip min and avg in ticks, and
 *                       its whole path (the bracket, as for VMCALL)
 *   mode=gaps n=N       N RDTSCs in a loop; every step of more than
 *                       GAP_MIN ticks is time the guest did not run (a slice
 *                       end, a migration): their count, min, median and max.
 *                       Under tsc=percpu the guest's clock is the reference
 *                       timeline, so a gap across a move is the move's cost
 *                       from the guest's last instruction on one pCPU to its
 *                       first on the next
 *   mode=timer n=N      N TSC-deadline interrupts at seeded log-uniform
 *                       distances of 1000 to 1000000 ticks, waited for in
 *                       STI; HLT: lateness (handler's first RDTSC minus the
 *                       deadline) min/median/max, early fires, and VM exits
 *                       per interrupt (HC_COUNTERS, under chronovisor)
 *   mode=selfipi n=N    N fixed self-IPIs (ICR self shorthand) with IF = 1:
 *                       ticks from before the ICR write to the handler's first
 *                       RDTSC, and to the instruction after the write (the
 *                       handler and its EOI included), min and median
 *   mode=ipi n=N        N fixed IPIs from CPU 0 to CPU 1, which spins with
 *                       IF = 1 (needs 2 CPUs: vcpus=2, on 2 pCPUs for the
 *                       cross-pCPU case): ticks from before the ICR write to
 *                       CPU 1's handler, min/median/max
 *   mode=ipi_hlt n=N    the same with CPU 1 waiting in STI; HLT
 *   mode=xapic n=N      xAPIC register accesses: a read of the ID, a write of
 *                       the TPR, a write of LVT LINT0, N of each; per kind the
 *                       cost (fewest ticks of an asm bracket around the one
 *                       access less the same bracket around NOP) and the VM
 *                       exits per access. Under chronovisor apicv=off every
 *                       access exits and is emulated; apicv=on lets the CPU
 *                       virtualize the read and the TPR write, and the LVT
 *                       write exits after the fact (APIC-write)
 *   mode=A,B,...        several, in that order, with the same n
 *
 * Output lines start with "bench: " and are key=value pairs, so the bench
 * script can parse them.
 */
#include "guest/lib/apic.h"
#include "guest/lib/apic_timer.h"
#include "guest/lib/guest.h"
#include "guest/lib/irq.h"
#include "guest/lib/rand.h"
#include "guest/lib/smp.h"

#define MSR_IA32_TSC        0x00000010
#define EXIT_REASON_RDTSC   16          /* SDM Vol. 3D, "VMX Basic Exit Reasons" */
#define VEC_BENCH_TIMER     0xD0
#define VEC_BENCH_SELF      0xC0
#define VEC_BENCH_PING      0xB0
#define SAMPLES_MAX         10000        /* per mode: n is capped to it */
#define TIMER_MIN_DIST      1000
#define TIMER_MAX_DIST      1000000

static inline uint64_t vmcall_nop(void)
{
	uint64_t rax = HC_NOP;
	__asm__ volatile("vmcall" : "+a"(rax) : : "memory");
	return rax;
}

/* The least ticks between two back-to-back RDTSCs: subtracted from round trips. */
static uint64_t rdtsc_pair_cost(void)
{
	uint64_t empty = ~0ULL;

	for (int i = 0; i < 100; i++) {
		uint64_t t0 = rdtsc(), t1 = rdtsc();
		if (t1 - t0 < empty)
			empty = t1 - t0;
	}
	return empty;
}

/* RDTSC, three MOVs, the instruction under test, one MOV, RDTSC: the same
 * fixed code around VMCALL (HC_NOP in EAX) and around NOP, so the two
 * brackets differ only in what that one instruction costs. Returns the
 * ticks between the two RDTSCs; *rax_after gets RAX after the instruction. */
#define DEFINE_BRACKET(name, insn)                                                   \
	static uint64_t name(uint64_t *rax_after)                                     \
	{                                                                             \
		register uint64_t lo0 __asm__("r8"), hi0 __asm__("r9");              \
		register uint64_t after __asm__("r10");                              \
		uint64_t lo1, hi1;                                                    \
		__asm__ volatile("rdtsc\n\t"                                           \
				 "mov %%rax, %%r8\n\t"                                 \
				 "mov %%rdx, %%r9\n\t"                                 \
				 "mov $0, %%eax\n\t"                                   \
				 insn "\n\t"                                           \
				 "mov %%rax, %%r10\n\t"                                \
				 "rdtsc"                                               \
				 : "=a"(lo1), "=d"(hi1), "=r"(lo0), "=r"(hi0), "=r"(after)    \
				 : : "rcx", "memory");                                 \
		*rax_after = after;                                                   \
		return ((hi1 << 32) | (uint32_t)lo1) - ((hi0 << 32) | (uint32_t)lo0); \
	}

DEFINE_BRACKET(bracket_vmcall, "vmcall")   /* EAX = 0: HC_NOP */
DEFINE_BRACKET(bracket_nop, "nop")
/* RDMSR IA32_TSC (ECX = 0x10), against the same MOV ECX before a NOP. */
DEFINE_BRACKET(bracket_rdmsr_tsc, "mov $0x10, %%ecx\n\trdmsr")
DEFINE_BRACKET(bracket_mov_nop, "mov $0x10, %%ecx\n\tnop")
/* xAPIC accesses (the page at its default base 0xFEE00000), each against
 * the same MOV ECX before a NOP: a read of the APIC ID; a write of 0 to the
 * TPR; a write of "masked" to LVT LINT0 (no effect: LINT0 never fires). */
DEFINE_BRACKET(bracket_xapic_read_id, "mov $0xFEE00020, %%ecx\n\tmov (%%rcx), %%eax")
DEFINE_BRACKET(bracket_xapic_id_nop, "mov $0xFEE00020, %%ecx\n\tnop")
DEFINE_BRACKET(bracket_xapic_write_tpr, "mov $0xFEE00080, %%ecx\n\tmovl $0, (%%rcx)")
DEFINE_BRACKET(bracket_xapic_tpr_nop, "mov $0xFEE00080, %%ecx\n\tnop")
DEFINE_BRACKET(bracket_xapic_write_lint0, "mov $0xFEE00350, %%ecx\n\tmovl $0x10000, (%%rcx)")
DEFINE_BRACKET(bracket_xapic_lint0_nop, "mov $0xFEE00350, %%ecx\n\tnop")

typedef uint64_t (*bracket_fn)(uint64_t *rax_after);

/* The fewest ticks of the bracket around the instruction under test and of
 * the same bracket around NOP, over n tries of each. With rax_zero, RAX
 * after the instruction must be 0 (HC_NOP's result): false on the first
 * try where it is not, after a FAIL naming it. */
static bool bracket_minima(bracket_fn insn, bracket_fn nop, long n, bool rax_zero,
			   uint64_t *min_insn, uint64_t *min_nop)
{
	uint64_t r;

	*min_insn = *min_nop = ~0ULL;
	for (long i = 0; i < n; i++) {
		uint64_t d = insn(&r);
		if (rax_zero && r != 0) {
			report(false, "HC_NOP returned %ld in the bracket", (long)r);
			return false;
		}
		if (d < *min_insn)
			*min_insn = d;
		d = nop(&r);
		if (d < *min_nop)
			*min_nop = d;
	}
	return true;
}

/* The whole path: fewest ticks of the VMCALL bracket less fewest of the NOP
 * bracket. Prints it with both minima. */
static void bench_whole_path(long n)
{
	uint64_t min_call, min_nop;

	if (!bracket_minima(bracket_vmcall, bracket_nop, n, true, &min_call, &min_nop))
		return;
	printf("bench: vmcall_whole_path=%lu vmcall_bracket_min=%lu nop_bracket_min=%lu n=%ld\n",
	       min_call - min_nop, min_call, min_nop, n);
	report(min_call > min_nop, "bench vmcall: whole path from %ld brackets", n);
}

static void bench_vmcall(long n)
{
	uint64_t min = ~0ULL, sum = 0, t0, t1, empty;

	if (!on_chronovisor()) {
		report_skip("bench vmcall: needs chronovisor");
		return;
	}
	empty = rdtsc_pair_cost();
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
	bench_whole_path(n);
}

/* This vCPU's RDTSC exits so far, in *exits (HC_COUNTERS). A failed call is
 * a FAIL naming the error, and the caller prints no figure: a count made
 * from two failed calls (~0 - ~0) would read as "0 RDTSC exits". */
static bool rdtsc_exits(uint64_t *exits, const char *when)
{
	static struct hc_counters c;
	int64_t r = hc_counters(&c);

	if (r < 0) {
		report(false, "bench rdtsc: HC_COUNTERS %s the loop failed (returned %ld): "
		       "no RDTSC exit count", when, (long)r);
		return false;
	}
	*exits = c.exits_by_reason[EXIT_REASON_RDTSC];
	return true;
}

static void bench_rdtsc(long n)
{
	uint64_t exits0 = 0, exits1 = 0, t0, t1;
	uint64_t count = (uint64_t)n;
	bool hv = on_chronovisor(), counted = false;

	if (hv)
		counted = rdtsc_exits(&exits0, "before");
	t0 = rdtsc();
	/* Fixed code, so bare and virtualized runs execute the same instructions:
	 * RDTSC, DEC, JNZ (the RDTSC outputs are simply overwritten). */
	asm volatile("1: rdtsc\n\t"
		     "dec %0\n\t"
		     "jnz 1b"
		     : "+c"(count) : : "rax", "rdx", "memory");
	t1 = rdtsc();
	uint64_t ticks = t1 - t0, per100 = ticks * 100 / (uint64_t)n;
	printf("bench: rdtsc_loop_ticks=%lu n=%ld per_iter=%lu.%02lu\n", ticks, n, per100 / 100,
	       per100 % 100);
	if (hv) {
		if (counted)
			counted = rdtsc_exits(&exits1, "after");
		if (!counted)
			return;
		uint64_t exits = exits1 - exits0;
		printf("bench: rdtsc_exits=%lu per_1e6=%lu\n", exits, exits * 1000000 / (uint64_t)n);
		report(exits == 0, "bench rdtsc: %ld RDTSCs, %lu RDTSC exits", n, exits);
	} else {
		report(ticks >= (uint64_t)n, "bench rdtsc: %ld RDTSCs", n);
	}
}

static void bench_rdmsr_tsc(long n)
{
	uint64_t min = ~0ULL, sum = 0, empty = rdtsc_pair_cost(), v;

	/* One checked read first: a #GP is a result here, not a crash. */
	if (rdmsr_safe(MSR_IA32_TSC, &v) < 0) {
		report(false, "bench rdmsr_tsc: RDMSR IA32_TSC raised %s",
		       exception_name(exception_vector()));
		return;
	}
	for (long i = 0; i < n; i++) {
		uint64_t t0 = rdtsc();
		(void)rdmsr(MSR_IA32_TSC);
		uint64_t t1 = rdtsc();
		uint64_t d = t1 - t0 - empty;
		sum += d;
		if (d < min)
			min = d;
	}
	printf("bench: rdmsr_tsc_roundtrip_min=%lu avg=%lu n=%ld rdtsc_pair=%lu\n", min, sum / n, n,
	       empty);
	report(min > 0, "bench rdmsr_tsc: %ld RDMSR IA32_TSC", n);
	if (!on_chronovisor())
		return;
	uint64_t min_msr, min_nop;
	bracket_minima(bracket_rdmsr_tsc, bracket_mov_nop, n, false, &min_msr, &min_nop);
	printf("bench: rdmsr_tsc_whole_path=%lu rdmsr_bracket_min=%lu nop_bracket_min=%lu\n",
	       min_msr - min_nop, min_msr, min_nop);
}

#define GAP_MIN      100           /* ticks: a step no loop iteration takes */
#define GAPS_MAX     4096

static uint64_t gaps[GAPS_MAX];


static void bench_gaps(long n)
{
	size_t ngaps = 0, kept;
	uint64_t prev = rdtsc(), max = 0, min = ~0ULL;

	for (long i = 0; i < n; i++) {
		uint64_t now = rdtsc(), d = now - prev;
		prev = now;
		if (d < GAP_MIN)
			continue;
		if (ngaps < GAPS_MAX)
			gaps[ngaps] = d;
		ngaps++;
		if (d > max)
			max = d;
		if (d < min)
			min = d;
	}
	kept = ngaps < GAPS_MAX ? ngaps : GAPS_MAX;
	sort_u64(gaps, kept);
	printf("bench: gaps=%lu gap_min=%lu gap_median=%lu gap_max=%lu n=%ld\n", (unsigned long)ngaps,
	       ngaps ? min : 0, kept ? gaps[kept / 2] : 0, max, n);
	report(true, "bench gaps: %ld RDTSCs, %lu steps of %d ticks or more", n, (unsigned long)ngaps,
	       GAP_MIN);
}

/* ---- interrupts ---- */

static uint64_t samples[SAMPLES_MAX];
static volatile uint64_t handler_tsc, handler_count;


static uint64_t exits_total(void)
{
	static struct hc_counters c;

	return on_chronovisor() && hc_counters(&c) >= 0 ? c.exits_total : 0;
}

static void stamp_handler(struct trap_frame *f)
{
	handler_tsc = rdtsc();
	handler_count++;
	apic_eoi();
}

static long capped(long n)
{
	return n > SAMPLES_MAX ? SAMPLES_MAX : n;
}

static void bench_timer(long n)
{
	uint64_t early = 0, exits0, exits1;

	n = capped(n);
	if (!apic_has_tsc_deadline()) {
		report_skip("bench timer: needs the TSC-deadline timer");
		return;
	}
	irq_register(VEC_BENCH_TIMER, stamp_handler);
	apic_sw_enable();
	apic_timer_deadline_mode(VEC_BENCH_TIMER);
	exits0 = exits_total();
	for (long i = 0; i < n; i++) {
		uint64_t dist = rand_log_uniform(TIMER_MIN_DIST, TIMER_MAX_DIST), seen = handler_count;
		irq_disable();
		uint64_t d = rdtsc() + dist;
		apic_timer_deadline_arm(d);
		while (handler_count == seen) {
			safe_halt();
			irq_disable();
		}
		irq_enable();
		if (handler_tsc < d)
			early++;
		samples[i] = handler_tsc >= d ? handler_tsc - d : 0;
	}
	exits1 = exits_total();
	apic_timer_stop();
	sort_u64(samples, (size_t)n);
	uint64_t per100 = (exits1 - exits0) * 100 / (uint64_t)n;
	printf("bench: timer_late_min=%lu timer_late_median=%lu timer_late_max=%lu timer_early=%lu "
	       "timer_exits_per_irq=%lu.%02lu n=%ld\n", samples[0], samples[n / 2], samples[n - 1],
	       early, per100 / 100, per100 % 100, n);
	report(early == 0, "bench timer: %ld TSC-deadline interrupts, %lu early", n, early);
}

static void bench_selfipi(long n)
{
	uint64_t *full = samples + SAMPLES_MAX / 2;

	n = capped(n) / 2;
	irq_register(VEC_BENCH_SELF, stamp_handler);
	apic_sw_enable();
	irq_enable();
	for (long i = 0; i < n; i++) {
		uint64_t t0 = rdtsc();
		apic_self_ipi(VEC_BENCH_SELF);
		uint64_t t2 = rdtsc();
		samples[i] = handler_tsc - t0;
		full[i] = t2 - t0;
	}
	irq_disable();
	sort_u64(samples, (size_t)n);
	sort_u64(full, (size_t)n);
	printf("bench: selfipi_to_handler_min=%lu selfipi_to_handler_median=%lu "
	       "selfipi_roundtrip_min=%lu selfipi_roundtrip_median=%lu n=%ld\n", samples[0],
	       samples[n / 2], full[0], full[n / 2], n);
	report(handler_count >= (uint64_t)n, "bench selfipi: %ld self-IPIs taken (%lu)", n,
	       handler_count);
}

/* One xAPIC access kind: the fewest ticks of its bracket less the fewest of
 * the NOP bracket (the access's whole cost: under chronovisor the exit and
 * everything the hypervisor does, or nothing where the CPU virtualizes it),
 * and the VM exits per access (HC_COUNTERS, 0 bare). */
static void xapic_one(const char *name, bracket_fn insn, bracket_fn nop, long n)
{
	uint64_t min_insn, min_nop, e0 = exits_total(), e1;

	bracket_minima(insn, nop, n, false, &min_insn, &min_nop);
	e1 = exits_total();
	/* the NOP brackets exit as often as the loop around them: none */
	uint64_t per100 = (e1 - e0) * 100 / (uint64_t)n;
	printf("bench: xapic_%s_cost=%lu xapic_%s_exits=%lu.%02lu n=%ld\n", name,
	       min_insn - min_nop, name, per100 / 100, per100 % 100, n);
}

static void bench_xapic(long n)
{
	n = capped(n);
	apic_sw_enable();
	if (apic_x2apic_mode()) {
		report_skip("bench xapic: the APIC is in x2APIC mode");
		return;
	}
	xapic_one("read", bracket_xapic_read_id, bracket_xapic_id_nop, n);
	xapic_one("tpr_write", bracket_xapic_write_tpr, bracket_xapic_tpr_nop, n);
	xapic_one("lvt_write", bracket_xapic_write_lint0, bracket_xapic_lint0_nop, n);
	report(true, "bench xapic: %ld of each access", n);
}

/* CPU 1 of mode=ipi / ipi_hlt: take pings until told to stop. */
static volatile bool ping_done, ping_ready, ping_hlt;

static void ping_target(int cpu)
{
	if (cpu != 1)
		return;
	irq_register(VEC_BENCH_PING, stamp_handler);
	apic_sw_enable();
	__atomic_store_n(&ping_ready, true, __ATOMIC_RELEASE);
	if (ping_hlt) {
		irq_disable();
		while (!ping_done) {
			safe_halt();
			irq_disable();
		}
		irq_enable();
	} else {
		irq_enable();
		while (!ping_done)
			pause();
	}
	irq_disable();
}

static void bench_ipi(long n, bool hlt)
{
	static bool started;
	const char *name = hlt ? "ipi_hlt" : "ipi";

	n = capped(n);
	if (started) {
		report_skip("bench %s: one IPI mode per run (the target CPU has finished)", name);
		return;
	}
	if (smp_cpus_available() < 2) {
		report_skip("bench %s: needs 2 CPUs (vcpus=2 under chronovisor)", name);
		return;
	}
	started = true;
	ping_hlt = hlt;
	if (smp_start(2, ping_target) < 2) {
		report(false, "bench %s: CPU 1 did not start", name);
		return;
	}
	while (!__atomic_load_n(&ping_ready, __ATOMIC_ACQUIRE))
		pause();
	handler_count = 0;
	for (long i = 0; i < n; i++) {
		uint64_t t0 = rdtsc();
		apic_ipi_fixed(smp_apic_id(1), VEC_BENCH_PING);
		while (handler_count == (uint64_t)i)
			pause();
		samples[i] = handler_tsc - t0;
	}
	ping_done = true;
	if (hlt)
		apic_ipi_fixed(smp_apic_id(1), VEC_BENCH_PING);      /* out of its HLT */
	smp_wait_all();
	sort_u64(samples, (size_t)n);
	printf("bench: %s_latency_min=%lu %s_latency_median=%lu %s_latency_max=%lu n=%ld\n", name,
	       samples[0], name, samples[n / 2], name, samples[n - 1], n);
	report(true, "bench %s: %ld IPIs from CPU 0 to CPU 1", name, n);
}

int main(int argc, char **argv)
{
	const char *mode = arg_get("mode");
	long n = arg_get_int("n", 1000);

	if (!mode || !*mode || n <= 0) {
		report(false, "bench: usage mode=vmcall|rdtsc|rdmsr_tsc|gaps|timer|selfipi|ipi|ipi_hlt|xapic[,...] "
		       "[n=N > 0]");
		mode = NULL;
	}
	while (mode && *mode) {
		const char *comma = strchr(mode, ',');
		size_t len = comma ? (size_t)(comma - mode) : strlen(mode);
		char one[16];

		if (len >= sizeof(one))
			len = sizeof(one) - 1;
		memcpy(one, mode, len);
		one[len] = '\0';
		if (!strcmp(one, "vmcall"))
			bench_vmcall(n);
		else if (!strcmp(one, "rdtsc"))
			bench_rdtsc(n);
		else if (!strcmp(one, "rdmsr_tsc"))
			bench_rdmsr_tsc(n);
		else if (!strcmp(one, "gaps"))
			bench_gaps(n);
		else if (!strcmp(one, "timer"))
			bench_timer(n);
		else if (!strcmp(one, "selfipi"))
			bench_selfipi(n);
		else if (!strcmp(one, "ipi"))
			bench_ipi(n, false);
		else if (!strcmp(one, "ipi_hlt"))
			bench_ipi(n, true);
		else if (!strcmp(one, "xapic"))
			bench_xapic(n);
		else
			report(false, "bench: unknown mode %s", one);
		mode = comma ? comma + 1 : NULL;
	}
	report_summary();
}
