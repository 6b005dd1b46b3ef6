/*
 * vmx/ept.c - building EPT paging structures.
 *
 * Context: VMX root (kernel), while a VM is created (no vCPU runs on it).
 * Entry format: SDM Vol. 3C, "EPT Translation Mechanism": bits 2:0 are
 * read/write/execute; in a leaf, bits 5:3 the memory type and bit 7 marks a
 * 2 MiB page in a PD entry. EPTP format: SDM Vol. 3C, "Extended-Page-Table
 * Pointer (EPTP)": memory type in bits 2:0, walk length minus one in 5:3.
 *
 * Memory types: SDM Vol. 3C, "EPT and Memory Typing". A leaf's type is the
 * type the host's MTRRs give the host-physical memory behind it (kernel/mtrr.c),
 * so memory the firmware marked UC (MMIO, the VGA hole) is never mapped WB.
 * "Ignore PAT" (bit 6) stays 0: the guest's own PAT combines with the EPT
 * type exactly as the host PAT combines with the MTRRs ("Memory Type Used for
 * Translated Guest-Physical Addresses"). A 2 MiB page is used only where the
 * MTRRs give its whole range one type.
 */
#include "vmx/ept.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/mtrr.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"

#define EPT_MEMTYPE_SHIFT   3
#define EPT_MEMTYPE_MASK    (7ULL << EPT_MEMTYPE_SHIFT)
#define EPT_LARGE_PAGE      BIT(7)
#define EPT_ADDR_MASK       0x000FFFFFFFFFF000ULL
#define EPTP_WALK_4         (3ULL << 3)
#define EPT_ENTRIES         512
#define LEVEL_SHIFT(l)      (12 + 9 * (l))     /* l = 0: PT, 1: PD, 2: PDPT, 3: PML4 */
#define SIZE_2M             (2 * MiB)

uint64_t *ept_create(void)
{
	return frames_try_alloc(1, 1);
}

uint64_t ept_pointer(const uint64_t *pml4)
{
	return virt_to_phys(pml4) | EPTP_WALK_4 | VMX_MEMTYPE_WB;
}

/* The table one level below entry e of table t, created if absent; NULL
 * when no frame is left for it. */
static uint64_t *next_table(uint64_t *t, unsigned idx)
{
	if (!(t[idx] & EPT_RWX)) {
		uint64_t *n = frames_try_alloc(1, 1);
		if (!n)
			return NULL;
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

/* The EPT memory-type bits for [hpa, hpa + len), or -1 when the MTRRs give
 * the range more than one type. A reserved type from the firmware counts as UC. */
static int64_t leaf_type(uint64_t hpa, uint64_t len)
{
	uint8_t t = mtrr_range_type(host_mtrrs(), hpa, len);

	if (t == MTRR_TYPE_MIXED)
		return -1;
	if (!mtrr_type_valid(t))
		t = MTRR_TYPE_UC;
	return (int64_t)t << EPT_MEMTYPE_SHIFT;
}

bool ept_map(uint64_t *pml4, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t rights)
{
	uint64_t not_wb = 0;

	assert(IS_ALIGNED(gpa | hpa | size, PAGE_SIZE));

	while (size) {
		uint64_t *pdpt = next_table(pml4, index_at(gpa, 3));
		uint64_t *pd = pdpt ? next_table(pdpt, index_at(gpa, 2)) : NULL;
		int64_t type;

		if (!pd)
			return false;
		if (IS_ALIGNED(gpa | hpa, SIZE_2M) && size >= SIZE_2M &&
		    (type = leaf_type(hpa, SIZE_2M)) >= 0) {
			pd[index_at(gpa, 1)] = hpa | rights | (uint64_t)type | EPT_LARGE_PAGE;
			not_wb += type == (VMX_MEMTYPE_WB << EPT_MEMTYPE_SHIFT) ? 0 : SIZE_2M;
			gpa += SIZE_2M;
			hpa += SIZE_2M;
			size -= SIZE_2M;
			continue;
		}
		uint64_t *pt = next_table(pd, index_at(gpa, 1));
		if (!pt)
			return false;
		type = leaf_type(hpa, PAGE_SIZE);
		pt[index_at(gpa, 0)] = hpa | rights | (uint64_t)type;
		not_wb += type == (VMX_MEMTYPE_WB << EPT_MEMTYPE_SHIFT) ? 0 : PAGE_SIZE;
		gpa += PAGE_SIZE;
		hpa += PAGE_SIZE;
		size -= PAGE_SIZE;
	}
	if (not_wb)
		kprintf("[hv] ept: %llu KiB of this mapping are not write-back in the host's MTRRs: "
			"mapped with the MTRR type\n", (unsigned long long)(not_wb / 1024));
	return true;
}

/* The 4 KiB leaf entry of gpa, a 2 MiB page above it split into 512 4 KiB
 * entries of the same frames and rights first. The range must be mapped.
 * NULL when no frame is left for the split (a guest's request: refused,
 * never a host panic). */
static uint64_t *leaf_4k(uint64_t *pml4, uint64_t gpa)
{
	uint64_t *pdpt = next_table(pml4, index_at(gpa, 3));
	uint64_t *pd = pdpt ? next_table(pdpt, index_at(gpa, 2)) : NULL;
	if (!pd)
		return NULL;
	uint64_t *pde = &pd[index_at(gpa, 1)];

	if (*pde & EPT_LARGE_PAGE) {
		uint64_t *pt = frames_try_alloc(1, 1);
		if (!pt)
			return NULL;
		uint64_t base = *pde & EPT_ADDR_MASK & ~(SIZE_2M - 1);
		uint64_t attrs = *pde & (EPT_RWX | EPT_MEMTYPE_MASK);   /* rights and memory type */
		for (unsigned i = 0; i < EPT_ENTRIES; i++)
			pt[i] = (base + (uint64_t)i * PAGE_SIZE) | attrs;
		*pde = virt_to_phys(pt) | EPT_RWX;
	}
	uint64_t *pt = next_table(pd, index_at(gpa, 1));
	return pt ? &pt[index_at(gpa, 0)] : NULL;
}

bool ept_set_rights(uint64_t *pml4, uint64_t gpa, uint64_t rights)
{
	uint64_t *e = leaf_4k(pml4, gpa);

	if (!e)
		return false;
	*e = (*e & ~(uint64_t)EPT_RWX) | rights;
	return true;
}

void ept_flush_all(void)
{
	VMX_CHECK("invept", 0, invept(INVEPT_ALL_CONTEXT, 0));
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
