/*
 * guest/lib/trap.c - the guest's IDT, expected-exception fixups, checked MSR access.
 *
 * Context: guest, 64-bit mode, any CPU. All 256 gates are present: 0-31
 * come here (trap_handler), 32-255 go to guest/lib/irq.c, which a guest
 * uses to take interrupts (the library itself never sets IF). An NMI comes
 * here as vector 2 and goes to the handler irq_register(VEC_NMI, ...) set,
 * before any fixup lookup: an NMI arrives between instructions, and the
 * instruction at its RIP has not run yet, even when it is in .ex_table.
 * IDT gate format: SDM Vol. 3A, "64-Bit Mode IDT".
 */
#include <stddef.h>
#include <stdint.h>

#include "guest/lib/console.h"
#include "guest/lib/cpu.h"
#include "guest/lib/printf.h"
#include "guest/lib/report.h"
#include "guest/lib/trap.h"
#include "guest/lib/x86.h"

#define IDT_ENTRIES        256
#define IDT_EXCEPTIONS     32
#define GATE_INTERRUPT64   0x8E     /* present, DPL 0, type 14 (64-bit interrupt gate) */
#define KERNEL_CS          0x08     /* guest/lib/entry.asm's GDT */

_Static_assert(offsetof(struct trap_frame, r15) == 112, "isr.asm pushes r15 last of the GPRs");
_Static_assert(offsetof(struct trap_frame, vector) == 120, "isr.asm vector slot");
_Static_assert(offsetof(struct trap_frame, error_code) == 128, "isr.asm error code slot");
_Static_assert(offsetof(struct trap_frame, rip) == 136, "the CPU's frame starts at RIP");
_Static_assert(sizeof(struct trap_frame) == 176, "isr.asm keeps RSP 16-byte aligned with 176");

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");

struct guest_cpu guest_cpus[GUEST_MAX_CPUS];

/* One page exactly, page-aligned: a test may take it out of the EPT
 * (HC_EPT_EVICT) to make the next interrupt's delivery exit, and nothing
 * else shares the page. */
static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(4096)));
_Static_assert(sizeof(idt) == 4096, "the IDT fills its page");
extern const uint64_t isr_stubs[IDT_ENTRIES];             /* guest/lib/isr.asm */
extern const struct ex_table_entry __ex_table_start[];   /* guest/lib/guest.ld */
extern const struct ex_table_entry __ex_table_end[];

static const char *const exception_names[IDT_EXCEPTIONS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *exception_name(unsigned vector)
{
	return vector < IDT_EXCEPTIONS ? exception_names[vector] : "IRQ";
}

void trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	for (unsigned v = 0; v < IDT_ENTRIES; v++) {
		uint64_t a = isr_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_lo = (uint16_t)a,
			.selector = KERNEL_CS,
			.ist = 0,
			.type_attr = GATE_INTERRUPT64,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
	exception_clear();
	asm volatile("lidt %0" : : "m"(idtr));
}

static void (*volatile nmi_handler)(struct trap_frame *f);

void trap_set_nmi_handler(void (*h)(struct trap_frame *f))
{
	nmi_handler = h;
}

static const struct ex_table_entry *ex_table_find(uint64_t rip)
{
	for (const struct ex_table_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e;
	return NULL;
}

void trap_handler(struct trap_frame *f)
{
	struct guest_cpu *cpu = this_cpu();
	const struct ex_table_entry *e;
	void (*nmi)(struct trap_frame *) = nmi_handler;

	if (f->vector == VEC_NMI && nmi) {
		nmi(f);
		return;
	}
	e = ex_table_find(f->rip);
	if (e) {
		/* an expected #DB ends single-stepping (RFLAGS.TF), or the
		 * fixup's first instruction would trap again */
		if (f->vector == VEC_DB)
			f->rflags &= ~RFLAGS_TF;
		cpu->ex_vector = (int)f->vector;
		cpu->ex_error_code = f->error_code;
		cpu->ex_rip = f->rip;
		f->rip = e->fixup;
		return;
	}

	/* A fault while reporting a fault: say so plainly and stop. */
	if (++cpu->unexpected_depth > 1) {
		static const char msg[] = "\nguest: exception while handling an exception\n";
		console_write(msg, sizeof(msg) - 1);
		exit(EXIT_CODE_FAIL);
	}

	printf("guest: unexpected exception %lu (%s) at rip %#lx, error code %#lx\n",
	       f->vector, exception_name((unsigned)f->vector), f->rip, f->error_code);
	printf("guest:   rsp %#lx rflags %#lx cr2 %#lx\n", f->rsp, f->rflags, read_cr2());
	printf("guest:   rax %#lx rbx %#lx rcx %#lx rdx %#lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	printf("guest:   rsi %#lx rdi %#lx rbp %#lx\n", f->rsi, f->rdi, f->rbp);
	report_abort("unexpected exception %s (vector %lu) at rip %#lx",
		     exception_name((unsigned)f->vector), f->vector, f->rip);
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	exception_clear();
	asm volatile("1: rdmsr\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : "+a"(lo), "+d"(hi)
		     : "c"(msr)
		     : "memory");
	if (exception_vector() >= 0)
		return -1;
	*val = ((uint64_t)hi << 32) | lo;
	return 0;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	exception_clear();
	asm volatile("1: wrmsr\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     :
		     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
	return exception_vector() >= 0 ? -1 : 0;
}

int write_cr4_safe(uint64_t val)
{
	exception_clear();
	asm volatile("1: mov %0, %%cr4\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     :
		     : "r"(val)
		     : "memory");
	return exception_vector() >= 0 ? -1 : 0;
}
