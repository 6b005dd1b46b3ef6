/*
 * kernel/smp.c - find the CPUs (ACPI MADT), start the APs (INIT-SIPI-SIPI),
 * bring each into VMX root operation, and a one-slot mailbox per AP.
 *
 * Context: kernel. smp_init() runs on pCPU 0 with interrupts off; ap_main()
 * and ap_idle() run on each AP; smp_call()/smp_wait() on any pCPU.
 *
 * Sources: ACPI Specification, "Multiple APIC Description Table (MADT)",
 * "Processor Local APIC Structure", "Processor Local x2APIC Structure" and
 * "Local APIC Flags"; SDM Vol. 3A, "MP Initialization Protocol Algorithm for
 * MP Systems" (INIT, 10 ms, STARTUP, 200 us, STARTUP, 200 us) and "Startup
 * IPI" (the vector is the page number of a real-mode entry point below
 * 1 MiB; vectors 0xA0-0xBF are reserved).
 *
 * APs are started one at a time: each gets the trampoline's parameters (its
 * id, its stack), and the next AP is started only when the previous one has
 * reported (in VMX, or failed), so one trampoline page serves them all.
 */
#include "kernel/smp.h"
#include "kernel/bios.h"
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/gdt.h"
#include "kernel/host_apic.h"
#include "kernel/mem.h"
#include "lib/msr.h"
#include "kernel/multiboot.h"
#include "kernel/paging.h"
#include "kernel/percpu.h"
#include "kernel/pit.h"
#include "kernel/stacks.h"
#include "lib/string.h"
#include "kernel/trap.h"

/* MADT (ACPI Specification, "Multiple APIC Description Table (MADT)") */
#define MADT_SIGNATURE           "APIC"
#define MADT_TYPE_LOCAL_APIC     0
#define MADT_TYPE_LOCAL_X2APIC   9
#define MADT_LAPIC_ENABLED       BIT(0)
#define MADT_LAPIC_ONLINE_CAPABLE BIT(1)
#define MADT_XAPIC_ID_INVALID    0xFFu        /* type 0 entry that names no CPU */
#define MADT_MAX_LISTED          256          /* CPUs counted for the report */

struct madt {
	struct acpi_sdt_header header;   /*  0 */
	uint32_t lapic_address;          /* 36 */
	uint32_t flags;                  /* 40 */
} PACKED;                                /* 44: entries follow */

struct madt_entry {
	uint8_t type;
	uint8_t length;
} PACKED;

struct madt_local_apic {                 /* type 0 */
	struct madt_entry h;             /* 0 */
	uint8_t acpi_processor_id;       /* 2 */
	uint8_t apic_id;                 /* 3 */
	uint32_t flags;                  /* 4 */
} PACKED;                                /* 8 */

struct madt_local_x2apic {               /* type 9 */
	struct madt_entry h;             /*  0 */
	uint16_t reserved;               /*  2 */
	uint32_t x2apic_id;              /*  4 */
	uint32_t flags;                  /*  8 */
	uint32_t acpi_processor_uid;     /* 12 */
} PACKED;                                /* 16 */

_Static_assert(sizeof(struct madt) == 44, "MADT header layout");
_Static_assert(sizeof(struct madt_local_apic) == 8, "MADT type 0 layout");
_Static_assert(sizeof(struct madt_local_x2apic) == 16, "MADT type 9 layout");

/* Where the trampoline may go: a usable page in [4 KiB, 640 KiB), below the
 * EBDA (its segment is the BIOS data area word at 0x40E). Page 0 holds the
 * real-mode IVT and the BIOS data area. */
#define LOW_MEMORY_TOP           0xA0000ULL

/* SDM Vol. 3A, "MP Initialization Protocol Algorithm for MP Systems" */
#define INIT_TO_SIPI_US          10000
#define SIPI_TO_SIPI_US          200
#define SIPI_COUNT               2
/* How long an AP may take to reach C after its last STARTUP, and to enter
 * VMX after that (it prints a line at 115200 baud meanwhile). */
#define AP_START_TIMEOUT_US      1000000
#define AP_SETUP_TIMEOUT_US        2000000
#define US_PER_MS                1000
#define CACHE_LINE               64

enum ap_state {
	AP_WAITING,     /* STARTUP sent, not in C yet */
	AP_IN_C,        /* ap_main() runs: GS, GDT/TSS, IDT loaded */
	AP_READY,       /* ap_setup succeeded (VMXON, for chronovisor): in ap_idle() */
	AP_FAILED,      /* ap_setup failed: halted */
};

/* What each AP must become, from smp_params (set before any AP starts). */
static bool (*smp_ap_setup)(uint32_t cpu_id);
/* x2apic=on, or the firmware left the boot CPU in x2APIC mode: every AP
 * switches too (Bochs 2.7 brings an AP out of INIT in xAPIC mode; the SDM
 * has INIT keep the mode, and then the switch is a no-op). */
static bool want_x2apic;

/* One call slot per pCPU. posted counts calls posted (caller), done calls
 * finished (the AP); a call is pending while they differ. */
struct mailbox {
	void (*fn)(void *);
	void *arg;
	uint64_t posted;
	uint64_t done;
} __attribute__((aligned(CACHE_LINE)));

extern const uint8_t trampoline_start[], trampoline_end[];
extern const uint8_t trampoline_cr3[], trampoline_efer[], trampoline_stack[],
	trampoline_entry[], trampoline_cpu_id[];

static struct mailbox mailbox[MAX_CPUS];
static uint32_t ap_state[MAX_CPUS];
static uint32_t ncpus = 1;
static uint8_t *tramp;             /* the trampoline's copy below 1 MiB */

uint32_t smp_ncpus(void)
{
	return __atomic_load_n(&ncpus, __ATOMIC_ACQUIRE);
}

/* ---- the mailbox ---- */

void smp_wait(uint32_t cpu)
{
	while (!smp_call_done(cpu))
		cpu_relax();
}

bool smp_call_done(uint32_t cpu)
{
	assert(cpu < MAX_CPUS);
	struct mailbox *m = &mailbox[cpu];
	return __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&m->posted, __ATOMIC_RELAXED);
}

void smp_call(uint32_t cpu, void (*fn)(void *), void *arg)
{
	if (percpu_ready() && cpu == this_cpu()->cpu_id) {
		fn(arg);
		return;
	}
	assert(cpu < smp_ncpus());
	struct mailbox *m = &mailbox[cpu];
	smp_wait(cpu);
	m->fn = fn;
	m->arg = arg;
	__atomic_store_n(&m->posted, m->posted + 1, __ATOMIC_RELEASE);
}

/*
 * Where every AP waits for work: IF = 0, in VMX root operation, a pause loop
 * on its own mailbox; a store to the mailbox is all it takes to wake it.
 * Not MONITOR/MWAIT, although Bochs would stop emulating a sleeping CPU
 * (a 2-CPU Bochs run of one bench guest costs 15.7 s of host CPU with the AP
 * in this loop, 10.4 s with it in MWAIT): Bochs 2.7 loses MWAIT wake-ups. An
 * AP sleeping in MWAIT on its mailbox line stayed asleep after pCPU 0 stored
 * to that line (seen deterministically after the AP had run one call that
 * executed RDTSC or WRMSR; checked with the Bochs debugger: posted = 2,
 * done = 1, AP parked after its MWAIT).
 */
static NORETURN void ap_idle(uint32_t id)
{
	struct mailbox *m = &mailbox[id];
	uint64_t seen = __atomic_load_n(&m->done, __ATOMIC_RELAXED);

	for (;;) {
		while (__atomic_load_n(&m->posted, __ATOMIC_ACQUIRE) == seen)
			cpu_relax();
		m->fn(m->arg);
		seen++;
		__atomic_store_n(&m->done, seen, __ATOMIC_RELEASE);
	}
}

void ap_main(uint32_t id)
{
	paging_cpu_init(id);
	percpu_init(id);
	gdt_load_for_cpu(id);
	idt_load();
	if (want_x2apic && !host_apic_enable_x2apic())
		kprintf("[hv] smp: pcpu %u stays in xAPIC mode\n", id);
	percpu[id].apic_id = host_apic_id();
	__atomic_store_n(&ap_state[id], AP_IN_C, __ATOMIC_RELEASE);

	bool ok = smp_ap_setup(id);
	__atomic_store_n(&ap_state[id], ok ? AP_READY : AP_FAILED, __ATOMIC_RELEASE);
	if (!ok)
		cpu_halt_forever();     /* pCPU 0 sends INIT: back to wait-for-SIPI */
	ap_idle(id);
}

/* ---- finding the CPUs ---- */

struct cpu_list {
	uint32_t n;                  /* APs listed (not counting the boot CPU) */
	uint32_t apic_id[MADT_MAX_LISTED];
	uint32_t disabled;           /* entries skipped: disabled, not online-capable */
	uint32_t unreachable;        /* x2APIC IDs an xAPIC cannot address */
	bool bsp_listed;
};

static void list_add(struct cpu_list *l, uint32_t apic_id, uint32_t flags, uint32_t bsp_id)
{
	if (!(flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE))) {
		l->disabled++;
		return;
	}
	if (apic_id == bsp_id) {
		l->bsp_listed = true;
		return;
	}
	if (apic_id > host_apic_max_id()) {
		l->unreachable++;
		return;
	}
	for (uint32_t i = 0; i < l->n; i++)
		if (l->apic_id[i] == apic_id)
			return;      /* listed as both type 0 and type 9 */
	if (l->n < MADT_MAX_LISTED)
		l->apic_id[l->n++] = apic_id;
}

static bool madt_cpus(struct cpu_list *l, uint32_t bsp_id)
{
	const struct madt *madt = (const struct madt *)acpi_find_table(MADT_SIGNATURE);

	memset(l, 0, sizeof(*l));
	if (!madt)
		return false;
	const uint8_t *p = (const uint8_t *)(madt + 1);
	const uint8_t *end = (const uint8_t *)madt + madt->header.length;
	while (p + sizeof(struct madt_entry) <= end) {
		const struct madt_entry *e = (const struct madt_entry *)p;
		if (e->length < sizeof(*e) || p + e->length > end)
			break;       /* malformed: stop rather than run off the table */
		if (e->type == MADT_TYPE_LOCAL_APIC && e->length >= sizeof(struct madt_local_apic)) {
			const struct madt_local_apic *a = (const void *)e;
			if (a->apic_id != MADT_XAPIC_ID_INVALID)
				list_add(l, a->apic_id, a->flags, bsp_id);
		} else if (e->type == MADT_TYPE_LOCAL_X2APIC &&
			   e->length >= sizeof(struct madt_local_x2apic)) {
			const struct madt_local_x2apic *x = (const void *)e;
			list_add(l, x->x2apic_id, x->flags, bsp_id);
		}
		p += e->length;
	}
	return true;
}

/* The MP Specification 1.4 tables, the fallback where firmware has no MADT
 * (Intel MultiProcessor Specification, "MP Floating Pointer Structure" and
 * "MP Configuration Table"): a 16-byte "_MP_" pointer in the EBDA's first
 * KiB, the last KiB of base memory or the BIOS ROM, pointing at a "PCMP"
 * table whose type-0 entries (20 bytes) are the processors. */
#define MP_FLOATING_SIG     "_MP_"
#define MP_CONFIG_SIG       "PCMP"
#define MP_FLOATING_LEN     16
#define MP_CONFIG_HDR_LEN   44
#define MP_ENTRY_PROCESSOR  0
#define MP_PROCESSOR_LEN    20
#define MP_OTHER_ENTRY_LEN  8
#define MP_CPU_ENABLED      BIT(0)
#define BASE_MEM_LAST_KIB   (639 * KiB)
#define BIOS_ROM_BASE       0xF0000
#define BIOS_ROM_END        0x100000
#define MP_MAPPED_LIMIT     (4 * GiB)    /* the identity map of boot/entry.asm */

static bool mp_sum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

static const uint8_t *mp_scan(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a + MP_FLOATING_LEN <= end; a += MP_FLOATING_LEN) {
		const uint8_t *p = phys_to_virt(a);
		if (!memcmp(p, MP_FLOATING_SIG, 4) && mp_sum_ok(p, MP_FLOATING_LEN))
			return p;
	}
	return NULL;
}

static bool mp_cpus(struct cpu_list *l, uint32_t bsp_id)
{
	uint64_t ebda = bios_ebda_base();
	const uint8_t *fp = NULL;

	memset(l, 0, sizeof(*l));
	if (ebda)
		fp = mp_scan(ebda, ebda + KiB);
	if (!fp)
		fp = mp_scan(BASE_MEM_LAST_KIB, BASE_MEM_LAST_KIB + KiB);
	if (!fp)
		fp = mp_scan(BIOS_ROM_BASE, BIOS_ROM_END);
	if (!fp)
		return false;
	uint32_t cfg_pa;
	memcpy(&cfg_pa, fp + 4, 4);
	if (!cfg_pa)
		return false;        /* a "default configuration": not supported */
	/* Only what lies wholly below 4 GiB is mapped (boot/entry.asm): a table
	 * that starts just below and runs past it is refused, not read. */
	if ((uint64_t)cfg_pa + MP_CONFIG_HDR_LEN > MP_MAPPED_LIMIT)
		return false;
	const uint8_t *cfg = phys_to_virt(cfg_pa);
	uint16_t len, count;
	memcpy(&len, cfg + 4, 2);
	memcpy(&count, cfg + 34, 2);
	if (memcmp(cfg, MP_CONFIG_SIG, 4) || len < MP_CONFIG_HDR_LEN ||
	    (uint64_t)cfg_pa + len > MP_MAPPED_LIMIT || !mp_sum_ok(cfg, len))
		return false;
	const uint8_t *p = cfg + MP_CONFIG_HDR_LEN, *end = cfg + len;
	for (uint16_t i = 0; i < count && p < end; i++) {
		if (p[0] == MP_ENTRY_PROCESSOR) {
			if (p + MP_PROCESSOR_LEN > end)
				break;
			list_add(l, p[1], (p[3] & MP_CPU_ENABLED) ? MADT_LAPIC_ENABLED : 0, bsp_id);
			p += MP_PROCESSOR_LEN;
		} else {
			p += MP_OTHER_ENTRY_LEN;
		}
	}
	return true;
}

/* ---- the trampoline page ---- */

static bool page_is_free_low(const struct boot_info *bi, uint64_t pa, uint64_t ebda)
{
	if (!mb_range_is_usable(bi, pa, PAGE_SIZE))
		return false;
	if (ebda && pa + PAGE_SIZE > ebda)
		return false;
	for (uint32_t i = 0; i < bi->nreserved; i++)
		if (ranges_overlap(pa, PAGE_SIZE, bi->reserved[i].base, bi->reserved[i].len))
			return false;
	for (uint32_t i = 0; i < bi->nmodules; i++)
		if (ranges_overlap(pa, PAGE_SIZE, bi->modules[i].start,
				   bi->modules[i].end - bi->modules[i].start))
			return false;
	return true;
}

/* The highest free page below 640 KiB and the EBDA, or 0. The frame
 * allocator never hands out memory below 1 MiB, so nothing else uses it. */
static uint64_t trampoline_page(const struct boot_info *bi)
{
	uint64_t ebda = bios_ebda_base();    /* 0: none (UEFI has no BIOS data area) */
	for (uint64_t pa = LOW_MEMORY_TOP - PAGE_SIZE; pa >= PAGE_SIZE; pa -= PAGE_SIZE)
		if (page_is_free_low(bi, pa, ebda))
			return pa;
	return 0;
}

static void *tramp_field(const uint8_t *label)
{
	return tramp + (label - trampoline_start);
}

/* ---- starting one AP ---- */

static void tlb_flush_local(void *unused)
{
	write_cr3(read_cr3());
}

static uint64_t us_to_ticks(uint64_t us)
{
	return us * tsc_khz() / US_PER_MS;
}

/* Wait until ap_state[id] is no longer 'from', at most us microseconds. */
static bool wait_state_change(uint32_t id, uint32_t from, uint64_t us)
{
	uint64_t deadline = rdtsc() + us_to_ticks(us);

	while (__atomic_load_n(&ap_state[id], __ATOMIC_ACQUIRE) == from) {
		if (rdtsc() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

static bool start_ap(uint32_t id, uint32_t apic_id)
{
	uint8_t vector = (uint8_t)(virt_to_phys(tramp) >> PAGE_SHIFT);

	*(uint64_t *)tramp_field(trampoline_stack) = stack_ap_top(id);
	*(uint32_t *)tramp_field(trampoline_cpu_id) = id;
	__atomic_store_n(&ap_state[id], AP_WAITING, __ATOMIC_RELEASE);

	bool sent = host_apic_send_init(apic_id);
	pit_delay_us(INIT_TO_SIPI_US);
	for (int i = 0; sent && i < SIPI_COUNT; i++) {
		sent = host_apic_send_startup(apic_id, vector);
		pit_delay_us(SIPI_TO_SIPI_US);
	}

	const char *why = NULL;
	if (!sent)
		why = "did not start (the IPI was never sent)";
	else if (!wait_state_change(id, AP_WAITING, AP_START_TIMEOUT_US))
		why = "did not start";
	else if (!wait_state_change(id, AP_IN_C, AP_SETUP_TIMEOUT_US) ||
		 __atomic_load_n(&ap_state[id], __ATOMIC_ACQUIRE) != AP_READY)
		why = "did not start (its setup failed)";
	if (!why) {
		if (percpu[id].apic_id != apic_id)
			kprintf("[hv] smp: pcpu %u: the MADT says APIC ID %u, the CPU says %u\n",
				id, apic_id, percpu[id].apic_id);
		return true;
	}
	kprintf("[hv] smp: pcpu %u (APIC ID %u) %s: left out\n", id, apic_id, why);
	/* INIT puts it back into wait-for-SIPI, so a late start cannot run the
	 * trampoline with the next AP's parameters. (A CPU in VMX root operation
	 * would block INIT, but this one never got there.) */
	host_apic_send_init(apic_id);
	pit_delay_us(INIT_TO_SIPI_US);
	percpu[id].online = false;
	return false;
}

void smp_init(const struct boot_info *bi, const struct smp_params *p)
{
	static struct cpu_list found;
	struct cpu_list *l = &found;
	uint32_t limit = p->max_cpus ? MIN(p->max_cpus, (uint32_t)MAX_CPUS) : MAX_CPUS;

	smp_ap_setup = p->ap_setup;
	assert(tsc_khz() != 0);        /* start-up timeouts are TSC-timed */
	if (!host_apic_usable()) {
		kprintf("[hv] smp: running on the boot CPU only\n");
		return;
	}
	if (p->force_x2apic && !host_apic_x2apic()) {
		if (!host_apic_enable_x2apic()) {
			kprintf("[hv] smp: x2apic=on refused: running on the boot CPU only\n");
			return;
		}
		kprintf("[hv] apic: boot CPU switched to x2APIC mode (x2apic=on)\n");
	}
	want_x2apic = host_apic_x2apic();
	uint32_t bsp_id = host_apic_id();
	percpu[0].apic_id = bsp_id;
	const char *source = "MADT";
	if (p->mp_table_only || !madt_cpus(l, bsp_id)) {
		if (!mp_cpus(l, bsp_id)) {
			kprintf("[hv] smp: neither an ACPI MADT nor an MP table: running on the boot CPU only\n");
			return;
		}
		source = p->mp_table_only ? "MP table (cpu_tables=mp)" : "MP table (no ACPI MADT)";
	}
	kprintf("[hv] smp: %s lists %u CPU(s): boot CPU APIC ID %u (%s mode)%s", source,
		l->n + 1, bsp_id, host_apic_x2apic() ? "x2APIC" : "xAPIC",
		l->bsp_listed ? "" : " [not in the table!]");
	for (uint32_t i = 0; i < l->n; i++)
		kprintf("%s%u", i ? " " : ", APs ", l->apic_id[i]);
	if (l->disabled)
		kprintf("; %u disabled", l->disabled);
	if (l->unreachable)
		kprintf("; %u with x2APIC IDs an xAPIC cannot address", l->unreachable);
	kprintf("\n");

	if (l->n == 0 || limit == 1) {
		kprintf("[hv] smp: %s: running on the boot CPU only\n",
			l->n == 0 ? "no AP" : "cpus=1");
		return;
	}
	uint64_t page = trampoline_page(bi);
	if (!page) {
		kprintf("[hv] smp: no free page below 640 KiB for the AP trampoline: running on the boot CPU only\n");
		return;
	}
	tramp = phys_to_virt(page);
	memcpy(tramp, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	*(uint64_t *)tramp_field(trampoline_cr3) = paging_root();
	*(uint64_t *)tramp_field(trampoline_efer) = rdmsr(MSR_IA32_EFER) & (EFER_SCE | EFER_NXE);
	*(uint64_t *)tramp_field(trampoline_entry) = (uint64_t)(uintptr_t)ap_main;
	kprintf("[hv] smp: AP trampoline at %#lx (STARTUP vector %#lx), starting up to %u AP(s)\n",
		page, page >> PAGE_SHIFT, MIN(l->n, limit - 1));
	/* The trampoline runs its far jumps with paging on from this page:
	 * executable while APs start, never executable again afterwards. */
	paging_set_exec(page, true);

	uint64_t t0 = rdtsc();
	uint32_t left_out = 0;
	for (uint32_t i = 0; i < l->n && ncpus < limit; i++) {
		if (start_ap(ncpus, l->apic_id[i]))
			__atomic_store_n(&ncpus, ncpus + 1, __ATOMIC_RELEASE);
		else
			left_out++;
	}
	uint64_t ms = (rdtsc() - t0) / tsc_khz();
	paging_set_exec(page, false);
	for (uint32_t i = 1; i < ncpus; i++) {   /* each AP drops its own TLB entry */
		smp_call(i, tlb_flush_local, NULL);
		smp_wait(i);
	}
	paging_report_cpus(ncpus);
	kprintf("[hv] smp: %u pCPU(s) online in %s (%u AP(s) started in %lu ms, %u left out)\n",
		ncpus, p->ready_state, ncpus - 1, ms, left_out);
}
