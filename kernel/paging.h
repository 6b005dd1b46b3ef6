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

/* ---- identity-mapping MMIO above 4 GiB (a UEFI framebuffer at 256 GiB) ----
 * The walk is plain C over tables whose physical address is their address
 * (identity map), so it is unit-tested on the host with tables in a buffer
 * (tests/unit/test_paging.c). Format from SDM Vol. 3A, "4-Level Paging". */
#define PT_PRESENT      BIT(0)
#define PT_WRITE        BIT(1)
#define PT_PWT          BIT(3)
#define PT_PCD          BIT(4)          /* with PWT = 0: PAT entry 2, UC- by default */
#define PT_PS           BIT(7)          /* PDE: 2 MiB page; PDPTE: 1 GiB page */
#define PT_XD           BIT(63)         /* execute-disable (EFER.NXE) */
#define PT_ADDR_MASK    0x000FFFFFFFFFF000ULL
#define PT_LARGE_2M     (2 * MiB)
#define PT_CANONICAL_TOP BIT(47)        /* 4-level paging: identity maps stay below 2^47 */

/* Zeroed, 4 KiB-aligned pages for new tables (their addresses are physical). */
struct pt_pool {
	uint64_t *pages;                /* npages * 512 entries */
	unsigned npages, used;
};

/*
 * Identity-map every 2 MiB page touching [base, base + len) in the tables
 * under pml4, read/write with 'flags' added (e.g. PT_PCD), where nothing maps
 * it yet (present 2 MiB or 1 GiB pages are left as they are). New tables come
 * from pool. Returns 0, or -1 when len is 0, the range wraps or reaches
 * PT_CANONICAL_TOP, the pool runs out (what was mapped stays), or a PDE in
 * the way points to a 4 KiB page table (never made by boot/entry.asm).
 */
int pt_map_identity_2m(uint64_t *pml4, uint64_t base, uint64_t len, uint64_t flags,
		       struct pt_pool *pool);

/* The kernel's own: map MMIO [base, base + len) uncached (UC-) and never
 * executable in the host page tables (paging_init's), from a small static
 * pool; reloads CR3. For a framebuffer above 4 GiB, which the identity map
 * of 0-4 GiB does not reach. */
bool paging_map_mmio(uint64_t base, uint64_t len);

#endif
