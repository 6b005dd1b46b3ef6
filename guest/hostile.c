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
 * For the cases where the VM must end, reaching the lines after the act is a FAIL.
 */
#include "guest/lib/guest.h"

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

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
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
	printf("hostile: case=ept|port|vmxon|triple|cpuid-loop\n");
	report_abort("unknown or missing case=%s", name ? name : "");
}
