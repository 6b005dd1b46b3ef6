/*
 * kernel/paging.h - identity-map MMIO above the boot map (a framebuffer above 4 GiB).
 *
 * Context: boot CPU, before the APs start (they share the boot page tables,
 * boot/entry.asm: 0-4 GiB in 2 MiB pages). The walk itself is plain C over
 * tables whose physical address is their address (identity map), so it is
 * unit-tested on the host with tables in a buffer (tests/unit/test_paging.c).
 *
 * Modern Intel machines put the integrated GPU's aperture, and with it the
 * UEFI GOP framebuffer, at 256 GiB (0x4000000000) or higher: without this the
 * console could not draw there. Format from SDM Vol. 3A, "4-Level Paging":
 * PML4E -> PDPTE -> PDE with PS = 1 (a 2 MiB page).
 */
#ifndef CV_PAGING_H
#define CV_PAGING_H

#include "lib/types.h"

#define PT_PRESENT      BIT(0)
#define PT_WRITE        BIT(1)
#define PT_PWT          BIT(3)
#define PT_PCD          BIT(4)          /* with PWT = 0: PAT entry 2, UC- by default */
#define PT_PS           BIT(7)          /* PDE: 2 MiB page; PDPTE: 1 GiB page */
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

/* The kernel's own: map MMIO [base, base + len) uncached (UC-) in the boot
 * page tables, from a small static pool; reloads CR3. */
bool paging_map_mmio(uint64_t base, uint64_t len);

#endif
