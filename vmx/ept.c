/*
 * vmx/ept.c - building EPT paging structures.
 *
 * Context: VMX root (kernel), while a VM is created (no vCPU runs on it).
 * Entry format: SDM Vol. 3C, "EPT Translation Mechanism": bits 2:0 are
 * read/write/execute; in a leaf, bits 5:3 the memory type and bit 7 marks a
 * 2 MiB page in a PD entry. EPTP format: SDM Vol. 3C, "Extended-Page-Table
 * Pointer (EPTP)": memory type in bits 2:0, walk length minus one in 5:3.
 */
#include "vmx/ept.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "vmx/vmx_defs.h"

#define EPT_MEMTYPE_SHIFT   3
#define EPT_LEAF_WB         ((uint64_t)VMX_MEMTYPE_WB << EPT_MEMTYPE_SHIFT)
#define EPT_LARGE_PAGE      BIT(7)
#define EPT_ADDR_MASK       0x000FFFFFFFFFF000ULL
#define EPTP_WALK_4         (3ULL << 3)
#define EPT_ENTRIES         512
#define LEVEL_SHIFT(l)      (12 + 9 * (l))     /* l = 0: PT, 1: PD, 2: PDPT, 3: PML4 */
#define SIZE_2M             (2 * MiB)

uint64_t *ept_create(void)
{
	return frames_alloc(1, 1);
}

uint64_t ept_pointer(const uint64_t *pml4)
{
	return virt_to_phys(pml4) | EPTP_WALK_4 | VMX_MEMTYPE_WB;
}

/* The table one level below entry e of table t, created if absent. */
static uint64_t *next_table(uint64_t *t, unsigned idx)
{
	if (!(t[idx] & EPT_RWX)) {
		uint64_t *n = frames_alloc(1, 1);
		/* Non-leaf entries grant everything; the leaf decides. */
		t[idx] = virt_to_phys(n) | EPT_RWX;
	}
	if (t[idx] & EPT_LARGE_PAGE)
		panic("ept: mapping inside an existing 2 MiB page");
	return phys_to_virt(t[idx] & EPT_ADDR_MASK);
}

static unsigned index_at(uint64_t gpa, int level)
{
	return (gpa >> LEVEL_SHIFT(level)) & (EPT_ENTRIES - 1);
}

void ept_map(uint64_t *pml4, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t rights)
{
	assert(IS_ALIGNED(gpa | hpa | size, PAGE_SIZE));

	while (size) {
		uint64_t *pdpt = next_table(pml4, index_at(gpa, 3));
		uint64_t *pd = next_table(pdpt, index_at(gpa, 2));

		if (IS_ALIGNED(gpa | hpa, SIZE_2M) && size >= SIZE_2M) {
			pd[index_at(gpa, 1)] = hpa | rights | EPT_LEAF_WB | EPT_LARGE_PAGE;
			gpa += SIZE_2M;
			hpa += SIZE_2M;
			size -= SIZE_2M;
			continue;
		}
		uint64_t *pt = next_table(pd, index_at(gpa, 1));
		pt[index_at(gpa, 0)] = hpa | rights | EPT_LEAF_WB;
		gpa += PAGE_SIZE;
		hpa += PAGE_SIZE;
		size -= PAGE_SIZE;
	}
}

/* The 4 KiB leaf entry of gpa, a 2 MiB page above it split into 512 4 KiB
 * entries of the same frames and rights first. The range must be mapped. */
static uint64_t *leaf_4k(uint64_t *pml4, uint64_t gpa)
{
	uint64_t *pdpt = next_table(pml4, index_at(gpa, 3));
	uint64_t *pd = next_table(pdpt, index_at(gpa, 2));
	uint64_t *pde = &pd[index_at(gpa, 1)];

	if (*pde & EPT_LARGE_PAGE) {
		uint64_t *pt = frames_alloc(1, 1);
		uint64_t base = *pde & EPT_ADDR_MASK & ~(SIZE_2M - 1);
		uint64_t attrs = *pde & (EPT_RWX | EPT_LEAF_WB);
		for (unsigned i = 0; i < EPT_ENTRIES; i++)
			pt[i] = (base + (uint64_t)i * PAGE_SIZE) | attrs;
		*pde = virt_to_phys(pt) | EPT_RWX;
	}
	return &next_table(pd, index_at(gpa, 1))[index_at(gpa, 0)];
}

void ept_set_rights(uint64_t *pml4, uint64_t gpa, uint64_t rights)
{
	uint64_t *e = leaf_4k(pml4, gpa);

	*e = (*e & ~(uint64_t)EPT_RWX) | rights;
}

static void destroy_level(uint64_t *t, int level)
{
	for (unsigned i = 0; i < EPT_ENTRIES && level > 0; i++) {
		if (!(t[i] & EPT_RWX) || (t[i] & EPT_LARGE_PAGE))
			continue;
		destroy_level(phys_to_virt(t[i] & EPT_ADDR_MASK), level - 1);
	}
	frames_free(t, 1);
}

void ept_destroy(uint64_t *pml4)
{
	destroy_level(pml4, 3);
}
