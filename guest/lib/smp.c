/*
 * guest/lib/smp.c - CPU discovery, AP start-up, per-CPU identity, barrier
 * (the contract is in smp.h).
 *
 * Context: guest, 64-bit mode, interrupts off. smp_start runs on the boot
 * CPU; smp_ap_main is where each AP arrives from ap_trampoline.asm.
 */
#include <stddef.h>
#include <stdint.h>

#include "guest/lib/acpi.h"
#include "guest/lib/apic.h"
#include "guest/lib/args.h"
#include "guest/lib/hyper.h"
#include "guest/lib/multiboot.h"
#include "guest/lib/printf.h"
#include "guest/lib/report.h"
#include "guest/lib/smp.h"
#include "guest/lib/string.h"
#include "guest/lib/x86.h"

#define MSR_IA32_GS_BASE      0xC0000101

#define FW_CFG_PORT_SEL       0x510     /* 16-bit selector */
#define FW_CFG_PORT_DATA      0x511     /* byte-wise data */
#define FW_CFG_SIGNATURE      0x0000    /* "QEMU" */
#define FW_CFG_NB_CPUS        0x0005    /* 16-bit little endian */

#define PAGE_SIZE             4096
#define TRAMPOLINE_PREFERRED  0x8000    /* the classic choice; Bochs-checked (docs/platform.md) */
#define TRAMPOLINE_FIRST      0x1000    /* page 0: real-mode IVT and BIOS data */
#define TRAMPOLINE_LIMIT      0x9F000   /* below the EBDA; STARTUP vectors 0xA0-0xBF are invalid */
#define MBI_BYTES             128       /* the whole Multiboot1 info, VBE fields included */
#define MBI_FLAG_LOADER_NAME  (1u << 9)
#define MBI_LOADER_NAME_OFF   64

#define AP_STACK_SIZE         16384
/* Delay-loop iterations (see smp.h): INIT to STARTUP (the SDM's 10 ms) and
 * STARTUP to STARTUP (its 200 us). A bare counting loop, no PAUSE: QEMU's
 * TCG leaves its translated code on every PAUSE, which made 10^6 of them
 * take half a second. In Bochs an iteration is 3 instructions, so 3 ticks:
 * 10^6 iterations are 60 ms of emulated time at ips=50000000 and 2*10^4
 * are 1.2 ms. On hardware (about a cycle each) they are shorter than the
 * SDM asks; Linux skips the INIT delay on modern CPUs altogether, and under
 * chronovisor INIT and STARTUP are emulated in software. */
#define INIT_DELAY_LOOPS      1000000
#define SIPI_DELAY_LOOPS      20000
/* PAUSE-and-yield steps (smp_relax) to wait for an AP to check in: an AP
 * needs a few thousand instructions; 10^7 steps are about 1 s of emulated
 * time in Bochs, several seconds in QEMU (PAUSE leaves TCG's code) and,
 * under chronovisor, 10^4 HC_YIELDs for the AP's vCPU to get a pCPU. */
#define AP_CHECKIN_SPINS      10000000
#define RELAX_YIELD_EVERY     1024      /* smp_relax: one HC_YIELD per this many PAUSEs */

volatile bool guest_smp_active;

/* Read by ap_trampoline.asm; written by the boot CPU before each STARTUP. */
uint32_t smp_ap_cr3;
uint64_t smp_ap_stack_top;
uint32_t smp_ap_index;
struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) smp_ap_idtr;

extern const uint8_t ap_trampoline[], ap_trampoline_end[];
void smp_ap_main(int index) __attribute__((noreturn));

static uint8_t ap_stacks[GUEST_MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

static int ncpus_avail;                  /* 0 until smp_cpus_available() ran */
static uint32_t cpu_apic_ids[GUEST_MAX_CPUS];
static char source[96];

static int online = 1;
static uint64_t tramp_page;              /* where smp_start put the trampoline */
static void (*ap_fn)(int cpu);
static volatile int ap_checked_in = -1;  /* index of the last AP that arrived */
static volatile bool ap_go;              /* all APs are up: run ap_fn */
static volatile int ap_done;             /* APs whose ap_fn returned */
static volatile unsigned barrier_count, barrier_gen;

/* ---- how many CPUs ---- */

static int fw_cfg_cpus(void)
{
	char sig[4];
	uint16_t n;

	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (unsigned i = 0; i < sizeof(sig); i++)
		sig[i] = (char)inb(FW_CFG_PORT_DATA);
	if (memcmp(sig, "QEMU", 4) != 0)
		return -1;
	outw(FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	n = inb(FW_CFG_PORT_DATA);
	n |= (uint16_t)(inb(FW_CFG_PORT_DATA) << 8);
	return n == 0 || n == 0xFFFF ? -1 : n;
}

int smp_cpus_available(void)
{
	uint32_t madt_ids[GUEST_MAX_CPUS];
	int fw, madt, n, want;
	size_t len;

	if (ncpus_avail)
		return ncpus_avail;
	fw = fw_cfg_cpus();
	madt = acpi_madt_cpus(madt_ids, GUEST_MAX_CPUS);
	n = fw > 0 ? fw : madt > 0 ? madt : 1;
	len = (size_t)snprintf(source, sizeof(source), "fw_cfg %d, MADT %d", fw > 0 ? fw : 0,
			       madt > 0 ? madt : 0);
	want = (int)arg_get_int("cpus", 0);
	if (want > 0) {
		n = fw > 0 || madt > 0 ? (want < n ? want : n) : want;
		snprintf(source + len, sizeof(source) - len, ", cpus=%d", want);
	}
	if (n > GUEST_MAX_CPUS)
		n = GUEST_MAX_CPUS;
	for (int i = 0; i < n; i++)
		cpu_apic_ids[i] = madt >= n ? madt_ids[i] : (uint32_t)i;
	ncpus_avail = n;
	return n;
}

const char *smp_cpus_source(void)
{
	smp_cpus_available();
	return source;
}

/* ---- where the trampoline goes ---- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool overlaps_string(uint64_t page, uint32_t s)
{
	return s && overlaps(page, PAGE_SIZE, s, strlen((const char *)(uintptr_t)s) + 1);
}

/* RAM by the loader's account, and no Multiboot structure (which the
 * library keeps reading) on it. */
static bool page_is_free(uint64_t page)
{
	const struct multiboot_info *mbi = mb_info();

	if (!mbi)
		return page == TRAMPOLINE_PREFERRED;    /* nothing better to go by */
	if (mbi->flags & MBI_FLAG_MMAP) {
		if (mb_mmap_type(page, PAGE_SIZE) != MMAP_TYPE_RAM)
			return false;
	} else if ((mbi->flags & MBI_FLAG_MEM) && page + PAGE_SIZE > mbi->mem_lower * 1024ull) {
		return false;
	}
	if (overlaps(page, PAGE_SIZE, (uintptr_t)mbi, MBI_BYTES))
		return false;
	if ((mbi->flags & MBI_FLAG_CMDLINE) && overlaps_string(page, mbi->cmdline))
		return false;
	if ((mbi->flags & MBI_FLAG_MMAP) &&
	    overlaps(page, PAGE_SIZE, mbi->mmap_addr, mbi->mmap_length))
		return false;
	if ((mbi->flags & MBI_FLAG_LOADER_NAME) &&
	    overlaps_string(page, *(const uint32_t *)((uintptr_t)mbi + MBI_LOADER_NAME_OFF)))
		return false;
	if (mbi->flags & MBI_FLAG_MODS) {
		const struct multiboot_module *m = (const void *)(uintptr_t)mbi->mods_addr;

		if (overlaps(page, PAGE_SIZE, mbi->mods_addr, mbi->mods_count * sizeof(*m)))
			return false;
		for (uint32_t i = 0; i < mbi->mods_count; i++)
			if (overlaps(page, PAGE_SIZE, m[i].mod_start, m[i].mod_end - m[i].mod_start) ||
			    overlaps_string(page, m[i].cmdline))
				return false;
	}
	return true;
}

static uint64_t trampoline_page(void)
{
	if (page_is_free(TRAMPOLINE_PREFERRED))
		return TRAMPOLINE_PREFERRED;
	for (uint64_t p = TRAMPOLINE_FIRST; p < TRAMPOLINE_LIMIT; p += PAGE_SIZE)
		if (page_is_free(p))
			return p;
	return 0;
}

/* ---- start-up ---- */

static void delay_loop(unsigned long loops)
{
	for (unsigned long i = 0; i < loops; i++)
		asm volatile("" : : : "memory");   /* kept: the loop is the delay */
}

void smp_relax(void)
{
	pause();
	if (guest_smp_active && ++this_cpu()->relax_count % RELAX_YIELD_EVERY == 0)
		hc_yield();     /* HC_ENOSYS (no VMCALL) when bare */
}

static uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void cpu_setup(int index, uint32_t apic)
{
	struct guest_cpu *c = &guest_cpus[index];

	c->self = c;
	c->index = index;
	c->apic_id = apic;
	c->ex_vector = -1;
}

/* INIT (and its de-assert in xAPIC mode), STARTUP, STARTUP to one AP;
 * then its check-in. */
static bool start_ap(int index, uint32_t apic, uint8_t vector, const char **why)
{
	cpu_setup(index, apic);
	smp_ap_index = (uint32_t)index;
	smp_ap_stack_top = (uintptr_t)&ap_stacks[index][AP_STACK_SIZE];

	if (!apic_ipi_init(apic)) {
		*why = "INIT never left the ICR";
		return false;
	}
	delay_loop(INIT_DELAY_LOOPS);
	for (int sipi = 0; sipi < 2; sipi++) {
		if (!apic_ipi_startup(apic, vector)) {
			*why = "STARTUP never left the ICR";
			return false;
		}
		delay_loop(SIPI_DELAY_LOOPS);
	}
	for (unsigned long i = 0; i < AP_CHECKIN_SPINS; i++) {
		if (__atomic_load_n(&ap_checked_in, __ATOMIC_ACQUIRE) == index)
			return true;
		smp_relax();
	}
	*why = "no check-in after INIT-SIPI-SIPI";
	return false;
}

int smp_start(int ncpus, void (*fn)(int cpu))
{
	static bool started;
	int want = smp_cpus_available();
	uint32_t bsp_apic;
	uint64_t page;
	const char *why = NULL;
	char ids[GUEST_MAX_CPUS * 11 + 1];
	size_t len = 0;
	uint64_t t0;

	if (started)
		return online;
	started = true;
	if (ncpus > 0 && ncpus < want)
		want = ncpus;
	if (want <= 1)
		return online;
	t0 = rdtsc();

	/* The boot CPU becomes CPU 0 of the per-CPU scheme (cpu.h). */
	bsp_apic = apic_id();
	cpu_setup(0, bsp_apic);
	wrmsr(MSR_IA32_GS_BASE, (uintptr_t)&guest_cpus[0]);
	__atomic_store_n(&guest_smp_active, true, __ATOMIC_RELEASE);

	page = trampoline_page();
	tramp_page = page;
	if (!page) {
		report_info("smp: no free page below 1 MiB for the AP trampoline: 1 CPU");
		return online;
	}
	memcpy((void *)(uintptr_t)page, ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
	smp_ap_cr3 = (uint32_t)read_cr3();
	asm volatile("sidt %0" : "=m"(smp_ap_idtr));
	ap_fn = fn;
	apic_sw_enable();

	len += (size_t)snprintf(ids, sizeof(ids), "%u", bsp_apic);
	for (int i = 0; i < smp_cpus_available() && online < want; i++) {
		uint32_t apic = cpu_apic_ids[i];

		if (apic == bsp_apic)
			continue;
		if (!start_ap(online, apic, (uint8_t)(page >> 12), &why)) {
			report_info("smp: AP with APIC ID %u: %s; going on with %d CPU(s)",
				    apic, why, online);
			break;
		}
		len += (size_t)snprintf(ids + len, sizeof(ids) - len, " %u", guest_cpus[online].apic_id);
		online++;
	}
	report_info("smp: %d of %d CPU(s) online (%s; APIC IDs %s; %s; trampoline page %#lx; "
		    "%lu TSC ticks)", online, want, smp_cpus_source(), ids,
		    apic_x2apic_mode() ? "x2APIC" : "xAPIC", page, rdtsc() - t0);
	__atomic_store_n(&ap_go, true, __ATOMIC_RELEASE);
	return online;
}

void smp_ap_main(int index)
{
	struct guest_cpu *c = &guest_cpus[index];

	wrmsr(MSR_IA32_GS_BASE, (uintptr_t)c);          /* first: this_cpu() needs it */
	c->apic_mode = 0;               /* INIT keeps the mode, a restart may follow a switch */
	c->irq_depth = 0;
	c->apic_id = apic_id();
	__atomic_store_n(&ap_checked_in, index, __ATOMIC_RELEASE);   /* smp_ap_* are free again */

	while (!__atomic_load_n(&ap_go, __ATOMIC_ACQUIRE))
		smp_relax();
	if (ap_fn)
		ap_fn(index);
	__atomic_fetch_add(&ap_done, 1, __ATOMIC_RELEASE);
	halt_forever();
}

bool smp_restart_cpu(int cpu)
{
	const char *why = NULL;
	uint32_t apic = smp_apic_id(cpu);

	if (cpu <= 0 || cpu >= online || !tramp_page)
		return false;
	/* The trampoline page may have been reused since smp_start: copy it again. */
	memcpy((void *)(uintptr_t)tramp_page, ap_trampoline,
	       (size_t)(ap_trampoline_end - ap_trampoline));
	__atomic_store_n(&ap_checked_in, -1, __ATOMIC_RELEASE);
	if (!start_ap(cpu, apic, (uint8_t)(tramp_page >> 12), &why)) {
		report_info("smp: restart of CPU %d (APIC ID %u): %s", cpu, apic, why);
		return false;
	}
	return true;
}

/* ---- identity and meeting points ---- */

int smp_cpu_id(void)
{
	return this_cpu()->index;
}

int smp_num_cpus(void)
{
	return online;
}

uint32_t smp_apic_id(int cpu)
{
	return cpu >= 0 && cpu < online ? guest_cpus[cpu].apic_id : ~0u;
}

/* A counting barrier with a generation number (sense reversal): the last
 * CPU to arrive resets the count and opens the next generation. */
void smp_barrier(void)
{
	unsigned gen = __atomic_load_n(&barrier_gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&barrier_count, 1, __ATOMIC_ACQ_REL) == (unsigned)online) {
		__atomic_store_n(&barrier_count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&barrier_gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&barrier_gen, __ATOMIC_ACQUIRE) == gen)
		smp_relax();
}

void smp_wait_all(void)
{
	while (__atomic_load_n(&ap_done, __ATOMIC_ACQUIRE) < online - 1)
		smp_relax();
}
