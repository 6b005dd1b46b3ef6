/*
 * guest/isolate.c - a VM's x87/SSE/AVX/AVX-512/PKRU registers, XCR0 and
 * debug registers are its own, whatever runs beside it.
 *
 * Context: test guest, one CPU, 64-bit mode, interrupts off; bare on Bochs
 * or QEMU, or under chronovisor, where several of these run in one boot
 * while vCPUs move between pCPUs (migrate=rr, small slices).
 *
 * A writer (write=1, the default) puts a pattern derived from id= into
 * XMM0, XMM15, MXCSR, the x87 control word, the upper half of YMM15 (when
 * AVX is shown), k1, the upper half of ZMM0 and ZMM16 (when AVX-512 is
 * shown), PKRU (when PKU is shown), DR0-DR3, DR6 and DR7. A reader
 * (write=0) never writes any of them (only XCR0, at its very end, to be
 * able to read the AVX registers): it checks that it sees the state of a
 * CPU just after RESET (XMM 0, MXCSR 0x1F80, XCR0 1, DR0-DR3 0, DR6
 * 0xFFFF0FF0, DR7 0x400). Both then give up the pCPU rounds= times (yield
 * and sleep hypercalls, and spins long enough to be preempted), checking
 * everything after each. One PASS/FAIL line per register group.
 *
 * Negative control: fpu_switch=off on the hypervisor (docs/design.md, "FPU
 * and debug registers"): then writers see each other's patterns and the
 * reader sees theirs, and these checks FAIL.
 *
 * Arguments: id=1..15 (default 1), write=0|1 (default 1), rounds=N
 * (default 100), spin=N (iterations between rounds, default 20000).
 * Output: PASS/FAIL lines and SUMMARY (guest/lib/report.h).
 */
#include "guest/lib/guest.h"

#define CR0_MP            (1ull << 1)
#define CR0_EM            (1ull << 2)
#define CR4_OSFXSR        (1ull << 9)
#define CR4_OSXMMEXCPT    (1ull << 10)
#define CR4_OSXSAVE       (1ull << 18)
#define CR4_PKE           (1ull << 22)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_AVX   (1u << 28)
#define CPUID_7_EBX_AVX512F (1u << 16)
#define CPUID_7_ECX_PKU   (1u << 3)
#define XCR0_X87          1ull
#define XCR0_SSE          2ull
#define XCR0_YMM          4ull
#define XCR0_AVX512       0xE0ull
#define XCR0_PKRU         0x200ull
#define MXCSR_INIT        0x1F80u
#define DR6_INIT          0xFFFF0FF0ull
#define DR7_INIT          0x400ull
#define DR6_B0_B3         0xFull
#define DR_BASE           0x200000ull

/* The AVX/AVX-512/PKRU instructions fault (#UD) when XCR0 or CR4 do not
 * enable them: with fpu_switch=off another VM's XSETBV reaches this one.
 * Such a fault is a mismatch (FAULTED), never the end of the run. */
#define FAULTED 0xFA017EDFA017EDull
#define SAFE(insn, ...)                                                  \
	({                                                               \
		exception_clear();                                       \
		asm volatile("1: " insn "\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b") __VA_ARGS__); \
		exception_vector() >= 0;                                 \
	})

static bool has_xsave, has_avx, has_avx512, has_pku;
static uint64_t xcr0_all;

struct state {
	uint64_t xmm0, xmm15, ymm15_hi, k1, zmm0_hi, zmm16, dr[4], dr6, dr7, xcr0;
	uint32_t mxcsr, pkru;
	uint16_t fcw;
};

/* What a writer with this id puts in, or what a reader must see. */
static void expected(struct state *s, unsigned id, bool writer)
{
	uint64_t p = 0x1111111111111111ull * id;

	*s = (struct state){ .mxcsr = MXCSR_INIT, .dr6 = DR6_INIT, .dr7 = DR7_INIT,
			     .xcr0 = XCR0_X87, .fcw = 0 };
	if (!writer)
		return;
	s->xmm0 = p ^ 0xA5;
	s->xmm15 = p ^ 0x5A00;
	s->ymm15_hi = p ^ 0x3C0000;
	s->k1 = p & 0xFFFF;
	s->zmm0_hi = p ^ 0x77000000;
	s->zmm16 = p ^ 0x990000000ull;
	s->pkru = (uint32_t)(p & 0xFFFFFFFC);  /* keep key 0 accessible */
	for (int i = 0; i < 4; i++)
		s->dr[i] = DR_BASE + id * 0x1000 + (uint64_t)i * 8;
	s->dr6 = DR6_INIT | (id & DR6_B0_B3);
	s->dr7 = DR7_INIT | ((uint64_t)(id & 3) << 18) | ((uint64_t)(id & 3) << 22);  /* LEN0, LEN1 */
	/* rounding control 14:13 and flush-to-zero 15: 8 distinct values */
	s->mxcsr = MXCSR_INIT | ((id & 3u) << 13) | (((id >> 2) & 1u) << 15);
	/* FNINIT's 0x37F with rounding control 11:10 and precision 9:8 */
	s->fcw = (uint16_t)(0x037F & ~0xF00u) | (uint16_t)((id & 0xF) << 8);
	s->xcr0 = xcr0_all;
}

static void write_state(const struct state *s)
{
	asm volatile("movq %0, %%xmm0" : : "r"(s->xmm0) : "memory");
	asm volatile("movq %0, %%xmm15" : : "r"(s->xmm15) : "memory");
	asm volatile("ldmxcsr %0" : : "m"(s->mxcsr) : "memory");
	asm volatile("fldcw %0" : : "m"(s->fcw) : "memory");
	if (has_xsave)
		SAFE("xsetbv", : : "c"(0), "a"((uint32_t)s->xcr0), "d"((uint32_t)(s->xcr0 >> 32))
		     : "memory");
	if (has_avx) {  /* YMM15[255:128] from XMM14; XMM15 itself stays */
		asm volatile("movq %0, %%xmm14" : : "r"(s->ymm15_hi) : "memory");
		SAFE("vinsertf128 $1, %%xmm14, %%ymm15, %%ymm15", : : : "memory");
	}
	if (has_avx512) {
		asm volatile("movq %0, %%xmm13" : : "r"(s->zmm0_hi) : "memory");
		SAFE("kmovw %k0, %%k1", : : "r"(s->k1) : "memory");
		SAFE("vinserti64x4 $1, %%ymm13, %%zmm0, %%zmm0", : : : "memory");
		SAFE("vmovq %0, %%xmm16", : : "r"(s->zmm16) : "memory");
	}
	if (has_pku)
		SAFE("wrpkru", : : "a"(s->pkru), "c"(0), "d"(0) : "memory");
	asm volatile("mov %0, %%dr0" : : "r"(s->dr[0]));
	asm volatile("mov %0, %%dr1" : : "r"(s->dr[1]));
	asm volatile("mov %0, %%dr2" : : "r"(s->dr[2]));
	asm volatile("mov %0, %%dr3" : : "r"(s->dr[3]));
	asm volatile("mov %0, %%dr6" : : "r"(s->dr6));
	asm volatile("mov %0, %%dr7" : : "r"(s->dr7));
}

/* avx: read the AVX/AVX-512/PKRU registers too (XCR0 must enable them). */
static void read_state(struct state *s, bool avx)
{
	*s = (struct state){ 0 };
	asm volatile("movq %%xmm0, %0" : "=r"(s->xmm0));
	asm volatile("movq %%xmm15, %0" : "=r"(s->xmm15));
	asm volatile("stmxcsr %0" : "=m"(s->mxcsr));
	asm volatile("fnstcw %0" : "=m"(s->fcw));
	if (has_xsave) {
		uint32_t lo = 0, hi = 0;
		s->xcr0 = SAFE("xgetbv", : "+a"(lo), "+d"(hi) : "c"(0)) ? FAULTED
			  : ((uint64_t)hi << 32 | lo);
	}
	if (avx && has_avx) {
		if (SAFE("vextractf128 $1, %%ymm15, %%xmm14", : : : "memory"))
			s->ymm15_hi = FAULTED;
		else
			asm volatile("movq %%xmm14, %0" : "=r"(s->ymm15_hi));
	}
	if (avx && has_avx512) {
		uint32_t k = 0;
		s->k1 = SAFE("kmovw %%k1, %0", : "+r"(k) : : "memory") ? FAULTED : k;
		if (SAFE("vextracti64x4 $1, %%zmm0, %%ymm13", : : : "memory"))
			s->zmm0_hi = FAULTED;
		else
			asm volatile("movq %%xmm13, %0" : "=r"(s->zmm0_hi));
		uint64_t z = 0;
		s->zmm16 = SAFE("vmovq %%xmm16, %0", : "+r"(z) : : "memory") ? FAULTED : z;
	}
	if (avx && has_pku) {
		uint32_t pk = 0, d = 0;
		bool f = SAFE("rdpkru", : "+a"(pk), "+d"(d) : "c"(0) : "memory");
		s->pkru = f ? (uint32_t)FAULTED : pk;
	}
	asm volatile("mov %%dr0, %0" : "=r"(s->dr[0]));
	asm volatile("mov %%dr1, %0" : "=r"(s->dr[1]));
	asm volatile("mov %%dr2, %0" : "=r"(s->dr[2]));
	asm volatile("mov %%dr3, %0" : "=r"(s->dr[3]));
	asm volatile("mov %%dr6, %0" : "=r"(s->dr6));
	asm volatile("mov %%dr7, %0" : "=r"(s->dr7));
}

/* One register group: mismatches over all rounds, and the first one. */
struct group {
	const char *name;
	unsigned bad;
	uint64_t want, got;
	unsigned round;
};

enum { G_XMM, G_MXCSR, G_FCW, G_XCR0, G_YMM, G_AVX512, G_PKRU, G_DR03, G_DR6, G_DR7, NGROUPS };
static struct group groups[NGROUPS] = {
	[G_XMM] = { "xmm0/xmm15" }, [G_MXCSR] = { "MXCSR" }, [G_FCW] = { "x87 control word" },
	[G_XCR0] = { "XCR0" }, [G_YMM] = { "ymm15 upper half" },
	[G_AVX512] = { "k1, zmm0 upper half, zmm16" }, [G_PKRU] = { "PKRU" },
	[G_DR03] = { "DR0-DR3" }, [G_DR6] = { "DR6" }, [G_DR7] = { "DR7" },
};

static void cmp(int g, uint64_t want, uint64_t got, unsigned round)
{
	if (want == got)
		return;
	if (!groups[g].bad++) {
		groups[g].want = want;
		groups[g].got = got;
		groups[g].round = round;
	}
}

static void compare(const struct state *w, const struct state *s, unsigned round, bool avx,
		    bool writer)
{
	cmp(G_XMM, w->xmm0, s->xmm0, round);
	cmp(G_XMM, w->xmm15, s->xmm15, round);
	cmp(G_MXCSR, w->mxcsr, s->mxcsr, round);
	if (writer)   /* a reader's x87 control word is whatever its boot left */
		cmp(G_FCW, w->fcw, s->fcw, round);
	if (has_xsave)
		cmp(G_XCR0, w->xcr0, s->xcr0, round);
	if (avx && has_avx)
		cmp(G_YMM, w->ymm15_hi, s->ymm15_hi, round);
	if (avx && has_avx512) {
		cmp(G_AVX512, w->k1, s->k1, round);
		cmp(G_AVX512, w->zmm0_hi, s->zmm0_hi, round);
		cmp(G_AVX512, w->zmm16, s->zmm16, round);
	}
	if (avx && has_pku)
		cmp(G_PKRU, w->pkru, s->pkru, round);
	for (int i = 0; i < 4; i++)
		cmp(G_DR03, w->dr[i], s->dr[i], round);
	/* DR6 bits 3:0 (B0-B3) and DR7 as written: the rest of DR6 is the CPU's */
	cmp(G_DR6, w->dr6 & DR6_B0_B3, s->dr6 & DR6_B0_B3, round);
	cmp(G_DR7, w->dr7, s->dr7, round);
}

static void leave_pcpu(unsigned round)
{
	if (!on_chronovisor())
		return;
	if (round & 1)
		hc_sleep(5000);
	else
		hc_yield();
}

int main(int argc, char **argv)
{
	unsigned id = (unsigned)arg_get_int("id", 1);
	bool writer = arg_get_int("write", 1) != 0;
	unsigned rounds = (unsigned)arg_get_int("rounds", 100);
	uint64_t spin = (uint64_t)arg_get_int("spin", 20000);
	struct state want, got;

	if (id < 1 || id > 15) {
		report(false, "id=%u: must be 1..15", id);
		report_summary();
	}
	struct cpuid_regs c1 = cpuid(1), c7 = cpuid_count(7, 0);
	/* SSE: CR0.EM = 0, MP = 1; CR4.OSFXSR, OSXMMEXCPT (SDM Vol. 3A,
	 * "Initializing SSE/SSE2/SSE3/SSSE3 Extensions") */
	uint64_t cr0 = (read_cr0() & ~CR0_EM) | CR0_MP;
	asm volatile("mov %0, %%cr0" : : "r"(cr0));
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	has_xsave = c1.ecx & CPUID_1_ECX_XSAVE;
	if (has_xsave)
		cr4 |= CR4_OSXSAVE;
	has_pku = has_xsave && (c7.ecx & CPUID_7_ECX_PKU);
	if (has_pku)
		cr4 |= CR4_PKE;
	asm volatile("mov %0, %%cr4" : : "r"(cr4));
	if (has_xsave) {
		uint64_t sup = cpuid_count(0xD, 0).eax;
		has_avx = (c1.ecx & CPUID_1_ECX_AVX) && (sup & XCR0_YMM);
		has_avx512 = has_avx && (c7.ebx & CPUID_7_EBX_AVX512F) &&
			     (sup & XCR0_AVX512) == XCR0_AVX512;
		has_pku = has_pku && (sup & XCR0_PKRU);
		xcr0_all = XCR0_X87 | XCR0_SSE | (has_avx ? XCR0_YMM : 0) |
			   (has_avx512 ? XCR0_AVX512 : 0) | (has_pku ? XCR0_PKRU : 0);
	}
	report_info("isolate: id=%u %s, rounds=%u; shown: xsave %d avx %d avx512 %d pku %d", id,
		    writer ? "writer" : "reader (never writes)", rounds, has_xsave, has_avx,
		    has_avx512, has_pku);

	expected(&want, id, writer);
	if (writer)
		write_state(&want);
	for (unsigned r = 0; r <= rounds; r++) {
		read_state(&got, writer);
		compare(&want, &got, r, writer, writer);
		leave_pcpu(r);
		for (volatile uint64_t i = 0; i < spin; i++)
			;
	}
	if (!writer && has_xsave) {
		/* the reader's one write: XCR0, to read the AVX registers it
		 * never wrote; they must be in their initial state (0) */
		SAFE("xsetbv", : : "c"(0), "a"((uint32_t)xcr0_all), "d"((uint32_t)(xcr0_all >> 32))
		     : "memory");
		struct state init = want;
		init.xcr0 = xcr0_all;
		read_state(&got, true);
		compare(&init, &got, rounds + 1, true, false);
	}

	struct hc_counters k;
	if (on_chronovisor() && hc_counters(&k) >= 0)
		report_info("isolate: %lu migrations, %lu exits", k.migrations, k.exits_total);
	for (int g = 0; g < NGROUPS; g++) {
		if ((g == G_YMM && !has_avx) || (g == G_AVX512 && !has_avx512) ||
		    (g == G_PKRU && !has_pku) || (g == G_XCR0 && !has_xsave) ||
		    (g == G_FCW && !writer)) {
			report_skip("%s: %s", groups[g].name, g == G_FCW && !writer ?
				    "a reader does not know what its boot left there" : "not shown by CPUID");
			continue;
		}
		if (groups[g].bad)
			report(false, "%s: %s %u time(s), first at round %u: want %#lx, got %#lx",
			       groups[g].name, writer ? "changed" : "not in its initial state",
			       groups[g].bad, groups[g].round, groups[g].want, groups[g].got);
		else
			report(true, "%s: %s over %u rounds", groups[g].name,
			       writer ? "kept its pattern" : "in its initial state", rounds + 1);
	}
	report_summary();
}
