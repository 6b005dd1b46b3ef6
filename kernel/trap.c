/*
 * kernel/trap.c - IDT, host NMIs and the fatal-exception dump.
 *
 * Context: kernel, any pCPU. An NMI is not an exception: the platform
 * (a watchdog, a BMC, another pCPU) may send one at any time, so it is
 * counted per pCPU and the handler returns (IRET ends the NMI blocking).
 * The hypervisor runs with interrupts off and
 * expects no exception: each one is a bug, so the handler prints everything a
 * reader needs (vector name, error code decoded, RIP, CR0/CR2/CR3/CR4, EFER,
 * every general register, a frame-pointer backtrace), stops the CPU and, on
 * the boot CPU, ends the run with RESULT: FAIL. A fault in a stack's guard
 * page (kernel/stacks.h) is named as that stack's overflow: it arrives as
 * #DF on the IST1 stack, because delivering the #PF on the overflowed stack
 * faults again (SDM Vol. 3A, "Interrupt 8-Double Fault Exception (#DF)").
 * Gate format: SDM Vol. 3A,
 * "64-Bit Mode IDT"; which vectors push an error code: SDM Vol. 3A,
 * "Exception and Interrupt Reference".
 */
#include "kernel/trap.h"
#include "lib/x86.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/gdt.h"
#include "kernel/paging.h"
#include "kernel/stacks.h"
#include "lib/msr.h"
#include "kernel/percpu.h"
#include "kernel/platform.h"

#define IDT_VECTORS        256
#define NUM_EXCEPTIONS     32
#define GATE_INTERRUPT     0xE          /* 64-bit interrupt gate: IF cleared */
#define GATE_PRESENT       0x80
#define IST_EXC_STACK      1            /* TSS IST1, see kernel/gdt.c */
#define BACKTRACE_DEPTH    12

_Static_assert(__builtin_offsetof(struct trap_frame, r15) == 112, "isr.asm push order");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 120, "isr.asm vector slot");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == 136, "CPU frame start");
_Static_assert(sizeof(struct trap_frame) == 176, "trap frame size");

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} PACKED;

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
extern const uint64_t isr_table[NUM_EXCEPTIONS];
extern void (*isr_handler)(struct trap_frame *tf);   /* boot/isr.asm calls it */

static const char *const exception_names[NUM_EXCEPTIONS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved (15)",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check",
	"#XM SIMD floating point", "#VE virtualization exception",
	"#CP control protection", "reserved (22)", "reserved (23)",
	"reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
	"reserved (28)", "#VC VMM communication", "#SX security",
	"reserved (31)",
};

uint64_t idt_base(void)
{
	return (uint64_t)(uintptr_t)idt;
}

void idt_load(void)
{
	if (!idt[0].type_attr) {
		isr_handler = trap_handler;
		for (unsigned v = 0; v < NUM_EXCEPTIONS; v++) {
			uint64_t h = isr_table[v];
			idt[v].offset_lo = (uint16_t)h;
			idt[v].selector = GDT_KERNEL_CS;
			idt[v].ist = (v == VEC_NMI || v == VEC_DF || v == VEC_MC) ? IST_EXC_STACK : 0;
			idt[v].type_attr = GATE_PRESENT | GATE_INTERRUPT;
			idt[v].offset_mid = (uint16_t)(h >> 16);
			idt[v].offset_hi = (uint32_t)(h >> 32);
		}
	}
	struct descriptor_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" ::"m"(p));
}

static void print_pf_error(uint64_t e)
{
	kprintf("[hv]   page fault: %s, %s access, %s mode%s%s\n",
		e & 1 ? "protection violation" : "page not present",
		e & 16 ? "instruction fetch" : e & 2 ? "write" : "read",
		e & 4 ? "user" : "supervisor", e & 8 ? ", reserved bit set" : "",
		e & 32 ? ", protection key" : "");
}

/* Walk the saved-RBP chain; stop at anything not mapped (a guard page, past
 * 4 GiB): a fault inside the dump would hide the first one. */
static void backtrace(uint64_t rbp)
{
	kprintf("[hv] backtrace (addr2line -e build/chronovisor.elf):");
	for (int i = 0; i < BACKTRACE_DEPTH && rbp && !(rbp & 7) && paging_is_mapped(rbp) &&
	     paging_is_mapped(rbp + 8); i++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		if (!frame[1])
			break;
		kprintf(" %#lx", frame[1]);
		rbp = frame[0];
	}
	kprintf("\n");
}

void nmi_unblock(void)
{
	/* An IRET to the next instruction, in place: the stack frame a CPU
	 * pushes for an interrupt in 64-bit mode (SS, RSP, RFLAGS, CS, RIP;
	 * SDM Vol. 3A, "Stack Switching in IA-32e Mode"). It ends the NMI
	 * blocking that an NMI's VM exit leaves in effect (SDM Vol. 3A,
	 * "NMI Handling While Processing an NMI": only IRET ends it). */
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :
			 : [ss] "i"(GDT_KERNEL_DS), [cs] "i"(GDT_KERNEL_CS)
			 : "rax", "memory", "cc");
}

void trap_handler(struct trap_frame *tf)
{
	/* A host NMI in VMX root: the host's, whatever sent it. Only counted
	 * here (no console: the NMI may have come while this pCPU held the
	 * console lock); vmm/report.c prints the counts. */
	if (tf->vector == VEC_NMI && percpu_ready()) {
		this_cpu()->nmis_root++;
		return;
	}
	uint32_t cpu = percpu_ready() ? this_cpu()->cpu_id : 0;
	const char *name = tf->vector < NUM_EXCEPTIONS ? exception_names[tf->vector] : "?";

	kprintf("[hv] ==================== CPU EXCEPTION on pcpu %u ====================\n", cpu);
	kprintf("[hv] vector %lu: %s, error code %#lx\n", tf->vector, name, tf->error);
	if (tf->vector == VEC_PF)
		print_pf_error(tf->error);
	char which[64];
	uint64_t cr2 = read_cr2();
	if ((tf->vector == VEC_PF || tf->vector == VEC_DF) &&
	    (stack_guard_name(cr2, which, sizeof(which)) ||
	     stack_guard_name(tf->rsp, which, sizeof(which))))
		kprintf("[hv] STACK OVERFLOW: %s ran into its guard page (CR2 %#lx, RSP %#lx)\n",
			which, cr2, tf->rsp);
	kprintf("[hv] RIP %016lx  CS %04lx  RFLAGS %016lx\n", tf->rip, tf->cs, tf->rflags);
	kprintf("[hv] RSP %016lx  SS %04lx\n", tf->rsp, tf->ss);
	kprintf("[hv] CR0 %016lx  CR2 %016lx  CR3 %016lx\n", read_cr0(), read_cr2(), read_cr3());
	kprintf("[hv] CR4 %016lx  EFER %016lx\n", read_cr4(), rdmsr(MSR_IA32_EFER));
	kprintf("[hv] RAX %016lx  RBX %016lx  RCX %016lx\n", tf->rax, tf->rbx, tf->rcx);
	kprintf("[hv] RDX %016lx  RSI %016lx  RDI %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	kprintf("[hv] RBP %016lx  R8  %016lx  R9  %016lx\n", tf->rbp, tf->r8, tf->r9);
	kprintf("[hv] R10 %016lx  R11 %016lx  R12 %016lx\n", tf->r10, tf->r11, tf->r12);
	kprintf("[hv] R13 %016lx  R14 %016lx  R15 %016lx\n", tf->r13, tf->r14, tf->r15);
	backtrace(tf->rbp);
	kprintf("[hv] pcpu %u stopped.\n", cpu);

	if (cpu == 0)
		platform_finish(VERDICT_FAIL);
	cpu_halt_forever();
}
