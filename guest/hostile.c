/*
 * guest/hostile.c - a guest that misbehaves, one way per run, to test containment.
 *
 * Context: test guest, meant to run under chronovisor. Bare it does nothing
 * (SKIP, exit 0): every case would hang, reset or crash a bare machine.
 * Command line: case=NAME, one of
 *   ept         read guest-physical addr= (default 0x80000000, 2 GiB: far past
 *               the 64 MiB of guest RAM, so no EPT entry maps it)
 *               expected: chronovisor ends the VM (EPT violation)
 *   port        write to the host's devices: PIC, PIT, keyboard-controller reset
 *               (0xFE to port 0x64), CMOS index with NMI off
 *               expected: the writes are dropped and counted; the guest goes on
 *               and passes
 *   vmxon       set CR4.VMXE, then VMXON
 *               expected: chronovisor ends the VM (VMXON exit)
 *   triple      load an empty IDT and raise #BP: #BP -> #GP -> #DF -> triple fault
 *               expected: chronovisor ends the VM (triple-fault exit)
 *   cpuid-loop  CPUID n= times (default 0: forever), an exit per iteration
 *               expected: the VM never yields; chronovisor keeps the host and
 *               the other VMs running and ends it at its time limit. With n=
 *               set the guest passes after n iterations.
 *   sleep       HC_SLEEP(ticks=, default 2^62) n= times (default 0: for ever)
 *               expected: each sleep ends at chronovisor's cap (sleep_max=), and
 *               a VM that sleeps for ever ends at its watchdog deadline although
 *               it never exits again. With n= set the guest passes.
 *   spin        CLI, then a jump to itself: never an exit of its own
 *               expected: the preemption timer still ends each slice, and the VM
 *               ends at its watchdog deadline
 *   halt-forever  arm the TSC-deadline timer 2^62 ticks ahead, STI; HLT, for ever
 *               expected: ended at its watchdog deadline while halted
 *   realmode-gp vcpus=2: start the AP in real mode at page 0x70 on code that
 *               executes RDMSR of an MSR nobody emulates, with a real-mode #GP
 *               handler (vector 13 of the IVT) that steps over it
 *               expected: the AP takes #GP without an error code (real mode has
 *               none) and goes on; the guest passes
 *   flood       HC_WRITE n= times (default 64) a 4 KiB block of lines of line=
 *               bytes (32-256, default 128: 32 lines), then n x 256 bytes
 *               through COM1
 *               expected: chronovisor forwards the VM's output up to its budget
 *               (out_max=), drops the rest and says how much; the guest passes
 *   many-ports  n= (default 100) distinct unemulated ports read twice and
 *               written once, n= distinct unknown MSRs read twice (#GP)
 *               expected: each port and MSR reported at most once, the reports
 *               beyond chronovisor's limit counted; the guest passes
 *   write-latency  after delay= ticks (default 0), n= (default 100) short
 *               HC_WRITEs, each timed with RDTSC,
 *               meant to run while another VM floods the console from another
 *               pCPU (migrate=off puts VM k on pCPU k mod N)
 *               expected: no write waits for the other VM's output (the test
 *               compares the slowest with the console's cost of a byte); the
 *               guest reports median and max, and fails only if the max passes
 *               ratio= (default 0: no limit) times the median
 * For the cases where the VM must end, reaching the lines after the act is a FAIL.
 */
#include "guest/lib/guest.h"
#include "guest/lib/apic.h"
#include "guest/lib/apic_timer.h"
#include "guest/lib/rand.h"

#define EXIT_REASON_IO          30      /* SDM Vol. 3D, "VMX Basic Exit Reasons" */
#define VMX_REGION_SIZE         4096

/* Host ports the "port" case writes, with what a real machine would do. */
static const struct {
	uint16_t port;
	uint8_t value;
	const char *what;
} host_port_writes[] = {
	{ 0x21, 0xFF, "PIC master: mask every IRQ" },
	{ 0x20, 0x11, "PIC master: ICW1, start initialization" },
	{ 0x43, 0x34, "PIT: channel 0, mode 2" },
	{ 0x40, 0x00, "PIT: channel 0 count" },
	{ 0x64, 0xFE, "keyboard controller: pulse reset line (reboots a PC)" },
	{ 0x70, 0x8F, "CMOS: NMI off, select shutdown status" },
	{ 0x71, 0x00, "CMOS: shutdown status 0" },
};

static uint8_t vmxon_region[VMX_REGION_SIZE] __attribute__((aligned(VMX_REGION_SIZE)));

static void about_to(const char *what)
{
	printf("hostile: about to %s\n", what);
	console_flush();
}

static void case_ept(void)
{
	uint64_t addr = (uint64_t)arg_get_int("addr", 0x80000000);
	uint32_t v = 0;
	char what[96];

	snprintf(what, sizeof(what), "read guest-physical %#lx (past the guest's RAM)", addr);
	about_to(what);
	exception_clear();
	asm volatile("1: movl (%1), %0\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : "+r"(v)
		     : "r"(addr)
		     : "memory");
	if (exception_vector() >= 0)
		report(false, "the read raised %s instead of ending the VM",
		       exception_name(exception_vector()));
	else
		report(false, "the VM still runs after reading %#lx (read %#x)", addr, v);
}

static uint64_t io_exits(void)
{
	static struct hc_counters c;

	return hc_counters(&c) >= 0 ? c.exits_by_reason[EXIT_REASON_IO] : 0;
}

static void case_port(void)
{
	about_to("write to host device ports (PIC, PIT, keyboard reset, CMOS)");
	for (unsigned i = 0; i < ARRAY_SIZE(host_port_writes); i++)
		printf("hostile: out %#x <- %#x (%s)\n", host_port_writes[i].port,
		       host_port_writes[i].value, host_port_writes[i].what);
	console_flush();

	/* No console output in between: every I/O exit counted here is one of ours. */
	uint64_t before = io_exits();
	for (unsigned i = 0; i < ARRAY_SIZE(host_port_writes); i++)
		outb(host_port_writes[i].port, host_port_writes[i].value);
	uint64_t after = io_exits();

	report(true, "survived %zu writes to host device ports", ARRAY_SIZE(host_port_writes));
	report(after - before == ARRAY_SIZE(host_port_writes),
	       "each write was one I/O exit (I/O exits %lu -> %lu)", before, after);
}

static void case_vmxon(void)
{
	uint64_t basic = 0;

	/* The VMXON region starts with the VMCS revision identifier (SDM Vol. 3C,
	 * "VMXON Region"); take it from IA32_VMX_BASIC when that MSR reads. */
	if (rdmsr_safe(MSR_IA32_VMX_BASIC, &basic) == 0)
		*(uint32_t *)vmxon_region = (uint32_t)basic & 0x7FFFFFFF;
	about_to("set CR4.VMXE");
	int r = write_cr4_safe(read_cr4() | CR4_VMXE);
	report_info("mov to CR4 with VMXE: %s", r == 0 ? "accepted" :
		    exception_name(exception_vector()));

	uint64_t pa = (uintptr_t)vmxon_region;
	about_to("execute VMXON");
	exception_clear();
	asm volatile("1: vmxon %0\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     :
		     : "m"(pa)
		     : "memory", "cc");
	if (exception_vector() >= 0)
		report(false, "VMXON raised %s instead of ending the VM",
		       exception_name(exception_vector()));
	else
		report(false, "the VM still runs after VMXON");
}

static void case_triple(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	about_to("load an empty IDT and execute int3 (triple fault)");
	asm volatile("lidt %0\n\t"
		     "int3\n\t"
		     "ud2"
		     :
		     : "m"(empty_idt)
		     : "memory");
	/* Unreachable when the CPU (or chronovisor) shuts down: no IDT to report with. */
	report(false, "the VM still runs after a triple fault");
}

static void case_cpuid_loop(void)
{
	int64_t n = arg_get_int("n", 0);
	uint64_t i = 0, t0 = rdtsc();

	about_to(n > 0 ? "run CPUID in a loop" : "run CPUID in a loop forever");
	for (; n <= 0 || i < (uint64_t)n; i++)
		(void)cpuid(0);
	uint64_t ticks = rdtsc() - t0;
	report(true, "%lu CPUIDs, %lu TSC ticks each", i, ticks / (i ? i : 1));
}

static void case_sleep(void)
{
	uint64_t ticks = (uint64_t)arg_get_int("ticks", (int64_t)(1ULL << 62));
	int64_t n = arg_get_int("n", 0);
	uint64_t i = 0, longest = 0;

	about_to(n > 0 ? "sleep with HC_SLEEP" : "sleep with HC_SLEEP for ever");
	for (; n <= 0 || i < (uint64_t)n; i++) {
		uint64_t t0 = rdtsc();
		int64_t r = hc_sleep(ticks);
		uint64_t dt = rdtsc() - t0;
		if (r != 0) {
			report(false, "HC_SLEEP(%#lx) returned %ld", ticks, r);
			return;
		}
		if (dt > longest)
			longest = dt;
	}
	report(longest < ticks, "%lu HC_SLEEP(%#lx): the longest took %lu ticks (capped)", i,
	       ticks, longest);
}

static void case_spin(void)
{
	about_to("spin with interrupts off, never exiting");
	asm volatile("cli\n1: jmp 1b" ::: "memory");
}

#define FAR_DEADLINE  (1ULL << 62)
#define TIMER_VECTOR  0xE0

static void case_halt_forever(void)
{
	apic_init();
	apic_sw_enable();
	if (!apic_has_tsc_deadline()) {
		report_skip("no TSC-deadline timer");
		return;
	}
	apic_timer_deadline_mode(TIMER_VECTOR);
	apic_timer_deadline_arm(rdtsc() + FAR_DEADLINE);
	about_to("halt with the timer 2^62 ticks ahead, for ever");
	for (;;)
		asm volatile("sti; hlt" ::: "memory");
}

/*
 * The AP's real-mode code, copied to RM_PAGE: it points IVT vector 13 (#GP)
 * at rm_gp, executes RDMSR of RM_MSR, and records what happened in three
 * bytes that the boot CPU reads. A real-mode exception frame is IP, CS,
 * FLAGS with no error code (SDM Vol. 3A, "Real-Address Mode Interrupt and
 * Exception Handling"); rm_gp steps IP over the 2-byte RDMSR.
 */
#define RM_PAGE       0x70000
#define RM_MSR        0x4B564DFF
#define IVT_GP        (13 * 4)
extern const uint8_t rm_blob[], rm_blob_end[], rm_started[], rm_done[], rm_gps[];
asm(".pushsection .rodata\n"
    ".global rm_blob, rm_blob_end, rm_started, rm_done, rm_gps\n"
    "rm_blob:\n"
    ".code16\n"
    "cli\n"
    "mov %cs, %ax\n"
    "mov %ax, %ds\n"
    "mov %ax, %ss\n"
    "mov $0xFF0, %sp\n"
    "xor %ax, %ax\n"
    "mov %ax, %es\n"
    "movw $(rm_gp - rm_blob), %es:" "52" "\n"     /* IVT_GP */
    "mov %cs, %ax\n"
    "mov %ax, %es:" "54" "\n"
    "movb $1, (rm_started - rm_blob)\n"
    "mov $0x4B564DFF, %ecx\n"                    /* RM_MSR */
    "rdmsr\n"
    "movb $1, (rm_done - rm_blob)\n"
    "1: cli\n"
    "hlt\n"
    "jmp 1b\n"
    "rm_gp:\n"
    "incb (rm_gps - rm_blob)\n"
    "push %bp\n"
    "mov %sp, %bp\n"
    "addw $2, 2(%bp)\n"
    "pop %bp\n"
    "iret\n"
    "rm_started: .byte 0\n"
    "rm_done: .byte 0\n"
    "rm_gps: .byte 0\n"
    ".code64\n"
    "rm_blob_end:\n"
    ".popsection");
_Static_assert(IVT_GP == 52, "the asm writes IVT entry 13 at 52");

static void case_realmode_gp(void)
{
	volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)RM_PAGE;
	size_t started = (size_t)(rm_started - rm_blob), done = (size_t)(rm_done - rm_blob);
	size_t gps = (size_t)(rm_gps - rm_blob);

	memcpy((void *)(uintptr_t)RM_PAGE, rm_blob, (size_t)(rm_blob_end - rm_blob));
	apic_init();
	about_to("start vCPU 1 in real mode on RDMSR of an unknown MSR");
	if (!apic_ipi_init(1) || !apic_ipi_startup(1, RM_PAGE >> 12)) {
		report(false, "INIT/STARTUP to APIC ID 1 never left the ICR");
		return;
	}
	for (uint64_t t0 = rdtsc(); !page[done] && rdtsc() - t0 < 2000000000ULL;)
		hc_yield();
	report(page[started], "the AP ran its real-mode code");
	report(page[gps] == 1, "the AP took #GP once in real mode (%u)", page[gps]);
	report(page[done], "the AP went on after its real-mode #GP handler");
}

#define FLOOD_COM1_BYTES  256     /* per round, through COM1 (an exit per byte) */

static void case_flood(void)
{
	static char block[HC_WRITE_MAX];
	int64_t n = arg_get_int("n", 64);
	int64_t line_arg = arg_get_int("line", 128);
	const unsigned line = line_arg >= 32 && line_arg <= 256 ? (unsigned)line_arg : 128;
	int64_t written = 0;

	about_to("flood the console");
	for (int64_t i = 0; i < n; i++) {
		for (unsigned l = 0; l < HC_WRITE_MAX / line; l++) {
			char *p = block + l * line;
			memset(p, 'x', line - 1);
			snprintf(p, line, "flood %ld.%u ", i, l);
			p[strlen(p)] = 'x';
			p[line - 1] = '\n';
		}
		int64_t r = hc_write(block, HC_WRITE_MAX / line * line);
		written += r > 0 ? r : 0;
	}
	for (int64_t i = 0; i < n * FLOOD_COM1_BYTES; i++)
		outb(0x3F8, (i & 127) == 127 ? '\n' : 'y');
	report(written == n * (HC_WRITE_MAX / line * line), "HC_WRITE took %ld of %ld bytes",
	       written, n * (HC_WRITE_MAX / line * line));
}

#define PORTS_BASE  0x200
#define MSRS_BASE   0x4B564E00

static void case_many_ports(void)
{
	int64_t n = arg_get_int("n", 100);
	unsigned ones = 0, gps = 0;

	if (n > 256)
		n = 256;
	about_to("touch many unemulated ports and MSRs");
	for (int64_t i = 0; i < n; i++) {
		for (int k = 0; k < 2; k++)
			ones += inb((uint16_t)(PORTS_BASE + i)) == 0xFF;
		outb((uint16_t)(PORTS_BASE + i), 0x5A);
	}
	for (int64_t i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			uint64_t v;
			gps += rdmsr_safe((uint32_t)(MSRS_BASE + i), &v) != 0;
		}
	report(ones == 2 * n, "%u of %ld port reads gave all-ones", ones, 2 * n);
	report(gps == 2 * n, "%u of %ld MSR reads raised #GP", gps, 2 * n);
}

#define LATENCY_MAX_N  1000

static void case_write_latency(void)
{
	static uint64_t dt[LATENCY_MAX_N];
	int64_t n = arg_get_int("n", 100), ratio = arg_get_int("ratio", 0);
	char line[32];

	if (n < 1 || n > LATENCY_MAX_N)
		n = LATENCY_MAX_N;
	uint64_t delay = (uint64_t)arg_get_int("delay", 0);
	about_to("time short HC_WRITEs");
	for (uint64_t t0 = rdtsc(); rdtsc() - t0 < delay;)
		pause();
	for (int64_t i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "probe %ld\n", i);
		uint64_t t0 = rdtsc();
		hc_write(line, (size_t)len);
		dt[i] = rdtsc() - t0;
	}
	sort_u64(dt, (size_t)n);
	uint64_t median = dt[n / 2], max = dt[n - 1];
	report(!ratio || max <= (uint64_t)ratio * median, "%ld HC_WRITEs of ~10 bytes: median %lu "
	       "ticks, max %lu ticks", n, median, max);
}

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "write-latency", case_write_latency },
	{ "sleep", case_sleep },
	{ "spin", case_spin },
	{ "halt-forever", case_halt_forever },
	{ "realmode-gp", case_realmode_gp },
	{ "flood", case_flood },
	{ "many-ports", case_many_ports },
	{ "ept", case_ept },
	{ "port", case_port },
	{ "vmxon", case_vmxon },
	{ "triple", case_triple },
	{ "cpuid-loop", case_cpuid_loop },
};

int main(int argc, char **argv)
{
	const char *name = arg_get("case");

	if (!on_chronovisor()) {
		report_skip("hostile needs chronovisor");
		report_summary();
	}
	for (unsigned i = 0; name && i < ARRAY_SIZE(cases); i++) {
		if (strcmp(name, cases[i].name) == 0) {
			report_prefix_push(name);
			cases[i].run();
			report_summary();
		}
	}
	printf("hostile: case=ept|port|vmxon|triple|cpuid-loop|sleep|spin|halt-forever|realmode-gp|flood|many-ports|write-latency\n");
	report_abort("unknown or missing case=%s", name ? name : "");
}
