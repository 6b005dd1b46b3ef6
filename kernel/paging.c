/*
 * kernel/paging.c - identity-map MMIO above the boot map (contract in kernel/paging.h).
 *
 * Context: pt_map_identity_2m is plain C (host-tested); paging_map_mmio runs
 * on the boot CPU, before the APs start.
 */
#include "kernel/paging.h"
#include "lib/string.h"

#define PT_ENTRIES      512
#define PML4_SHIFT      39
#define PDPT_SHIFT      30
#define PD_SHIFT        21
#define PT_POOL_PAGES   4       /* a PDPT and PDs: framebuffers of up to 2 GiB, anywhere */

/* The table an entry points to, allocating it when the entry is empty. */
static uint64_t *next_table(uint64_t *entry, struct pt_pool *pool)
{
	if (*entry & PT_PRESENT)
		return (uint64_t *)(uintptr_t)(*entry & PT_ADDR_MASK);
	if (pool->used >= pool->npages)
		return NULL;
	uint64_t *t = pool->pages + (size_t)pool->used++ * PT_ENTRIES;

	memset(t, 0, PT_ENTRIES * sizeof(*t));
	*entry = (uint64_t)(uintptr_t)t | PT_PRESENT | PT_WRITE;
	return t;
}

int pt_map_identity_2m(uint64_t *pml4, uint64_t base, uint64_t len, uint64_t flags,
		       struct pt_pool *pool)
{
	if (len == 0 || len > UINT64_MAX - base || base + len > PT_CANONICAL_TOP)
		return -1;
	for (uint64_t a = ALIGN_DOWN(base, PT_LARGE_2M); a < base + len; a += PT_LARGE_2M) {
		uint64_t *pdpte = &pml4[(a >> PML4_SHIFT) % PT_ENTRIES];
		uint64_t *pdpt = next_table(pdpte, pool);

		if (!pdpt)
			return -1;
		uint64_t *pde_parent = &pdpt[(a >> PDPT_SHIFT) % PT_ENTRIES];
		if ((*pde_parent & PT_PRESENT) && (*pde_parent & PT_PS))
			continue;               /* inside a 1 GiB page already */
		uint64_t *pd = next_table(pde_parent, pool);

		if (!pd)
			return -1;
		uint64_t *pde = &pd[(a >> PD_SHIFT) % PT_ENTRIES];
		if (*pde & PT_PRESENT) {
			if (!(*pde & PT_PS))
				return -1;      /* a 4 KiB table: not ours to change */
			continue;
		}
		*pde = a | PT_PRESENT | PT_WRITE | PT_PS | flags;
	}
	return 0;
}

#ifndef CV_HOST_TEST
#include "kernel/arch.h"

extern uint64_t boot_pml4[];
static uint64_t pool_pages[PT_POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));
static struct pt_pool pool = { .pages = pool_pages, .npages = PT_POOL_PAGES };

bool paging_map_mmio(uint64_t base, uint64_t len)
{
	int rc = pt_map_identity_2m(boot_pml4, base, len, PT_PCD, &pool);

	write_cr3(read_cr3());  /* drop any cached paging-structure entries */
	return rc == 0;
}
#endif
