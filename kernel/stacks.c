/*
 * kernel/stacks.c - the AP and IST1 stacks with their guard pages
 * (kernel/stacks.h), and the list of every guard page for kernel/paging.c.
 *
 * Context: kernel, any pCPU; the storage is .bss, so the frame allocator
 * never hands it out (it reserves the whole image).
 */
#include "kernel/stacks.h"
#include "kernel/percpu.h"
#include "lib/printf.h"

struct ap_stack {
	uint8_t guard[PAGE_SIZE];       /* not present (kernel/paging.c) */
	uint8_t stack[AP_STACK_SIZE];
};

struct ist_stack {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[IST_STACK_SIZE];
};

/* pCPU 0 runs on the boot stack, so the APs' stacks start at pCPU 1. */
static struct ap_stack ap_stacks[MAX_CPUS - 1] __attribute__((aligned(PAGE_SIZE)));
static struct ist_stack ist_stacks[MAX_CPUS] __attribute__((aligned(PAGE_SIZE)));
extern uint8_t boot_stack_guard[];      /* boot/entry.asm */

#define NUM_GUARDS (1 + (MAX_CPUS - 1) + MAX_CPUS)

uint64_t stack_ap_top(uint32_t cpu)
{
	return (uint64_t)(uintptr_t)(ap_stacks[cpu - 1].stack + AP_STACK_SIZE);
}

uint64_t stack_ist_top(uint32_t cpu)
{
	return (uint64_t)(uintptr_t)(ist_stacks[cpu].stack + IST_STACK_SIZE);
}

unsigned stack_guard_count(void)
{
	return NUM_GUARDS;
}

uint64_t stack_guard_page(unsigned i)
{
	if (i == 0)
		return (uint64_t)(uintptr_t)boot_stack_guard;
	if (i < MAX_CPUS)
		return (uint64_t)(uintptr_t)ap_stacks[i - 1].guard;
	return (uint64_t)(uintptr_t)ist_stacks[i - MAX_CPUS].guard;
}

bool stack_guard_name(uint64_t addr, char *buf, size_t len)
{
	for (unsigned i = 0; i < NUM_GUARDS; i++) {
		uint64_t g = stack_guard_page(i);
		if (addr < g || addr >= g + PAGE_SIZE)
			continue;
		if (i == 0)
			cv_snprintf(buf, len, "the boot stack (pcpu 0)");
		else if (i < MAX_CPUS)
			cv_snprintf(buf, len, "pcpu %u's stack", i);
		else
			cv_snprintf(buf, len, "pcpu %u's IST1 stack (#DF, NMI, #MC)", i - MAX_CPUS);
		return true;
	}
	return false;
}
