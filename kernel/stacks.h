/*
 * kernel/stacks.h - the hypervisor's stacks, each above an unmapped guard page.
 *
 * Context: kernel. Every stack a pCPU runs on lives inside the image, page
 * aligned, with one guard page directly below it that kernel/paging.c
 * leaves not present: the boot CPU's stack (boot/entry.asm), one stack per
 * AP (kernel/smp.c) and one IST1 stack per pCPU for #DF, NMI and #MC
 * (kernel/gdt.c). A stack that overflows touches its guard page: #PF, whose
 * delivery on the same stack faults again, so the CPU raises #DF, which
 * runs on the IST1 stack and prints the dump naming the stack
 * (kernel/trap.c). docs/design.md, "Host memory map".
 */
#ifndef CV_STACKS_H
#define CV_STACKS_H

#include "lib/types.h"

#define AP_STACK_SIZE     (4 * PAGE_SIZE)
#define IST_STACK_SIZE    (2 * PAGE_SIZE)

/* Top (initial RSP, 16-byte aligned) of AP cpu's stack (1 <= cpu < MAX_CPUS). */
uint64_t stack_ap_top(uint32_t cpu);
/* Top of pCPU cpu's IST1 stack (0 <= cpu < MAX_CPUS). */
uint64_t stack_ist_top(uint32_t cpu);

/* The guard pages: how many, and the address of the i-th (page aligned). */
unsigned stack_guard_count(void);
uint64_t stack_guard_page(unsigned i);

/* If addr lies in a guard page, write which stack it guards ("the boot
 * stack (pcpu 0)", "pcpu 2's stack", "pcpu 1's IST1 stack") into buf and
 * return true. */
bool stack_guard_name(uint64_t addr, char *buf, size_t len);

#endif
