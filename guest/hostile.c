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
 *   vmxon       set CR4.VMXE, then VMXON: VMX is hidden in CPUID, so as on a CPU
 *               without VMX the CR4 write raises #GP and VMXON #UD
 *               expected: PASS (both faults, as on a CPU without VMX)
 *   triple      load an empty IDT and raise #BP: #BP -> #GP -> #DF -> triple fault
 *               expected: chronovisor ends the VM (triple-fault exit)
 *   cpuid-loop  CPUID n= times (default 0: forever), an exit per iteration
 *               expected: the VM never yields; chronovisor keeps the host and
 *               the other VMs running and ends it at its time limit. With n=
 *               set the guest passes after n iterations.
 *   spin        spin on RDTSC for ticks= TSC ticks with no VM exit (RDTSC does not
 *               exit), so that host events meet the pCPU in guest execution
 *               expected: PASS (with ticks= well under the watchdog)
 *   ac-loop     a hostile IDT for #AC (CVE-2015-5307): leave long mode for 32-bit
 *               protected mode, gate 17 (#AC) through a conforming code segment
 *               (so the handler runs at CPL 3), CR0.AM and EFLAGS.AC on, then at
 *               CPL 3 a push onto a misaligned stack. Delivering the #AC pushes
 *               onto that stack, which raises #AC again: for ever.
 *               expected: with #AC intercepted every round is a VM exit and the
 *               watchdog ends the VM; without the intercept, hardware loops
 *               inside the CPU (Bochs makes the third nested exception a
 *               triple fault instead). The handler must never run: if it does,
 *               it writes "hostile: #AC handler reached" to port 0xE9.
 *   db-loop     a hostile IDT for #DB (CVE-2015-8104): #DB on an IST stack and a
 *               data breakpoint (DR0/DR7) on that stack's top slot, then a write
 *               to it. Delivering the #DB pushes onto the slot, which raises the
 *               #DB again before the handler's first instruction: for ever.
 *               expected: with #DB intercepted every round is a VM exit, so
 *               the host keeps the pCPU and the watchdog ends the VM; on
 *               hardware without the intercept the CPU loops inside the
 *               delivery, with no instruction boundary and no exit
 *   db          #DB reflected with DR6 as the CPU writes it: a data breakpoint
 *               (DR6.B0, RIP after the write), single-step with RFLAGS.TF
 *               (DR6.BS), single-step over CPUID (which the hypervisor
 *               completes, so it must raise the trap), ICEBP (INT1)
 *               expected: PASS
 *   insns       MONITOR and MWAIT (hidden in CPUID: #UD; MWAIT with IF = 0),
 *               WBINVD and INVD (NOPs), RDPMC (no PMU in CPUID leaf 0xA: #GP)
 *               expected: PASS
 *   cr          MOV to CR0 with CR0.NE cleared (a host-owned bit: it exits) and
 *               PG = 1 with PE = 0, NW = 1 with CD = 0, a bit in 63:32; MOV to CR4
 *               with VMXE and a reserved bit: each #GP(0), the guest goes on
 *               expected: PASS
 *   sleep       HC_SLEEP(ticks=, default 2^62) n= times (default 0: for ever)
 *               expected: each sleep ends at chronovisor's cap (sleep_max=), and
 *               a VM that sleeps for ever ends at its watchdog deadline although
 *               it never exits again. With n= set the guest passes.
 *   spin-forever  CLI, then a jump to itself: never an exit of its own
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
#include "guest/lib/rand.h"
#include "guest/lib/apic_timer.h"
#include "guest/lib/apic.h"

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
	report(r != 0 && exception_vector() == VEC_GP, "MOV to CR4 with VMXE (VMX hidden): %s, want #GP",
	       r == 0 ? "accepted" : exception_name(exception_vector()));

	uint64_t pa = (uintptr_t)vmxon_region;
	about_to("execute VMXON");
	exception_clear();
	asm volatile("1: vmxon %0\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     :
		     : "m"(pa)
		     : "memory", "cc");
	report(exception_vector() == VEC_UD, "VMXON with VMX hidden: %s, want #UD",
	       exception_vector() >= 0 ? exception_name(exception_vector()) : "no fault");
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

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* ---- #AC ---- */
#define SEL_CS32        0x18            /* 32-bit code, DPL 0 */
#define SEL_USER_CS     0x23            /* 32-bit code, DPL 3, RPL 3 */
#define SEL_USER_DS     0x2B            /* 32-bit data, DPL 3, RPL 3 */
#define SEL_CONFORMING  0x30            /* 32-bit conforming code, DPL 0 */
#define AC_STACK_SIZE   4096

extern char hostile_ac_handler32[];     /* in case_ac_loop's 32-bit code */
static uint64_t ac_gdt[7] __attribute__((aligned(16)));
static uint64_t ac_idt[32] __attribute__((aligned(16)));
static uint8_t ac_stack[AC_STACK_SIZE] __attribute__((aligned(16)));
static const char ac_reached[] = "hostile: #AC handler reached\n";
static struct {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed)) ac_idt_ptr;   /* LIDT in 32-bit mode: a 32-bit base */

static void case_ac_loop(void)
{
	struct desc_ptr g;
	uint32_t h = (uint32_t)(uintptr_t)hostile_ac_handler32;

	asm volatile("sgdt %0" : "=m"(g));
	memcpy(ac_gdt, (void *)g.base, 3 * sizeof(uint64_t));   /* null, CS64, flat data */
	ac_gdt[3] = 0x00CF9A000000FFFFull;     /* 0x18: flat 32-bit code, DPL 0 */
	ac_gdt[4] = 0x00CFFA000000FFFFull;     /* 0x20: flat 32-bit code, DPL 3 */
	ac_gdt[5] = 0x00CFF2000000FFFFull;     /* 0x28: flat data, DPL 3 */
	ac_gdt[6] = 0x00CF9E000000FFFFull;     /* 0x30: flat 32-bit conforming code, DPL 0 */
	/* gate 17: 32-bit interrupt gate to the conforming segment: an #AC at
	 * CPL 3 is delivered at CPL 3, on the same (misaligned) stack (SDM
	 * Vol. 3A, "Exception- or Interrupt-Handler Procedures") */
	ac_idt[17] = (h & 0xFFFF) | (uint64_t)SEL_CONFORMING << 16 | 0x8Eull << 40 |
		     (uint64_t)(h >> 16) << 48;
	ac_idt_ptr.limit = sizeof(ac_idt) - 1;
	ac_idt_ptr.base = (uint32_t)(uintptr_t)ac_idt;
	g = (struct desc_ptr){ sizeof(ac_gdt) - 1, (uintptr_t)ac_gdt };

	about_to("leave long mode, make #AC's delivery at CPL 3 push onto a misaligned stack "
		 "(#AC delivery raises #AC again, for ever)");
	asm volatile("cli\n\t"
		     "lgdt %[gdt]\n\t"
		     "pushq $%c[cs32]\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n\t"
		     ".code32\n"
		     "1:\n\t"
		     "movl %%cr0, %%eax\n\t"
		     "andl $0x7fffffff, %%eax\n\t"    /* paging off: out of IA-32e mode */
		     "movl %%eax, %%cr0\n\t"
		     "lidt (%%ebx)\n\t"
		     "orl $0x40000, %%eax\n\t"        /* CR0.AM */
		     "movl %%eax, %%cr0\n\t"
		     "pushl $%c[uds]\n\t"             /* SS */
		     "pushl %%esi\n\t"                /* ESP: 2 bytes off alignment */
		     "pushl $0x43002\n\t"             /* EFLAGS: AC, IOPL 3 (port 0xE9), bit 1 */
		     "pushl $%c[ucs]\n\t"             /* CS */
		     "pushl $2f\n\t"
		     "iretl\n"
		     "2:\n\t"                         /* CPL 3 */
		     "movw $%c[uds], %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "pushl %%eax\n\t"                /* misaligned: #AC */
		     "3: jmp 3b\n"
		     ".globl hostile_ac_handler32\n"
		     "hostile_ac_handler32:\n\t"      /* never reached while the CPU loops */
		     "movw $0xe9, %%dx\n\t"
		     "movl %%edi, %%esi\n"
		     "4: lodsb\n\t"
		     "testb %%al, %%al\n\t"
		     "jz 5f\n\t"
		     "outb %%al, %%dx\n\t"
		     "jmp 4b\n"
		     "5: jmp 5b\n\t"
		     ".code64\n\t"
		     :
		     : [gdt] "m"(g), "b"(&ac_idt_ptr), "S"(ac_stack + AC_STACK_SIZE - 2),
		       "D"(ac_reached), [cs32] "i"(SEL_CS32), [ucs] "i"(SEL_USER_CS),
		       [uds] "i"(SEL_USER_DS)
		     : "rax", "rdx", "memory", "cc");
	__builtin_unreachable();
}

/* ---- #DB ---- */
#define DR6_B0          (1ull << 0)
#define DR6_BS          (1ull << 14)
#define DR7_L0          (1ull << 0)
#define DR7_RW0_WRITE   (1ull << 16)    /* R/W0 = 01: data writes */
#define DR7_LEN0_8      (2ull << 18)    /* LEN0 = 10: 8 bytes */
#define GATE_IST_BYTE   4               /* byte 4 of a 64-bit IDT gate: IST index */
#define TSS_IST1        36              /* offset of IST1 in the 64-bit TSS */
#define TSS_LIMIT       103
#define GDT_TSS_SEL     0x18            /* after guest/lib/entry.asm's null, CS64, DS */
#define DB_STACK_SIZE   4096

static uint64_t read_dr6(void)
{
	uint64_t v;

	asm volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static void write_dr(int n, uint64_t v)
{
	switch (n) {
	case 0: asm volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 6: asm volatile("mov %0, %%dr6" : : "r"(v)); break;
	case 7: asm volatile("mov %0, %%dr7" : : "r"(v)); break;
	}
}

static uint8_t db_stack[DB_STACK_SIZE] __attribute__((aligned(4096)));
static uint8_t tss[TSS_LIMIT + 1] __attribute__((aligned(16)));
static uint64_t gdt[5] __attribute__((aligned(16)));

/* A GDT with guest/lib/entry.asm's three descriptors and a 64-bit TSS whose
 * IST1 is db_stack's top, loaded into TR (SDM Vol. 3A, "Task Management in
 * 64-bit Mode"); then IDT gate 1 (#DB) switched to IST1. */
static uint64_t db_stack_on_ist(void)
{
	struct desc_ptr g, i;
	uint64_t top = (uintptr_t)db_stack + DB_STACK_SIZE;
	uint64_t base = (uintptr_t)tss;

	asm volatile("sgdt %0" : "=m"(g));
	memcpy(gdt, (void *)g.base, 3 * sizeof(uint64_t));
	memcpy(tss + TSS_IST1, &top, sizeof(top));
	gdt[3] = TSS_LIMIT | (base & 0xFFFFFF) << 16 | 0x89ull << 40 |   /* present, type 9 */
		 ((base >> 24) & 0xFF) << 56;
	gdt[4] = base >> 32;
	g = (struct desc_ptr){ sizeof(gdt) - 1, (uintptr_t)gdt };
	asm volatile("lgdt %0\n\tltr %w1" : : "m"(g), "r"(GDT_TSS_SEL) : "memory");
	asm volatile("sidt %0" : "=m"(i));
	((uint8_t *)i.base)[VEC_DB * 16 + GATE_IST_BYTE] = 1;
	return top;
}

static void case_db_loop(void)
{
	uint64_t top = db_stack_on_ist();
	volatile uint64_t *slot = (volatile uint64_t *)(top - 8);   /* where SS is pushed */

	about_to("arm a data breakpoint on the #DB IST stack's top slot and write it "
		 "(#DB delivery raises #DB again, for ever)");
	write_dr(0, (uintptr_t)slot);
	write_dr(7, DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8);
	exception_clear();
	asm volatile("movq $0, (%0)\n\t"
		     "1: nop\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : : "r"(slot) : "memory");
	write_dr(7, 0);
	/* Reached only if the CPU delivered the #DB without raising it again
	 * for the delivery's own push (Bochs 2.7 checks data breakpoints on
	 * instructions' accesses only): there is no loop here to contain. */
	if (exception_vector() == VEC_DB)
		report_skip("this CPU delivered the #DB once: its pushes do not hit data "
			    "breakpoints, so there is no loop to contain");
	else
		report(false, "the write to the watched slot raised no #DB");
}

static void case_db(void)
{
	static volatile uint64_t watched;
	uint64_t dr6 = 0, at = 0;

	/* 1. a data breakpoint: a trap, DR6.B0, RIP after the write */
	write_dr(6, 0);
	write_dr(0, (uintptr_t)&watched);
	write_dr(7, DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8);
	exception_clear();
	asm volatile("lea 1f(%%rip), %1\n\t"
		     "movq $1, (%2)\n\t"
		     "1: nop\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : "=m"(watched), "=&r"(at)
		     : "r"(&watched)
		     : "memory");
	write_dr(7, 0);
	dr6 = read_dr6();
	report(exception_vector() == VEC_DB && (dr6 & DR6_B0) && !(dr6 & DR6_BS) &&
	       this_cpu()->ex_rip == at,
	       "data breakpoint: #DB after the write, DR6 %#lx (B0 set, BS clear), RIP %#lx",
	       dr6, this_cpu()->ex_rip);

	/* 2. single-step: RFLAGS.TF, the #DB after the next instruction, DR6.BS */
	write_dr(6, 0);
	exception_clear();
	asm volatile("pushfq\n\t"
		     "orq %0, (%%rsp)\n\t"
		     "popfq\n\t"               /* TF takes effect after the next instruction */
		     "nop\n\t"
		     "1: nop\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     :
		     : "i"(RFLAGS_TF)
		     : "memory", "cc");
	dr6 = read_dr6();
	report(exception_vector() == VEC_DB && (dr6 & DR6_BS),
	       "single-step: #DB with DR6 %#lx (BS set)", dr6);

	/* 3. single-step over an instruction that exits (CPUID): the CPU never
	 * completes it, the hypervisor does, and must raise the trap itself */
	uint32_t eax = 0;
	write_dr(6, 0);
	exception_clear();
	asm volatile("lea 1f(%%rip), %0\n\t"
		     "pushfq\n\t"
		     "orq %2, (%%rsp)\n\t"
		     "popfq\n\t"
		     "cpuid\n\t"              /* the first instruction run with TF = 1 */
		     "1: nop\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : "=&r"(at), "+a"(eax)
		     : "i"(RFLAGS_TF)
		     : "rbx", "rcx", "rdx", "memory", "cc");
	dr6 = read_dr6();
	report(exception_vector() == VEC_DB && (dr6 & DR6_BS) && this_cpu()->ex_rip == at,
	       "single-step over CPUID (emulated): #DB right after it, DR6 %#lx (BS set), RIP %#lx",
	       dr6, this_cpu()->ex_rip);

	/* 4. ICEBP (INT1): #DB, RIP after it */
	exception_clear();
	asm volatile(".byte 0xf1\n\t"
		     "1: nop\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : : : "memory");
	report(exception_vector() == VEC_DB, "ICEBP (INT1): #DB after it");
	static struct hc_counters c;
	if (hc_counters(&c) >= 0)
		report_info("exception exits seen by the hypervisor: %lu", c.exits_by_reason[0]);
}

/* ---- instructions that would reach the host ---- */
static int insn_fault(const char *what)
{
	int vec = exception_vector();

	printf("hostile: %s -> %s\n", what, vec >= 0 ? exception_name((unsigned)vec) : "no fault");
	return vec;
}

static void case_insns(void)
{
	static volatile uint64_t line;
	bool monitor = cpuid(1).ecx & (1u << 3);
	int want = monitor ? -1 : VEC_UD;

	report_info("CPUID.1:ECX.MONITOR = %d", monitor);
	exception_clear();
	asm volatile("1: monitor\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b")
		     : : "a"(&line), "c"(0), "d"(0) : "memory");
	report(insn_fault("MONITOR") == want, "MONITOR follows CPUID (%s)", monitor ? "NOP" : "#UD");
	exception_clear();
	/* IF = 0 and the deepest C-state hint: the case that could stop a pCPU */
	asm volatile("cli\n\t1: mwait\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b")
		     : : "a"(0xF0), "c"(0) : "memory");
	report(insn_fault("MWAIT (IF = 0, hint 0xF0)") == want, "MWAIT with IF = 0 follows CPUID (%s)",
	       monitor ? "NOP" : "#UD");
	exception_clear();
	asm volatile("1: wbinvd\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b") : : : "memory");
	report(insn_fault("WBINVD") < 0, "WBINVD completes");
	exception_clear();
	asm volatile("1: invd\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b") : : : "memory");
	report(insn_fault("INVD") < 0, "INVD completes");
	bool pmu = (cpuid(0).eax >= 0xA) && (cpuid(0xA).eax & 0xFF);
	uint32_t lo = 0, hi = 0;
	exception_clear();
	asm volatile("1: rdpmc\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b")
		     : "+a"(lo), "+d"(hi) : "c"(0) : "memory");
	int v = insn_fault("RDPMC 0");
	report(pmu ? v < 0 : v == VEC_GP && exception_error_code() == 0,
	       "RDPMC follows CPUID leaf 0xA (PMU version %u: %s)", cpuid(0xA).eax & 0xFF,
	       pmu ? "reads" : "#GP(0)");
}

/* ---- MOV to CR0/CR4 ---- */
#define CR0_PE  (1ull << 0)
#define CR0_NE  (1ull << 5)
#define CR0_NW  (1ull << 29)
#define CR0_CD  (1ull << 30)

static int write_cr0_safe(uint64_t val)
{
	exception_clear();
	asm volatile("1: mov %0, %%cr0\n\t2:\n\t" EX_TABLE_ENTRY("1b", "2b")
		     : : "r"(val) : "memory");
	return exception_vector();
}

static void case_cr(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	/* clearing NE (owned by the host) makes each write exit to the emulation */
	static const struct {
		uint64_t set, clear;
		const char *what;
	} bad[] = {
		{ 0, CR0_PE, "PG = 1 with PE = 0" },
		{ CR0_NW, CR0_CD, "NW = 1 with CD = 0" },
		{ 1ull << 32, 0, "bit 32 (reserved)" },
		{ 1ull << 63, 0, "bit 63 (reserved)" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t val = ((cr0 & ~CR0_NE) | bad[i].set) & ~bad[i].clear;
		int vec = write_cr0_safe(val);
		report(vec == VEC_GP && exception_error_code() == 0 && read_cr0() == cr0,
		       "MOV CR0 %#lx (%s, NE cleared): %s, CR0 unchanged", val, bad[i].what,
		       vec >= 0 ? exception_name((unsigned)vec) : "accepted");
	}
	/* NE back on is what the guest had: accepted */
	report(write_cr0_safe(cr0) < 0 && read_cr0() == cr0, "MOV CR0 of its own value accepted");
	uint64_t val = cr4 | CR4_VMXE | (1ull << 40);
	int r = write_cr4_safe(val);
	report(r != 0 && exception_vector() == VEC_GP && read_cr4() == cr4,
	       "MOV CR4 %#lx (VMXE and reserved bit 40): %s, CR4 unchanged", val,
	       r ? exception_name((unsigned)exception_vector()) : "accepted");
}

static void case_spin(void)
{
	uint64_t ticks = (uint64_t)arg_get_int("ticks", 10000000), t0 = rdtsc(), n = 0;

	while (rdtsc() - t0 < ticks)
		n++;
	report(true, "spun %lu RDTSCs over %lu ticks with no exit", n, ticks);
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

static void case_spin_forever(void)
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
	{ "sleep", case_sleep },
	{ "spin-forever", case_spin_forever },
	{ "halt-forever", case_halt_forever },
	{ "realmode-gp", case_realmode_gp },
	{ "flood", case_flood },
	{ "many-ports", case_many_ports },
	{ "write-latency", case_write_latency },
	{ "spin", case_spin },
	{ "ac-loop", case_ac_loop },
	{ "db-loop", case_db_loop },
	{ "db", case_db },
	{ "insns", case_insns },
	{ "cr", case_cr },
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
	printf("hostile: case=ept|port|vmxon|triple|cpuid-loop|spin|ac-loop|db-loop|db|insns|cr|\n"
	       "         sleep|spin-forever|halt-forever|realmode-gp|flood|many-ports|write-latency\n");
	report_abort("unknown or missing case=%s", name ? name : "");
}
