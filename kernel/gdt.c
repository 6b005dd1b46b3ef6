/*
 * kernel/gdt.c - GDT with a 64-bit code and data segment and a TSS per pCPU slot.
 *
 * Context: kernel, each pCPU once at bring-up. Descriptor formats: SDM Vol. 3A,
 * "Segment Descriptors" and "TSS Descriptor in 64-bit mode".
 */
#include "kernel/gdt.h"
#include "kernel/percpu.h"
#include "kernel/stacks.h"
#include "lib/string.h"

#define SEG_CODE64  0x00AF9A000000FFFFULL  /* P, DPL0, code exec/read, L=1 */
#define SEG_DATA    0x00CF92000000FFFFULL  /* P, DPL0, data read/write, G, D/B */
#define TSS_TYPE_AVAILABLE 0x9             /* 64-bit TSS (available) */
#define DESC_PRESENT       (1ULL << 47)

#define GDT_ENTRIES (3 + 2 * MAX_CPUS)

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
struct tss64 tss[MAX_CPUS] __attribute__((aligned(16)));

struct percpu percpu[MAX_CPUS];

uint64_t gdt_base(void)
{
	return (uint64_t)(uintptr_t)gdt;
}

static void set_tss_descriptor(uint32_t cpu)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss[cpu];
	uint64_t limit = sizeof(struct tss64) - 1;
	unsigned idx = GDT_TSS(cpu) / 8;

	gdt[idx] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
		   ((uint64_t)TSS_TYPE_AVAILABLE << 40) | DESC_PRESENT |
		   (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[idx + 1] = base >> 32;
}

void gdt_load_for_cpu(uint32_t cpu)
{
	gdt[1] = SEG_CODE64;
	gdt[2] = SEG_DATA;

	memset(&tss[cpu], 0, sizeof(tss[cpu]));
	/* IST1: a known-good stack for #DF, NMI and #MC, even if RSP is bad
	 * (a stack overflow ends in #DF: kernel/stacks.h). */
	tss[cpu].ist[0] = stack_ist_top(cpu);
	tss[cpu].iomap_base = sizeof(struct tss64);   /* no I/O bitmap */
	set_tss_descriptor(cpu);

	struct descriptor_ptr p = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"mov %1, %%ds\n\t"
		"mov %1, %%es\n\t"
		"mov %1, %%ss\n\t"
		"pushq %2\n\t"              /* reload CS with a far return */
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"ltr %w3"
		:
		: "m"(p), "r"((uint64_t)GDT_KERNEL_DS), "i"(GDT_KERNEL_CS),
		  "r"((uint16_t)GDT_TSS(cpu))
		: "rax", "memory");
}
