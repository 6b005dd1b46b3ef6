/*
 * guest/chaos.c - a seeded random sequence of privileged operations, on every vCPU.
 *
 * Context: test guest, meant to run under chronovisor (bare it only says SKIP:
 * random port writes and MSR writes can reset or wedge a real or emulated
 * machine). 64-bit mode, interrupts off throughout.
 *
 * Each vCPU draws N operations from its own xorshift sequence (seed= plus the
 * CPU index) and runs each as a checked instruction (guest/lib/trap.h): it
 * either completes or raises an exception, and both are architectural
 * answers. What the hypervisor must never do is crash, hang the host, or
 * hurt the other VMs of the same boot; what it may do is end THIS VM with a
 * named reason. At the end every vCPU's outcomes are summed and printed:
 * per operation, how many completed and how many raised which exception.
 *
 * Operations (the default set; all but the "risky" ones):
 *   rdmsr, wrmsr     random indices (architectural, VMX, x2APIC, extended and
 *                    fully random ones); WRMSR writes back what RDMSR gave, or
 *                    a random value where RDMSR faulted. Never written: EFER,
 *                    FS/GS bases, IA32_APIC_BASE, the TSC and TSC_ADJUST, the
 *                    x2APIC ICR (an IPI storm is not the point here).
 *   in, out          random ports, 1, 2 and 4 bytes, except the ports that end
 *                    the VM or reset a PC (isa-debug-exit, Bochs shutdown,
 *                    ACPI PM1a, 0x92, 0xCF9, 0x64), the consoles and fw_cfg.
 *   cr0, cr4, cr8    flip one random bit (bits 63:32 too), then restore.
 *   cr3              write back its own value.
 *   dr               DR0-DR3 to addresses in a page nothing touches, read back
 *                    and compared (a mismatch is WRONG); DR6 random; DR7
 *                    random (GD included), then DR7 = 0x400.
 *   xcr0             XSETBV of a random XCR0 (CR4.OSXSAVE set first where
 *                    CPUID shows XSAVE), XGETBV, then restored.
 *   insn             INVD, WBINVD, RDPMC, RDTSCP, RDPID, RDRAND, RDSEED, CPUID of
 *                    a random leaf, CLTS, LMSW, INVLPG, INVPCID, SGDT/SIDT/SLDT/
 *                    STR, SWAPGS twice, WRPKRU/RDPKRU, CLFLUSH.
 *   exc              INT3, UD2, #DE, INT n (n = 32..255), ICEBP, a single step
 *                    (TF), INT3 right after MOV to SS.
 *   vmcall           random hypercall numbers and arguments (never HC_REPORT,
 *                    which would record a result; HC_SLEEP below 2^24 ticks).
 *   apic             random reads of the xAPIC page, writes of its harmless
 *                    registers, and an NMI to itself (counted by the NMI handler).
 *   smc              self-modifying code next to an exit: a stub that does
 *                    OUT to port 0x80 and then returns an immediate is patched
 *                    and run again; it must return the new immediate (else WRONG).
 * Risky operations (risky=1, or ops=NAME,NAME...): they may hang a vCPU or end
 * the VM, which chronovisor must turn into a named end of THIS VM:
 *   mwait            MONITOR + MWAIT with IF = 0 and a random hint
 *   strio            INS/OUTS (REP too) on a harmless port
 *   vmx              VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE,
 *                    VMLAUNCH, VMRESUME, INVEPT, INVVPID, VMFUNC
 *   outside          a read of guest-physical memory past the end of RAM
 *   hlt              HLT with IF = 0 (nothing can wake it but an NMI)
 *
 * Arguments: seed=S (default 1), steps=N per vCPU (default 2000), vcpus=K
 * (default: all the VM has), risky=1, ops=LIST (only these), quiet=1;
 * sabotage=smc counts the self-modifying-code result as WRONG even when it is
 * right: the negative control of the "no wrong results" check.
 * Verdict: PASS when every vCPU finished its N steps and nothing was WRONG.
 */
#include "guest/lib/apic.h"
#include "guest/lib/guest.h"
#include "guest/lib/irq.h"
#include "guest/lib/rand.h"
#include "guest/lib/smp.h"

#define VECTORS          32
#define OUT_OK           VECTORS          /* outcome slot: completed */
#define OUT_WRONG        (VECTORS + 1)    /* completed with a wrong result */
#define OUTCOMES         (VECTORS + 2)
#define XAPIC_DEFAULT    0xFEE00000UL

struct chaos_op {
	const char *name;
	void (*run)(void);
	bool risky;
};

/* Per CPU, per op, per outcome. */
#define MAX_OPS 24
static uint64_t tally[GUEST_MAX_CPUS][MAX_OPS][OUTCOMES];
static uint64_t rng[GUEST_MAX_CPUS];
static volatile uint64_t nmis;
static uint8_t decoy_page[4096] __attribute__((aligned(4096)));   /* DR targets: never touched */
static uint8_t io_buf[64];
static uint8_t monitor_line[64] __attribute__((aligned(64)));
static uint8_t smc_stub[GUEST_MAX_CPUS][64] __attribute__((aligned(64)));
static bool cpu_has_xsave, cpu_has_monitor, cpu_has_pku;
static bool sabotage_smc;       /* sabotage=smc: count a correct result as WRONG */
static int cur_op[GUEST_MAX_CPUS];

static uint64_t rnd(void)
{
	/* xorshift64* per CPU (guest/lib/rand.c keeps one global state) */
	uint64_t *s = &rng[smp_cpu_id()];
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static bool step_wrong[GUEST_MAX_CPUS];
static unsigned wrong_lines[GUEST_MAX_CPUS];

/* Count this step once: WRONG if wrong() was called during it, else the
 * exception it ended with, else completed. */
static void outcome(void)
{
	int cpu = smp_cpu_id();
	int v = exception_vector();
	int slot = v >= 0 && v < VECTORS ? v : OUT_OK;

	if (step_wrong[cpu])
		slot = OUT_WRONG;
	step_wrong[cpu] = false;
	tally[cpu][cur_op[cpu]][slot]++;
}

static void wrong(const char *what, uint64_t got, uint64_t want)
{
	int cpu = smp_cpu_id();

	step_wrong[cpu] = true;
	if (wrong_lines[cpu]++ < 3)
		printf("chaos: cpu %d: WRONG: %s: got %#lx, want %#lx\n", cpu, what, got, want);
}

/* ---- MSRs ---- */

static const uint32_t msr_pool[] = {
	0x10, 0x17, 0x1B, 0x2A, 0x34, 0x35, 0x3A, 0x3B, 0x48, 0x49, 0x8B, 0x9B, 0xC1, 0xCE,
	0xE7, 0xE8, 0xFE, 0x10A, 0x10B, 0x122, 0x140, 0x174, 0x175, 0x176, 0x179, 0x17A,
	0x17B, 0x186, 0x198, 0x199, 0x19A, 0x1A0, 0x1B1, 0x1D9, 0x1DB, 0x200, 0x201, 0x250,
	0x277, 0x2FF, 0x345, 0x38D, 0x38F, 0x400, 0x401, 0x402, 0x403, 0x480, 0x481, 0x485,
	0x48B, 0x48C, 0x491, 0x4C1, 0x600, 0x6A0, 0x6E0, 0x6E1, 0x802, 0x803, 0x808, 0x80B,
	0x80F, 0x828, 0x832, 0x83F, 0xD90, 0xDA0, 0xC0000080, 0xC0000081, 0xC0000082,
	0xC0000084, 0xC0000100, 0xC0000101, 0xC0000102, 0xC0000103, 0xC0010000, 0x40000000,
	0x4B564D00, 0x4B564D01,
};

static uint32_t pick_msr(void)
{
	switch (rnd() % 4) {
	case 0:
	case 1:
		return msr_pool[rnd() % ARRAY_SIZE(msr_pool)];
	case 2:
		return (rnd() & 1) ? (uint32_t)(rnd() % 0x2000) : 0xC0000000u + (uint32_t)(rnd() % 0x2000);
	default:
		return (uint32_t)rnd();
	}
}

static bool msr_never_written(uint32_t msr)
{
	return msr == 0x10 || msr == 0x1B || msr == 0x3B || msr == 0x830 ||
	       msr == 0xC0000080 || (msr >= 0xC0000100 && msr <= 0xC0000102);
}

static void op_rdmsr(void)
{
	uint64_t v;

	(void)rdmsr_safe(pick_msr(), &v);
	outcome();
}

static void op_wrmsr(void)
{
	uint32_t msr = pick_msr();
	uint64_t v;

	if (msr_never_written(msr))
		msr = 0xC0001000u + (uint32_t)(rnd() % 0x100);   /* an unimplemented one instead */
	if (rdmsr_safe(msr, &v) != 0)
		v = rnd();
	(void)wrmsr_safe(msr, v);
	outcome();
}

/* ---- port I/O ---- */

static bool port_excluded(uint16_t p)
{
	return (p >= 0x3F8 && p <= 0x3FF) || p == 0xE9 || p == 0x402 || (p >= 0xF0 && p <= 0xF7) ||
	       (p >= 0x8900 && p <= 0x8903) || (p >= 0x600 && p <= 0x607) ||
	       (p >= 0xB000 && p <= 0xB007) || p == 0x92 || (p >= 0xCF8 && p <= 0xCFF) ||
	       p == 0x64 || (p >= 0x510 && p <= 0x511);
}

static uint16_t pick_port(void)
{
	uint16_t p;

	do
		p = (rnd() & 1) ? (uint16_t)(rnd() % 0x400) : (uint16_t)rnd();
	while (port_excluded(p) || port_excluded((uint16_t)(p + 3)));
	return p;
}

static void op_in(void)
{
	uint16_t p = pick_port();
	uint32_t v = 0;

	exception_clear();
	switch (rnd() % 3) {
	case 0:
		asm volatile("1: inb %w1, %b0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+a"(v) : "d"(p));
		break;
	case 1:
		asm volatile("1: inw %w1, %w0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+a"(v) : "d"(p));
		break;
	default:
		asm volatile("1: inl %w1, %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+a"(v) : "d"(p));
		break;
	}
	outcome();
}

static void op_out(void)
{
	uint16_t p = pick_port();
	uint32_t v = (uint32_t)rnd();

	exception_clear();
	switch (rnd() % 3) {
	case 0:
		asm volatile("1: outb %b0, %w1\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "a"(v), "d"(p));
		break;
	case 1:
		asm volatile("1: outw %w0, %w1\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "a"(v), "d"(p));
		break;
	default:
		asm volatile("1: outl %0, %w1\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "a"(v), "d"(p));
		break;
	}
	outcome();
}

/* INS/OUTS on port 0x80 (POST codes: harmless everywhere), REP 1..8 times. */
static void op_strio(void)
{
	uint64_t cnt = 1 + rnd() % 8;
	void *buf = io_buf;

	exception_clear();
	if (rnd() & 1)
		asm volatile("1: rep outsb\n2:\n" EX_TABLE_ENTRY("1b", "2b")
			     : "+S"(buf), "+c"(cnt) : "d"(0x80) : "memory");
	else
		asm volatile("1: rep insb\n2:\n" EX_TABLE_ENTRY("1b", "2b")
			     : "+D"(buf), "+c"(cnt) : "d"(0x80) : "memory");
	outcome();
}

/* ---- control registers ---- */

static int write_cr0_safe(uint64_t v)
{
	exception_clear();
	asm volatile("1: mov %0, %%cr0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(v) : "memory");
	return exception_vector() >= 0 ? -1 : 0;
}

static uint64_t flip_bit(void)
{
	/* mostly the defined bits 31:0, sometimes a reserved high one */
	return 1ULL << ((rnd() % 8 == 0) ? 32 + rnd() % 32 : rnd() % 32);
}

static void op_cr0(void)
{
	uint64_t old = read_cr0();
	uint64_t bit = flip_bit();

	/* PE and PG: clearing either in long mode must #GP; it is still tried */
	(void)write_cr0_safe(old ^ bit);
	outcome();
	if (read_cr0() != old && write_cr0_safe(old) != 0)
		report_abort("cannot restore CR0 %#lx", old);
}

static void op_cr4(void)
{
	uint64_t old = read_cr4();

	(void)write_cr4_safe(old ^ flip_bit());
	outcome();
	if (read_cr4() != old && write_cr4_safe(old) != 0)
		report_abort("cannot restore CR4 %#lx", old);
}

static void op_cr8(void)
{
	uint64_t v = (rnd() & 3) ? rnd() % 16 : rnd();

	exception_clear();
	asm volatile("1: mov %0, %%cr8\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(v) : "memory");
	outcome();
	asm volatile("mov %0, %%cr8" : : "r"(0ULL) : "memory");
}

static void op_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	exception_clear();
	asm volatile("1: mov %0, %%cr3\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(v) : "memory");
	outcome();
}

/* ---- debug registers ---- */

#define MOV_TO_DR(n, v)                                                                    \
	asm volatile("1: mov %0, %%dr" #n "\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(v) : "memory")
#define MOV_FROM_DR(n, v)                                                                  \
	asm volatile("1: mov %%dr" #n ", %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(v) : : "memory")

static void op_dr(void)
{
	uint64_t a[4], r[4] = { 0 };

	for (int i = 0; i < 4; i++)
		a[i] = (uint64_t)(uintptr_t)decoy_page + (rnd() % 4096 & ~7ULL);
	exception_clear();
	MOV_TO_DR(0, a[0]);
	MOV_TO_DR(1, a[1]);
	MOV_TO_DR(2, a[2]);
	MOV_TO_DR(3, a[3]);
	MOV_FROM_DR(0, r[0]);
	MOV_FROM_DR(1, r[1]);
	MOV_FROM_DR(2, r[2]);
	MOV_FROM_DR(3, r[3]);
	if (exception_vector() < 0) {
		for (int i = 0; i < 4; i++)
			if (r[i] != a[i])
				wrong("DR0-3 read back", r[i], a[i]);
	}
	uint64_t dr6 = rnd(), dr7 = (rnd() & 0x2FFFFULL) | 0x400;   /* GD (bit 13) sometimes */
	if (rnd() & 1)
		MOV_TO_DR(6, dr6);
	MOV_TO_DR(7, dr7);
	outcome();
	exception_clear();
	uint64_t clean = 0x400;
	MOV_TO_DR(7, clean);        /* with GD set this raises #DB once (GD clears), so twice */
	MOV_TO_DR(7, clean);
}

/* ---- XCR0 ---- */

static int xsetbv_safe(uint32_t idx, uint64_t v)
{
	exception_clear();
	asm volatile("1: xsetbv\n2:\n" EX_TABLE_ENTRY("1b", "2b")
		     : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return exception_vector() >= 0 ? -1 : 0;
}

static void op_xcr0(void)
{
	static const uint64_t values[] = { 0, 1, 2, 3, 7, 0x1F, 0xE7, 0x2E7, 1ULL << 62 };
	uint64_t cr4 = read_cr4();
	uint64_t v = (rnd() & 1) ? values[rnd() % ARRAY_SIZE(values)] : rnd();

	if (cpu_has_xsave)
		(void)write_cr4_safe(cr4 | (1ULL << 18));
	(void)xsetbv_safe((rnd() % 4 == 0) ? (uint32_t)rnd() % 3 : 0, v);
	outcome();
	if (read_cr4() & (1ULL << 18)) {
		uint32_t lo, hi;
		asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if (((uint64_t)hi << 32 | lo) != 1 && xsetbv_safe(0, 1) != 0)
			report_abort("cannot restore XCR0 to 1");
	}
	if (read_cr4() != cr4)
		(void)write_cr4_safe(cr4);
}

/* ---- other privileged and unusual instructions ---- */

static void op_insn(void)
{
	uint64_t a = 0, b = 0, c = 0, d = 0;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) dt;

	exception_clear();
	switch (rnd() % 16) {
	case 0:
		asm volatile("1: invd\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory");
		break;
	case 1:
		asm volatile("1: wbinvd\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory");
		break;
	case 2:
		c = (rnd() & 1) ? rnd() % 8 : (1ULL << 30) + rnd() % 4;
		asm volatile("1: rdpmc\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+a"(a), "+d"(d) : "c"(c));
		break;
	case 3:
		asm volatile("1: rdtscp\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+a"(a), "+d"(d), "+c"(c));
		break;
	case 4:
		asm volatile("1: rdpid %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(a));
		break;
	case 5:
		asm volatile("1: rdrand %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(a) : : "cc");
		break;
	case 6:
		asm volatile("1: rdseed %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(a) : : "cc");
		break;
	case 7: {
		uint32_t leaf = (rnd() & 1) ? (uint32_t)(rnd() % 0x20) : (rnd() & 1) ?
			0x40000000u + (uint32_t)(rnd() % 0x10) : (uint32_t)rnd();
		a = leaf;
		c = rnd() % 4;
		asm volatile("1: cpuid\n2:\n" EX_TABLE_ENTRY("1b", "2b")
			     : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		break;
	}
	case 8:
		asm volatile("1: clts\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory");
		break;
	case 9:
		a = read_cr0() & 0xFFFF;      /* LMSW cannot clear PE; keep the rest */
		asm volatile("1: lmsw %w0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(a) : "memory");
		break;
	case 10:
		a = rnd();
		asm volatile("1: invlpg (%0)\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(a) : "memory");
		break;
	case 11: {
		uint64_t desc[2] = { rnd() % 4096, rnd() };
		a = rnd() % 5;
		asm volatile("1: invpcid (%1), %0\n2:\n" EX_TABLE_ENTRY("1b", "2b")
			     : : "r"(a), "r"(desc) : "memory");
		break;
	}
	case 12:
		asm volatile("1: sgdt %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "=m"(dt));
		asm volatile("1: sidt %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "=m"(dt));
		asm volatile("1: sldt %w0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(a));
		asm volatile("1: str %w0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(b));
		break;
	case 13:
		asm volatile("1: swapgs\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory");
		asm volatile("1: swapgs\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory");
		break;
	case 14:
		if (cpu_has_pku || (rnd() & 1)) {
			asm volatile("1: rdpkru\n2:\n" EX_TABLE_ENTRY("1b", "2b")
				     : "+a"(a), "+d"(d) : "c"(0));
			asm volatile("1: wrpkru\n2:\n" EX_TABLE_ENTRY("1b", "2b")
				     : : "a"((uint32_t)0), "c"(0), "d"(0) : "memory");
		}
		break;
	default:
		asm volatile("1: clflush (%0)\n2:\n" EX_TABLE_ENTRY("1b", "2b")
			     : : "r"(io_buf) : "memory");
		break;
	}
	outcome();
}

/* ---- exceptions the guest raises itself ---- */

static void op_exc(void)
{
	uint64_t x = 0;

	exception_clear();
	switch (rnd() % 7) {
	case 0:   /* #BP is a trap: the saved RIP is the next instruction */
		asm volatile("int3\n2:\n" EX_TABLE_ENTRY("2b", "2b") ::: "memory");
		break;
	case 1:
		asm volatile("1: ud2\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory");
		break;
	case 2: {
		uint64_t q = 1, dvd = 0;
		asm volatile("1: divq %2\n2:\n" EX_TABLE_ENTRY("1b", "2b")
			     : "+a"(q), "+d"(x) : "r"(dvd) : "cc");
		break;
	}
	case 3: {  /* INT n, 32..255: the IRQ path takes it as an unexpected vector */
		switch (rnd() % 4) {
		case 0: asm volatile("int $0x40" ::: "memory"); break;
		case 1: asm volatile("int $0x80" ::: "memory"); break;
		case 2: asm volatile("int $0xEE" ::: "memory"); break;
		default: asm volatile("int $0xFF" ::: "memory"); break;
		}
		break;
	}
	case 4:   /* ICEBP (INT1): a #DB trap */
		asm volatile(".byte 0xF1\n2:\n" EX_TABLE_ENTRY("2b", "2b") ::: "memory");
		break;
	case 5:   /* single step: TF set by POPF traps after the next instruction */
		asm volatile("pushfq\n\t"
			     "orq $0x100, (%%rsp)\n\t"
			     "popfq\n\t"
			     "nop\n"
			     "2:\n" EX_TABLE_ENTRY("2b", "2b") ::: "memory", "cc");
		break;
	default: { /* INT3 in the shadow of MOV SS (blocking by MOV SS in the VMCS) */
		uint16_t ss;
		asm volatile("mov %%ss, %0" : "=r"(ss));
		asm volatile("mov %0, %%ss\n\t"
			     "int3\n"
			     "2:\n" EX_TABLE_ENTRY("2b", "2b") : : "r"(ss) : "memory");
		break;
	}
	}
	outcome();
}

/* ---- hypercalls ---- */

static void op_vmcall(void)
{
	uint64_t nr = rnd() % (HC_NR_COUNT + 4);
	uint64_t a0 = rnd(), a1 = rnd() % 8192, a2 = rnd();

	if (nr == HC_REPORT)
		nr = HC_NR_COUNT + 7;           /* would record a test result: use an unknown one */
	if (nr == HC_SLEEP)
		a0 %= 1ULL << 24;
	if (nr == HC_WRITE && (rnd() & 1))
		a0 = (uint64_t)(uintptr_t)io_buf, a1 = 0;   /* a valid, empty write */
	exception_clear();
	(void)hypercall(nr, a0, a1, a2);
	outcome();
}

/* ---- the local APIC ---- */

static void nmi_handler(struct trap_frame *f)
{
	__atomic_fetch_add(&nmis, 1, __ATOMIC_RELAXED);
}

static void op_apic(void)
{
	static const unsigned writable[] = { 0x80, 0xD0, 0xE0, 0x280, 0x320, 0x330, 0x340, 0x350,
					     0x360, 0x370, 0x380, 0x3E0 };
	exception_clear();
	if (apic_x2apic_mode()) {
		uint64_t v;
		(void)rdmsr_safe(0x800 + (uint32_t)(rnd() % 0x40), &v);
	} else {
		unsigned r = (unsigned)(rnd() % 0x40) * 16;
		uint32_t v;
		switch (rnd() % 3) {
		case 0:
			v = mmio_read32(apic_mmio_base() + r);
			(void)v;
			break;
		case 1: {
			unsigned w = writable[rnd() % ARRAY_SIZE(writable)];
			uint32_t val = (uint32_t)rnd();
			if (w >= 0x320 && w <= 0x370)
				val |= 1u << 16;        /* LVTs stay masked */
			if (w == 0x380)
				val = 0;                /* timer: never armed */
			mmio_write32(apic_mmio_base() + w, val);
			break;
		}
		default:
			(void)apic_ipi_nmi(apic_id());
			break;
		}
	}
	outcome();
}

/* ---- self-modifying code next to an exit ---- */

static void op_smc(void)
{
	/* mov $imm, %eax; out %al, $0x80; mov $imm2, %eax; ret */
	static const uint8_t code[] = { 0xB8, 0, 0, 0, 0, 0xE6, 0x80, 0xB8, 0, 0, 0, 0, 0xC3 };
	uint8_t *stub = smc_stub[smp_cpu_id()];     /* each CPU patches only its own */
	uint32_t want = (uint32_t)rnd();
	uint32_t got;

	memcpy(stub, code, sizeof(code));
	memcpy(stub + 8, &want, 4);
	asm volatile("" ::: "memory");
	asm volatile("call *%1" : "=a"(got) : "r"(stub) : "memory", "rcx", "rdx", "rsi", "rdi",
		     "r8", "r9", "r10", "r11");
	if (got != want)
		wrong("self-modified code (first)", got, want);
	want = ~want;
	memcpy(stub + 8, &want, 4);
	asm volatile("call *%1" : "=a"(got) : "r"(stub) : "memory", "rcx", "rdx", "rsi", "rdi",
		     "r8", "r9", "r10", "r11");
	if (got != want || sabotage_smc)
		wrong("self-modified code (patched)", got, want);
	exception_clear();
	outcome();
}

/* ---- risky ones ---- */

static void op_mwait(void)
{
	exception_clear();
	asm volatile("1: monitor\n2:\n" EX_TABLE_ENTRY("1b", "2b")
		     : : "a"(monitor_line), "c"(0), "d"(0) : "memory");
	asm volatile("1: mwait\n2:\n" EX_TABLE_ENTRY("1b", "2b")
		     : : "a"((uint32_t)(rnd() % 0x40)), "c"(0) : "memory");
	outcome();
}

static void op_vmx(void)
{
	static uint8_t region[4096] __attribute__((aligned(4096)));
	uint64_t pa = (uint64_t)(uintptr_t)region, v = 0, f = rnd() % 0x7000;
	uint64_t desc[2] = { 0, 0 };

	exception_clear();
	switch (rnd() % 12) {
	case 0: asm volatile("1: vmxon %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "m"(pa) : "memory", "cc"); break;
	case 1: asm volatile("1: vmxoff\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory", "cc"); break;
	case 2: asm volatile("1: vmclear %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "m"(pa) : "memory", "cc"); break;
	case 3: asm volatile("1: vmptrld %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "m"(pa) : "memory", "cc"); break;
	case 4: asm volatile("1: vmptrst %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "=m"(v) : : "memory", "cc"); break;
	case 5: asm volatile("1: vmread %1, %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(v) : "r"(f) : "cc"); break;
	case 6: asm volatile("1: vmwrite %1, %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(f), "r"(v) : "cc"); break;
	case 7: asm volatile("1: vmlaunch\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory", "cc"); break;
	case 8: asm volatile("1: vmresume\n2:\n" EX_TABLE_ENTRY("1b", "2b") ::: "memory", "cc"); break;
	case 9: asm volatile("1: invept %1, %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(f % 4), "m"(desc) : "memory", "cc"); break;
	case 10: asm volatile("1: invvpid %1, %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "r"(f % 4), "m"(desc) : "memory", "cc"); break;
	default: asm volatile("1: .byte 0x0f, 0x01, 0xd4\n2:\n" EX_TABLE_ENTRY("1b", "2b") : : "a"(0), "c"(0) : "memory"); break; /* VMFUNC */
	}
	outcome();
}

static void op_outside(void)
{
	/* 2-3 GiB: mapped by the guest's own page tables (guest/lib/entry.asm maps
	 * 4 GiB), far past its RAM, so only EPT can refuse it */
	uint64_t addr = 0x80000000ULL + (rnd() % 0x40000000ULL & ~7ULL);
	uint64_t v = 0;

	exception_clear();
	asm volatile("1: movq (%1), %0\n2:\n" EX_TABLE_ENTRY("1b", "2b") : "+r"(v) : "r"(addr) : "memory");
	outcome();
}

static void op_hlt(void)
{
	exception_clear();
	asm volatile("hlt" ::: "memory");
	outcome();
}

static const struct chaos_op ops[] = {
	{ "rdmsr", op_rdmsr, false },   { "wrmsr", op_wrmsr, false },
	{ "in", op_in, false },         { "out", op_out, false },
	{ "cr0", op_cr0, false },       { "cr4", op_cr4, false },
	{ "cr8", op_cr8, false },       { "cr3", op_cr3, false },
	{ "dr", op_dr, false },         { "xcr0", op_xcr0, false },
	{ "insn", op_insn, false },     { "exc", op_exc, false },
	{ "vmcall", op_vmcall, false }, { "apic", op_apic, false },
	{ "smc", op_smc, false },
	{ "mwait", op_mwait, true },    { "strio", op_strio, true },
	{ "vmx", op_vmx, true },        { "outside", op_outside, true },
	{ "hlt", op_hlt, true },
};
_Static_assert(ARRAY_SIZE(ops) <= MAX_OPS, "tally has room for every op");

static bool enabled[ARRAY_SIZE(ops)];
static unsigned nenabled;
static unsigned enabled_idx[ARRAY_SIZE(ops)];
static int64_t steps;
static bool quiet;
static uint64_t seed;

static void chaos_cpu(int cpu)
{
	rng[cpu] = (seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(cpu + 1))) | 1;
	for (int64_t i = 0; i < steps; i++) {
		unsigned k = enabled_idx[rnd() % nenabled];
		cur_op[cpu] = (int)k;
		ops[k].run();
		if (!quiet && (i + 1) % 1000 == 0)
			printf("chaos: cpu %d: %ld steps\n", cpu, i + 1);
	}
}

static void parse_ops(void)
{
	const char *list = arg_get("ops");
	bool risky = arg_get_int("risky", 0) != 0;

	for (unsigned k = 0; k < ARRAY_SIZE(ops); k++) {
		if (list) {
			size_t n = strlen(ops[k].name);
			for (const char *p = list; *p;) {
				if (strncmp(p, ops[k].name, n) == 0 && (p[n] == ',' || p[n] == 0))
					enabled[k] = true;
				while (*p && *p != ',')
					p++;
				if (*p == ',')
					p++;
			}
		} else {
			enabled[k] = !ops[k].risky || risky;
		}
		if (enabled[k])
			enabled_idx[nenabled++] = k;
	}
	if (nenabled == 0)
		report_abort("ops=%s names no operation", list ? list : "");
}

int main(int argc, char **argv)
{
	if (!on_chronovisor()) {
		report_skip("chaos runs only under chronovisor (random port and MSR writes)");
		report_summary();
	}
	seed = (uint64_t)arg_get_int("seed", 1);
	steps = arg_get_int("steps", 2000);
	quiet = arg_get_int("quiet", 0) != 0;
	sabotage_smc = arg_get("sabotage") && strcmp(arg_get("sabotage"), "smc") == 0;
	parse_ops();
	cpu_has_xsave = (cpuid(1).ecx >> 26) & 1;
	cpu_has_monitor = (cpuid(1).ecx >> 3) & 1;
	cpu_has_pku = cpuid(0).eax >= 7 && ((cpuid_count(7, 0).ecx >> 3) & 1);
	apic_init();
	irq_register(VEC_NMI, nmi_handler);

	int want = (int)arg_get_int("vcpus", 0);
	int ncpus = smp_start(want, chaos_cpu);
	printf("chaos: seed %lu, %ld steps on each of %d vCPU(s), %u operations%s\n",
	       seed, steps, ncpus, nenabled, arg_get_int("risky", 0) ? " (risky ones too)" : "");
	chaos_cpu(0);
	if (ncpus > 1)
		smp_wait_all();

	uint64_t total[OUTCOMES] = { 0 }, all = 0, wrongs = 0;
	for (unsigned k = 0; k < ARRAY_SIZE(ops); k++) {
		uint64_t sum[OUTCOMES] = { 0 }, n = 0;
		char line[256];
		int len;

		if (!enabled[k])
			continue;
		for (int c = 0; c < ncpus; c++)
			for (int o = 0; o < OUTCOMES; o++)
				sum[o] += tally[c][k][o];
		for (int o = 0; o < OUTCOMES; o++) {
			n += sum[o];
			total[o] += sum[o];
		}
		all += n;
		wrongs += sum[OUT_WRONG];
		len = snprintf(line, sizeof(line), "chaos: %-8s %6lu: ok %lu", ops[k].name, n, sum[OUT_OK]);
		for (int o = 0; o < VECTORS && len < (int)sizeof(line) - 24; o++)
			if (sum[o])
				len += snprintf(line + len, sizeof(line) - (size_t)len, ", %s %lu",
						exception_name((unsigned)o), sum[o]);
		if (sum[OUT_WRONG])
			snprintf(line + len, sizeof(line) - (size_t)len, ", WRONG %lu", sum[OUT_WRONG]);
		printf("%s\n", line);
	}
	uint64_t faults = all - total[OUT_OK] - total[OUT_WRONG];
	printf("chaos: outcomes: %lu steps, %lu completed, %lu exceptions, %lu wrong, %lu NMIs taken\n",
	       all, total[OUT_OK], faults, wrongs, nmis);
	report(all == (uint64_t)steps * (uint64_t)ncpus, "all %ld steps on %d vCPU(s) answered",
	       steps, ncpus);
	report(wrongs == 0, "no wrong results (%lu)", wrongs);
	report_summary();
}
