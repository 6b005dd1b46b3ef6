/*
 * guest/platform.c - checks the guest platform chronovisor emulates (docs/design.md, "Guests").
 *
 * Context: test guest. Each check is one report line. Checks of things only
 * chronovisor promises (hidden VMX, its CPUID leaves, hypercalls, all-ones
 * from unused ports) are SKIPped when bare; the rest must hold bare on QEMU
 * and Bochs as well, so a failure under chronovisor points at the emulation.
 * Pass hv=1 when running under chronovisor (the library then fails the run
 * if chronovisor is not detected, instead of skipping half of it).
 */
#include "guest/lib/guest.h"

#define COM1_LSR            0x3FD
#define LSR_THRE_TEMT       0x60
#define UNUSED_PORT         0x700       /* nothing decodes it on the PC platforms here */
#define FW_CFG_PORT_SEL     0x510       /* QEMU fw_cfg: 16-bit selector */
#define FW_CFG_PORT_DATA    0x511       /* byte-wise data */
#define FW_CFG_SIGNATURE    0x00        /* "QEMU" */
#define FW_CFG_NB_CPUS      0x05        /* 16-bit little endian */
#define MSR_ABSENT          0x4B564DFF  /* in KVM's paravirtual block, never defined */
#define APIC_BASE_ENABLE    (1ull << 11)
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull
#define XAPIC_BASE          0xFEE00000u
#define XAPIC_ID            (XAPIC_BASE + 0x20)
#define XAPIC_VERSION       (XAPIC_BASE + 0x30)
#define XAPIC_EOI           (XAPIC_BASE + 0xB0)
#define XAPIC_SVR           (XAPIC_BASE + 0xF0)
#define SVR_ENABLE          (1u << 8)
#define SVR_TEST_VALUE      (SVR_ENABLE | 0xFF)
#define EXIT_REASON_VMCALL  18          /* SDM Vol. 3D, "VMX Basic Exit Reasons" */

extern const char __image_start[], __image_end[];

static bool fw_cfg_present;             /* set by check_fw_cfg() */

static void skip_bare(const char *what)
{
	report_skip("%s (needs chronovisor)", what);
}

static void check_cpuid(void)
{
	struct cpuid_regs r1 = cpuid(1);

	report_prefix_push("cpuid");
	if (on_chronovisor()) {
		struct cpuid_regs hv = cpuid(CPUID_HV_BASE);

		report(!(r1.ecx & CPUID_1_ECX_VMX), "VMX hidden (CPUID.1:ECX[5] = 0)");
		report(r1.ecx & CPUID_1_ECX_HYPERVISOR, "hypervisor bit (CPUID.1:ECX[31])");
		report(hv.ebx == CHRONOVISOR_SIG_EBX && hv.ecx == CHRONOVISOR_SIG_ECX &&
		       hv.edx == CHRONOVISOR_SIG_EDX, "leaf 0x40000000 signature \"chronovisor\"");
		report(hv.eax >= CPUID_HV_BASE, "leaf 0x40000000 max leaf %#x", hv.eax);
		report_info("guest TSC frequency from leaf 0x40000010: %u kHz", chronovisor_tsc_khz());
	} else {
		report_info("bare: CPUID.1:ECX.VMX = %u, hypervisor bit = %u",
			    !!(r1.ecx & CPUID_1_ECX_VMX), !!(r1.ecx & CPUID_1_ECX_HYPERVISOR));
		skip_bare("VMX hidden (CPUID.1:ECX[5] = 0)");
		skip_bare("hypervisor bit and leaf 0x40000000 signature");
	}
	report_prefix_pop();
}

static void check_hypercalls(void)
{
	static const char msg[] = "platform: this line came through HC_WRITE\n";
	static struct hc_counters counters;

	report_prefix_push("hypercall");
	if (!on_chronovisor()) {
		skip_bare("HC_NOP, HC_WRITE, HC_COUNTERS, unknown numbers");
		report_prefix_pop();
		return;
	}
	int64_t r = hypercall(HC_NOP, 0, 0, 0);
	report(r == 0, "HC_NOP returns 0 (got %ld)", r);

	r = hc_write(msg, sizeof(msg) - 1);
	report(r == (int64_t)sizeof(msg) - 1, "HC_WRITE returns the length %zu (got %ld)",
	       sizeof(msg) - 1, r);

	r = hypercall(HC_WRITE, 0xFFFFF000000ull, 16, 0);
	report(r == HC_EFAULT, "HC_WRITE outside RAM returns HC_EFAULT (got %ld)", r);

	/* HC_GUEST_TSC: the hypervisor's idea of this vCPU's TSC, taken between
	 * two of the guest's own ordered reads, must lie between them. */
	uint64_t t0 = rdtsc_ordered();
	uint64_t g = hc_guest_tsc();
	uint64_t t1 = rdtsc_ordered();
	if ((int64_t)g == HC_ENOSYS)
		report(false, "HC_GUEST_TSC returns the guest TSC (got HC_ENOSYS: no such hypercall)");
	else
		report(t0 <= g && g <= t1, "HC_GUEST_TSC %lu lies between the guest's reads %lu and %lu",
		       g, t0, t1);

	r = hypercall(9999, 0, 0, 0);
	report(r == HC_ENOSYS, "unknown hypercall 9999 returns HC_ENOSYS (got %ld)", r);

	r = hc_counters(&counters);
	report(r >= 0, "HC_COUNTERS succeeds (got %ld)", r);
	report(counters.exits_total > 0, "counters: exits_total %lu > 0", counters.exits_total);
	report(counters.hypercalls > 0, "counters: hypercalls %lu > 0", counters.hypercalls);
	report(counters.exits_by_reason[EXIT_REASON_VMCALL] > 0, "counters: VMCALL exits %lu > 0",
	       counters.exits_by_reason[EXIT_REASON_VMCALL]);
	report_prefix_pop();
}

static void check_ports(void)
{
	report_prefix_push("port");
	console_flush();
	uint8_t lsr = inb(COM1_LSR);
	report((lsr & LSR_THRE_TEMT) == LSR_THRE_TEMT, "COM1 LSR %#x has THRE|TEMT", lsr);

	if (on_chronovisor()) {
		uint8_t v = inb(UNUSED_PORT);
		report(v == 0xFF, "unused port %#x reads 0xff (got %#x)", UNUSED_PORT, v);
	} else {
		skip_bare("unused port reads 0xff");
	}
	report_prefix_pop();
}

static uint8_t fw_cfg_read(uint16_t key, void *buf, unsigned len)
{
	uint8_t *b = buf;

	outw(FW_CFG_PORT_SEL, key);
	for (unsigned i = 0; i < len; i++)
		b[i] = inb(FW_CFG_PORT_DATA);
	return b[0];
}

static void check_fw_cfg(void)
{
	char sig[4];
	uint16_t ncpus = 0;

	report_prefix_push("fw_cfg");
	fw_cfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	bool present = memcmp(sig, "QEMU", 4) == 0;
	fw_cfg_present = present;
	bool absent = (uint8_t)(sig[0] & sig[1] & sig[2] & sig[3]) == 0xFF;

	if (!present && absent && !on_chronovisor()) {
		report_skip("signature \"QEMU\" (bare without fw_cfg, e.g. Bochs)");
		report_skip("CPU count (bare without fw_cfg)");
		report_prefix_pop();
		return;
	}
	report(present, "signature \"QEMU\" (got %02x %02x %02x %02x)",
	       (uint8_t)sig[0], (uint8_t)sig[1], (uint8_t)sig[2], (uint8_t)sig[3]);
	fw_cfg_read(FW_CFG_NB_CPUS, &ncpus, sizeof(ncpus));
	report(ncpus >= 1 && ncpus != 0xFFFF, "CPU count %u >= 1", ncpus);
	report_prefix_pop();
}

static void check_msrs(void)
{
	uint64_t v = 0;

	report_prefix_push("msr");
	int r = rdmsr_safe(MSR_ABSENT, &v);
	/* QEMU's TCG reads unknown MSRs as 0 without #GP (helper_rdmsr's default
	 * case); Bochs with ignore_bad_msrs=0, KVM and real CPUs raise #GP. */
	if (r == 0 && !on_chronovisor() && fw_cfg_present)
		report_skip("rdmsr %#x raises #GP (bare QEMU TCG reads unknown MSRs as 0)", MSR_ABSENT);
	else
		report(r < 0 && exception_vector() == VEC_GP, "rdmsr %#x raises #GP (got %s, value %#lx)",
		       MSR_ABSENT, r < 0 ? exception_name(exception_vector()) : "no exception", v);

	v = 0;
	r = rdmsr_safe(MSR_IA32_APIC_BASE, &v);
	report(r == 0 && (v & APIC_BASE_ENABLE), "IA32_APIC_BASE %#lx: global enable (bit 11)", v);
	report(r == 0 && (v & APIC_BASE_ADDR_MASK) == XAPIC_BASE, "IA32_APIC_BASE base 0xfee00000");
	report_prefix_pop();
}

static void check_xapic(void)
{
	report_prefix_push("xapic");
	uint32_t ver = mmio_read32(XAPIC_VERSION);
	report((ver & 0xFF) >= 0x10 && (ver & 0xFF) <= 0x15, "version %#x: integrated APIC (0x10-0x15)",
	       ver);
	uint32_t id = mmio_read32(XAPIC_ID);
	report((id >> 24) == 0, "ID register %#x: APIC ID 0 on the boot vCPU", id);

	uint32_t old = mmio_read32(XAPIC_SVR);
	mmio_write32(XAPIC_SVR, SVR_TEST_VALUE);
	uint32_t svr = mmio_read32(XAPIC_SVR);
	report((svr & SVR_TEST_VALUE) == SVR_TEST_VALUE, "spurious vector register: wrote %#x, read %#x",
	       SVR_TEST_VALUE, svr);
	mmio_write32(XAPIC_EOI, 0);
	report(true, "EOI write");
	mmio_write32(XAPIC_SVR, old);
	report_prefix_pop();
}

static void check_memory(void)
{
	uint64_t image = (uintptr_t)__image_start, size = (uintptr_t)__image_end - image;

	report_prefix_push("memory");
	report(mb_mmap_type(image, size) == MMAP_TYPE_RAM, "memory map has RAM under the image");
	report_info("RAM %lu KiB (mem_upper %u KiB)", mb_ram_bytes() >> 10,
		    mb_info() ? mb_info()->mem_upper : 0);
	report_prefix_pop();
}

static void check_tsc(void)
{
	uint64_t t0 = rdtsc(), t1 = rdtsc();

	report_prefix_push("tsc");
	report(t1 > t0, "TSC advances (%lu -> %lu)", t0, t1);
	if (has_rdtscp()) {
		uint32_t aux;
		uint64_t t2 = rdtscp(&aux);
		report(t2 > t1, "RDTSCP advances (aux %u)", aux);
	} else {
		report_skip("RDTSCP (CPUID.80000001:EDX[27] = 0)");
	}
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	printf("platform: %s\n", on_chronovisor() ? "under chronovisor" : "bare");
	check_cpuid();
	check_hypercalls();
	check_ports();
	check_fw_cfg();
	check_msrs();
	check_xapic();
	check_memory();
	check_tsc();
	report_summary();
}
