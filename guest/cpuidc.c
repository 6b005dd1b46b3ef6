/*
 * guest/cpuidc.c - CPUID is the contract: every feature CPUID shows works,
 * every feature it hides faults as on a CPU without it.
 *
 * Context: test guest, one CPU, 64-bit mode, interrupts off; under
 * chronovisor (with or without cpuid_hide=), or bare.
 *
 * For each feature of the table below (the features of chronovisor's guest
 * feature table, docs/features.md, that a guest can try): read its CPUID
 * bit, then use it: set its CR4 bit, enable its XCR0 components with
 * XSETBV, execute its instruction, read its MSR. Shown: the use must work.
 * Hidden: it must fault with the vector the SDM gives a CPU without the
 * feature (#GP for a reserved CR4 bit, an XCR0 bit XSETBV refuses, or an
 * MSR that does not exist; #UD for an instruction). One PASS/FAIL line per
 * feature, naming what was tried. Then XSETBV's own rules (values it must
 * refuse with #GP), and the bits that follow state:
 * CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE, CPUID.1:EDX.APIC follows
 * IA32_APIC_BASE.EN, and IA32_MISC_ENABLE keeps what is written to it
 * (and "Limit CPUID Maxval" limits leaf 0).
 *
 * Negative control: contract=off on the hypervisor (a teaching aid) keeps
 * CPUID's answers but lets the guest use what it hides: a VM with
 * cpuid_hide= then FAILS here.
 *
 * Arguments: none. Output: PASS/FAIL/SKIP lines and SUMMARY.
 */
#include "guest/lib/guest.h"

#define CR0_WP             (1ull << 16)
#define CR4_MCE            (1ull << 6)
#define CR4_UMIP           (1ull << 11)
#define CR4_SMXE           (1ull << 14)
#define CR4_FSGSBASE       (1ull << 16)
#define CR4_PCIDE          (1ull << 17)
#define CR4_OSXSAVE        (1ull << 18)
#define CR4_KL             (1ull << 19)
#define CR4_SMEP           (1ull << 20)
#define CR4_SMAP           (1ull << 21)
#define CR4_PKE            (1ull << 22)
#define CR4_CET            (1ull << 23)
#define CR4_PKS            (1ull << 24)
#define CR4_UINTR          (1ull << 25)
#define CR4_LAM_SUP        (1ull << 28)
#define MSR_TSC_ADJUST     0x3B
#define MSR_MTRRCAP        0xFE
#define MSR_MCG_CAP        0x179
#define MSR_MCG_CTL        0x17B
#define MSR_MC0_CTL        0x400
#define MSR_MC0_STATUS     0x401
#define MSR_MISC_ENABLE    0x1A0
#define MSR_DS_AREA        0x600
#define MCG_CAP_COUNT      0xFFull
#define MCG_CAP_CTL_P      (1ull << 8)
#define MISC_FAST_STRINGS  (1ull << 0)
#define MISC_BTS_UNAVAIL   (1ull << 11)
#define MISC_LIMIT_CPUID   (1ull << 22)
#define APIC_BASE_EN       (1ull << 11)
#define XCR0_AVX           0x7ull
#define XCR0_AVX512        0xE7ull
#define NO_FAULT           (-1)

enum reg { EAX, EBX, ECX, EDX };

/* An instruction that may fault: the vector, or NO_FAULT. */
#define TRY(insn, ...)                                                   \
	({                                                               \
		exception_clear();                                       \
		asm volatile("1: " insn "\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b") __VA_ARGS__); \
		exception_vector();                                      \
	})

static uint8_t xsave_buf[4096] __attribute__((aligned(64)));

static uint64_t cr4_now(void)
{
	return read_cr4();
}

/* Set a CR4 bit, and clear it again if that worked (keep: leave it set). */
static int cr4_try(uint64_t bit, bool keep)
{
	uint64_t old = cr4_now();

	if (write_cr4_safe(old | bit))
		return exception_vector();
	if (!keep)
		write_cr4_safe(old);
	return NO_FAULT;
}

static int xsetbv_try(uint64_t v)
{
	return TRY("xsetbv", : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static int rdmsr_try(uint32_t msr)
{
	uint64_t v;

	return rdmsr_safe(msr, &v) ? exception_vector() : NO_FAULT;
}

/* ---- the uses, one per feature ---- */
static int use_vmx(void) { return cr4_try(CR4_VMXE, false); }
static int use_smx(void) { return cr4_try(CR4_SMXE, false); }
static int use_mce(void) { return cr4_try(CR4_MCE, false); }
static int use_pcid(void) { return cr4_try(CR4_PCIDE, false); }
static int use_smep(void) { return cr4_try(CR4_SMEP, false); }
static int use_smap(void) { return cr4_try(CR4_SMAP, false); }
static int use_umip(void) { return cr4_try(CR4_UMIP, false); }
static int use_keylocker(void) { return cr4_try(CR4_KL, false); }
static int use_pks(void) { return cr4_try(CR4_PKS, false); }
static int use_uintr(void) { return cr4_try(CR4_UINTR, false); }
static int use_lam(void) { return cr4_try(CR4_LAM_SUP, false); }
static int use_ds(void) { return rdmsr_try(MSR_DS_AREA); }
static int use_mtrr(void) { return rdmsr_try(MSR_MTRRCAP); }
static int use_tsc_adjust(void) { return rdmsr_try(MSR_TSC_ADJUST); }

static int use_cet(void)
{
	/* CR4.CET may be set only with CR0.WP = 1 */
	uint64_t cr0 = read_cr0();
	asm volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_WP));
	int r = cr4_try(CR4_CET, false);
	asm volatile("mov %0, %%cr0" : : "r"(cr0));
	return r;
}

static int use_xsave(void)
{
	int r = cr4_try(CR4_OSXSAVE, true);     /* kept: the AVX uses need it */
	if (r != NO_FAULT)
		return r;
	uint32_t lo, hi;
	return TRY("xgetbv", : "=a"(lo), "=d"(hi) : "c"(0));
}

static int use_avx(void)
{
	int r = xsetbv_try(XCR0_AVX);
	if (r != NO_FAULT)
		return r;
	return TRY("vxorps %%ymm1, %%ymm1, %%ymm1", : : : "memory");
}

static int use_avx512(void)
{
	int r = xsetbv_try(XCR0_AVX512);
	if (r != NO_FAULT)
		return r;
	return TRY("kmovw %%k1, %%eax", : : : "rax", "memory");
}

static int use_pku(void)
{
	int r = cr4_try(CR4_PKE, true);
	if (r != NO_FAULT)
		return r;
	return TRY("rdpkru", : : "c"(0) : "rax", "rdx", "memory");
}

static int use_xsaves(void)
{
	return TRY("xsaves64 (%0)", : : "r"(xsave_buf), "a"(3), "d"(0) : "memory");
}

static int use_fsgsbase(void)
{
	int r = cr4_try(CR4_FSGSBASE, true);
	if (r != NO_FAULT)
		return r;
	r = TRY("rdfsbase %%rax", : : : "rax", "memory");
	write_cr4_safe(cr4_now() & ~CR4_FSGSBASE);
	return r;
}

static int use_rdtscp(void)
{
	return TRY("rdtscp", : : : "rax", "rcx", "rdx", "memory");
}

static int use_rdpid(void)
{
	return TRY("rdpid %%rax", : : : "rax", "memory");
}

static int use_invpcid(void)
{
	static uint64_t desc[2];

	return TRY("invpcid (%0), %1", : : "r"(desc), "r"(2ull) : "memory");
}

/* MCA: MCG_CAP reads, bank 0's CTL keeps a value, STATUS takes 0 and
 * refuses 1 (SDM Vol. 3B, "IA32_MCi_STATUS MSRs"), MCG_CTL exists only
 * with MCG_CAP.MCG_CTL_P. */
static int use_mca(void)
{
	uint64_t cap, v;

	if (rdmsr_safe(MSR_MCG_CAP, &cap))
		return exception_vector();
	unsigned banks = (unsigned)(cap & MCG_CAP_COUNT);
	if (banks) {
		bool ctl = !wrmsr_safe(MSR_MC0_CTL, ~0ull) && !rdmsr_safe(MSR_MC0_CTL, &v) &&
			   v == ~0ull;
		bool st0 = !wrmsr_safe(MSR_MC0_STATUS, 0);
		bool st1 = wrmsr_safe(MSR_MC0_STATUS, 1) && exception_vector() == VEC_GP;
		report(ctl && st0 && st1, "mca: %u banks; MC0_CTL keeps all-ones %d, MC0_STATUS "
		       "takes 0 %d and refuses 1 with #GP %d", banks, ctl, st0, st1);
	}
	if (!(cap & MCG_CAP_CTL_P))
		report(rdmsr_try(MSR_MCG_CTL) == VEC_GP, "mca: MCG_CTL absent (MCG_CAP[8] = 0): "
		       "RDMSR raises #GP");
	return NO_FAULT;
}

struct probe {
	const char *name;
	uint32_t leaf, sub;
	enum reg reg;
	uint32_t bit;
	int (*use)(void);
	int hidden_vec;         /* the fault when hidden */
	const char *what;
};

/* In dependency order: xsave before avx and pku, avx before avx512. */
static const struct probe probes[] = {
	{ "vmx", 1, 0, ECX, 1u << 5, use_vmx, VEC_GP, "MOV to CR4.VMXE" },
	{ "smx", 1, 0, ECX, 1u << 6, use_smx, VEC_GP, "MOV to CR4.SMXE" },
	{ "mce", 1, 0, EDX, 1u << 7, use_mce, VEC_GP, "MOV to CR4.MCE" },
	{ "mca", 1, 0, EDX, 1u << 14, use_mca, VEC_GP, "RDMSR IA32_MCG_CAP" },
	{ "mtrr", 1, 0, EDX, 1u << 12, use_mtrr, VEC_GP, "RDMSR IA32_MTRRCAP" },
	{ "ds", 1, 0, EDX, 1u << 21, use_ds, VEC_GP, "RDMSR IA32_DS_AREA" },
	{ "pcid", 1, 0, ECX, 1u << 17, use_pcid, VEC_GP, "MOV to CR4.PCIDE" },
	{ "xsave", 1, 0, ECX, 1u << 26, use_xsave, VEC_GP, "MOV to CR4.OSXSAVE, XGETBV" },
	{ "avx", 1, 0, ECX, 1u << 28, use_avx, VEC_GP, "XSETBV XCR0=7, VEX.256 VXORPS" },
	{ "avx512", 7, 0, EBX, 1u << 16, use_avx512, VEC_GP, "XSETBV XCR0=0xE7, KMOVW" },
	{ "pku", 7, 0, ECX, 1u << 3, use_pku, VEC_GP, "MOV to CR4.PKE, RDPKRU" },
	{ "xsaves", 0xD, 1, EAX, 1u << 3, use_xsaves, VEC_UD, "XSAVES" },
	{ "fsgsbase", 7, 0, EBX, 1u << 0, use_fsgsbase, VEC_GP, "MOV to CR4.FSGSBASE, RDFSBASE" },
	{ "tsc_adjust", 7, 0, EBX, 1u << 1, use_tsc_adjust, VEC_GP, "RDMSR IA32_TSC_ADJUST" },
	{ "smep", 7, 0, EBX, 1u << 7, use_smep, VEC_GP, "MOV to CR4.SMEP" },
	{ "smap", 7, 0, EBX, 1u << 20, use_smap, VEC_GP, "MOV to CR4.SMAP" },
	{ "invpcid", 7, 0, EBX, 1u << 10, use_invpcid, VEC_UD, "INVPCID" },
	{ "umip", 7, 0, ECX, 1u << 2, use_umip, VEC_GP, "MOV to CR4.UMIP" },
	{ "cet_ss", 7, 0, ECX, 1u << 7, use_cet, VEC_GP, "MOV to CR4.CET" },
	{ "keylocker", 7, 0, ECX, 1u << 23, use_keylocker, VEC_GP, "MOV to CR4.KL" },
	{ "rdpid", 7, 0, ECX, 1u << 22, use_rdpid, VEC_UD, "RDPID" },
	{ "pks", 7, 0, ECX, 1u << 31, use_pks, VEC_GP, "MOV to CR4.PKS" },
	{ "uintr", 7, 0, EDX, 1u << 5, use_uintr, VEC_GP, "MOV to CR4.UINTR" },
	{ "lam", 7, 1, EAX, 1u << 26, use_lam, VEC_GP, "MOV to CR4.LAM_SUP" },
	{ "rdtscp", 0x80000001, 0, EDX, 1u << 27, use_rdtscp, VEC_UD, "RDTSCP" },
};

static bool shown(const struct probe *p)
{
	uint32_t max = cpuid(p->leaf & 0x80000000u).eax;
	if (p->leaf > max)
		return false;
	struct cpuid_regs r = cpuid_count(p->leaf, p->sub);
	uint32_t v = p->reg == EAX ? r.eax : p->reg == EBX ? r.ebx : p->reg == ECX ? r.ecx : r.edx;
	return v & p->bit;
}

static const char *vec_name(int v)
{
	return v == NO_FAULT ? "no fault" : exception_name((unsigned)v);
}

static void check_probe(const struct probe *p)
{
	bool s = shown(p);
	int v = p->use();

	int want = p->hidden_vec;

	/* AVX hidden with XSAVE hidden too: XSETBV is #UD (CR4.OSXSAVE is 0) */
	if ((p->use == use_avx || p->use == use_avx512) && !(cpuid(1).ecx & (1u << 26)))
		want = VEC_UD;
	if (s)
		report(v == NO_FAULT, "%s: shown; %s: %s", p->name, p->what, vec_name(v));
	else
		report(v == want, "%s: hidden; %s: %s (want %s)", p->name, p->what, vec_name(v),
		       exception_name((unsigned)want));
}

/* XSETBV's own rules (SDM Vol. 2B, "XSETBV"; Vol. 1, "Extended Control
 * Register 0 (XCR0)"), where XSAVE is shown: each of these raises #GP. */
static void check_xsetbv_rules(void)
{
	static const struct {
		uint64_t val;
		uint32_t xcr;
		const char *what;
	} bad[] = {
		{ 0x0, 0, "XCR0 = 0 (x87 bit clear)" },
		{ 0x5, 0, "XCR0 = x87|AVX without SSE" },
		{ 0x27, 0, "XCR0 = AVX with only the AVX-512 opmask" },
		{ 0x1, 1, "ECX = 1 (XCR 1 is read-only)" },
		{ 0x8000000000000003ull, 0, "XCR0 bit 63" },
	};
	uint32_t lo, hi;

	if (!(cpuid(1).ecx & (1u << 26))) {
		report_skip("xsetbv rules: XSAVE hidden");
		return;
	}
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int v = TRY("xsetbv", : : "c"(bad[i].xcr), "a"((uint32_t)bad[i].val),
			    "d"((uint32_t)(bad[i].val >> 32)) : "memory");
		report(v == VEC_GP, "xsetbv rules: %s raises #GP (%s)", bad[i].what, vec_name(v));
	}
	uint32_t lo2, hi2;
	asm volatile("xgetbv" : "=a"(lo2), "=d"(hi2) : "c"(0));
	report(lo2 == lo && hi2 == hi, "xsetbv rules: XCR0 unchanged by the refused writes (%#x)",
	       lo2);
}

/* The bits that follow the vCPU's own state. */
static void check_dynamic(void)
{
	bool xsave = cpuid(1).ecx & (1u << 26);

	if (xsave) {
		bool on = cpuid(1).ecx & (1u << 27);
		write_cr4_safe(cr4_now() & ~CR4_OSXSAVE);
		bool off = cpuid(1).ecx & (1u << 27);
		write_cr4_safe(cr4_now() | CR4_OSXSAVE);
		report(on && !off, "osxsave: CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE (set %d, "
		       "clear %d)", on, off);
	} else {
		report(!(cpuid(1).ecx & (1u << 27)), "osxsave: 0 while XSAVE is hidden");
	}

	uint64_t base;
	if (rdmsr_safe(MSR_IA32_APIC_BASE, &base) == 0 && (base & APIC_BASE_EN)) {
		bool with = cpuid(1).edx & (1u << 9);
		wrmsr_safe(MSR_IA32_APIC_BASE, base & ~APIC_BASE_EN);
		bool without = cpuid(1).edx & (1u << 9);
		wrmsr_safe(MSR_IA32_APIC_BASE, base);
		bool back = cpuid(1).edx & (1u << 9);
		/* whether a globally disabled APIC can be enabled again without a
		 * RESET differs between CPU families (SDM Vol. 3A, "Enabling or
		 * Disabling the Local APIC"; Bochs 2.7 cannot): not required */
		report(with && !without, "apic: CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN "
		       "(enabled %d, disabled %d; enabled again %d)", with, without, back);
	} else {
		report_skip("apic: IA32_APIC_BASE unreadable or the APIC disabled");
	}

	uint64_t misc, v;
	if (rdmsr_safe(MSR_MISC_ENABLE, &misc)) {
		report_skip("misc_enable: IA32_MISC_ENABLE raises %s",
			    exception_name((unsigned)exception_vector()));
		return;
	}
	bool w1 = !wrmsr_safe(MSR_MISC_ENABLE, misc ^ MISC_FAST_STRINGS) &&
		  !rdmsr_safe(MSR_MISC_ENABLE, &v) && v == (misc ^ MISC_FAST_STRINGS);
	bool w2 = !wrmsr_safe(MSR_MISC_ENABLE, misc) && !rdmsr_safe(MSR_MISC_ENABLE, &v) &&
		  v == misc;
	report(w1 && w2, "misc_enable: fast-strings bit written both ways reads back (%d %d)",
	       w1, w2);
	uint32_t max = cpuid(0).eax;
	if (!wrmsr_safe(MSR_MISC_ENABLE, misc | MISC_LIMIT_CPUID)) {
		uint32_t limited = cpuid(0).eax;
		wrmsr_safe(MSR_MISC_ENABLE, misc & ~MISC_LIMIT_CPUID);
		uint32_t after = cpuid(0).eax;
		wrmsr_safe(MSR_MISC_ENABLE, misc);
		report(limited <= 2 && after == max, "misc_enable: Limit CPUID Maxval: leaf 0 says %u, "
		       "then %u again (want <= 2, then %u)", limited, after, max);
	} else {
		report_skip("misc_enable: Limit CPUID Maxval not writable here");
	}
	if (on_chronovisor()) {
		int bad = wrmsr_safe(MSR_MISC_ENABLE, misc ^ MISC_BTS_UNAVAIL) ? exception_vector()
									    : NO_FAULT;
		rdmsr_safe(MSR_MISC_ENABLE, &v);
		report(bad == VEC_GP && v == misc, "misc_enable: changing read-only bit 11 raises "
		       "#GP (%s) and leaves it (%#lx)", vec_name(bad), v);
	}
}

int main(int argc, char **argv)
{
	report_info("cpuidc: %zu features; the command line \"%s\"", ARRAY_SIZE(probes),
		    args_cmdline());
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++)
		check_probe(&probes[i]);
	check_xsetbv_rules();
	check_dynamic();
	report_summary();
}
