/*
 * kernel/paging.h - the host's own page tables and the CPU's memory protections.
 *
 * Context: kernel. boot/entry.asm starts on an identity map of 0..4 GiB in
 * 2 MiB pages, all present and writable. paging_init() (boot CPU, early in
 * kmain) replaces it with the final identity map (docs/design.md, "Host
 * memory map"):
 *   - the image in 4 KiB pages: text read+execute, rodata read-only and
 *     never executable, data/bss (stacks included) read+write, never
 *     executable; the guard page under every stack (kernel/stacks.h) not
 *     present;
 *   - every other address below 4 GiB (guest RAM, VMX structures, firmware
 *     tables, MMIO) read+write and never executable;
 * and turns on EFER.NXE, CR0.WP (the hypervisor's own writes obey
 * read-only pages) and, where the CPU has them, CR4.SMEP and CR4.SMAP (SDM
 * Vol. 3A, "Access Rights"). No page of the host view is a user page, so
 * SMAP never blocks the host, and nothing needs STAC/CLAC. The APs load
 * the same tables in boot/trampoline.asm (with NXE from the boot CPU's
 * EFER) and call paging_cpu_init().
 */
#ifndef CV_PAGING_H
#define CV_PAGING_H

#include "lib/types.h"

/* 4 KiB page tables cover [0, PAGING_IMAGE_LIMIT): the low MiB, the image
 * (linker.ld asserts it ends below) and what follows; above it 2 MiB pages. */
#define PAGING_IMAGE_LIMIT  (16 * MiB)

/* Boot CPU: build the tables, switch to them, turn the protections on, and
 * print what is mapped how and which protections are on. */
void paging_init(void);

/* An AP, first thing in C: CR0.WP, CR4.SMEP/SMAP where it has them. */
void paging_cpu_init(uint32_t cpu);

/* One line: whether pCPUs 1..ncpus-1 have the boot CPU's protections. */
void paging_report_cpus(uint32_t ncpus);

/* Physical address of the PML4 (for the AP trampoline's CR3). */
uint64_t paging_root(void);

/* Let the page at pa (below 1 MiB: the AP trampoline's copy) be executed,
 * or not, on this pCPU (other pCPUs must flush their TLB themselves). */
void paging_set_exec(uint64_t pa, bool exec);

/* Is va mapped (present) in the host view? */
bool paging_is_mapped(uint64_t va);

#endif
