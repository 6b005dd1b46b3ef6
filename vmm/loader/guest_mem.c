/*
 * vmm/loader/guest_mem.c - guest-linear to guest-physical translation and reads.
 *
 * Context: guest_page_walk is pure C, unit-tested on the host
 * (tests/unit/test_insn_decode.c). The part below "VMX root" reads the VMCS
 * and is left out of host-test builds (CV_HOST_TEST).
 *
 * Entry formats: SDM Vol. 3A, "32-Bit Paging", "PAE Paging" and "4-Level
 * Paging and 5-Level Paging" (tables "Format of a ... Entry"). Bits 51:12 of
 * an entry hold the next table's or page's address; bit 0 is Present, bit 7
 * Page Size in a PDPTE (1 GiB) or PDE (2 MiB, or 4 MiB with 32-bit paging
 * and CR4.PSE, whose PDE bits 20:13 give physical bits 39:32: PSE-36).
 */
#include "vmm/loader/guest_mem.h"
#include "lib/x86.h"

#define PTE_PRESENT          BIT(0)
#define PTE_PAGE_SIZE        BIT(7)
#define PTE_ADDR_MASK        0x000FFFFFFFFFF000ULL    /* bits 51:12 */
#define PTE_ADDR_2M_MASK     0x000FFFFFFFE00000ULL    /* bits 51:21 */
#define PTE_ADDR_1G_MASK     0x000FFFFFC0000000ULL    /* bits 51:30 */
#define PDE32_ADDR_MASK      0xFFFFF000ULL            /* bits 31:12 */
#define PDE32_4M_LOW_MASK    0xFFC00000ULL            /* bits 31:22 */
#define PDE32_4M_HIGH_SHIFT  13                       /* bits 20:13 -> 39:32 */
#define PDE32_4M_HIGH_MASK   0xFFULL
#define PAE_CR3_SHIFT        5                        /* CR3 bits 31:5: PDPT */
#define OFFSET_4K            0xFFFULL
#define OFFSET_2M            0x1FFFFFULL
#define OFFSET_4M            0x3FFFFFULL
#define OFFSET_1G            0x3FFFFFFFULL
#define LINEAR_32_MASK       0xFFFFFFFFULL
#define CANONICAL_BITS       48

static int read_entry(const struct guest_paging_state *s, uint64_t gpa, unsigned size,
		      uint64_t *entry)
{
	if (s->read(s->ctx, gpa, size, entry) != 0)
		return -1;
	return (*entry & PTE_PRESENT) ? 0 : -1;
}

static int walk_32bit(const struct guest_paging_state *s, uint64_t la, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_entry(s, (s->cr3 & PDE32_ADDR_MASK) + ((la >> 22) & 0x3FF) * 4, 4, &pde))
		return -1;
	if ((pde & PTE_PAGE_SIZE) && s->pse) {
		uint64_t high = (pde >> PDE32_4M_HIGH_SHIFT) & PDE32_4M_HIGH_MASK;
		*gpa = (pde & PDE32_4M_LOW_MASK) | (high << 32) | (la & OFFSET_4M);
		return 0;
	}
	if (read_entry(s, (pde & PDE32_ADDR_MASK) + ((la >> 12) & 0x3FF) * 4, 4, &pte))
		return -1;
	*gpa = (pte & PDE32_ADDR_MASK) | (la & OFFSET_4K);
	return 0;
}

/* The PD level and below, shared by PAE and 4-level paging. */
static int walk_pd(const struct guest_paging_state *s, uint64_t pd, uint64_t la, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_entry(s, (pd & PTE_ADDR_MASK) + ((la >> 21) & 0x1FF) * 8, 8, &pde))
		return -1;
	if (pde & PTE_PAGE_SIZE) {
		*gpa = (pde & PTE_ADDR_2M_MASK) | (la & OFFSET_2M);
		return 0;
	}
	if (read_entry(s, (pde & PTE_ADDR_MASK) + ((la >> 12) & 0x1FF) * 8, 8, &pte))
		return -1;
	*gpa = (pte & PTE_ADDR_MASK) | (la & OFFSET_4K);
	return 0;
}

static int walk_4level(const struct guest_paging_state *s, uint64_t la, uint64_t *gpa)
{
	uint64_t pml4e, pdpte;
	int64_t high = (int64_t)la >> (CANONICAL_BITS - 1);

	if (high != 0 && high != -1)
		return -1;                      /* not canonical */
	if (read_entry(s, (s->cr3 & PTE_ADDR_MASK) + ((la >> 39) & 0x1FF) * 8, 8, &pml4e))
		return -1;
	if (read_entry(s, (pml4e & PTE_ADDR_MASK) + ((la >> 30) & 0x1FF) * 8, 8, &pdpte))
		return -1;
	if (pdpte & PTE_PAGE_SIZE) {
		*gpa = (pdpte & PTE_ADDR_1G_MASK) | (la & OFFSET_1G);
		return 0;
	}
	return walk_pd(s, pdpte, la, gpa);
}

int guest_page_walk(const struct guest_paging_state *s, uint64_t gla, uint64_t *gpa)
{
	switch (s->mode) {
	case GUEST_PAGING_NONE:
		*gpa = gla & LINEAR_32_MASK;
		return 0;
	case GUEST_PAGING_32:
		return walk_32bit(s, gla & LINEAR_32_MASK, gpa);
	case GUEST_PAGING_PAE: {
		uint64_t la = gla & LINEAR_32_MASK, pdpte = s->pdpte[(la >> 30) & 3];
		if (!(pdpte & PTE_PRESENT))
			return -1;
		return walk_pd(s, pdpte, la, gpa);
	}
	case GUEST_PAGING_4LEVEL:
		return walk_4level(s, gla, gpa);
	}
	return -1;
}

#ifndef CV_HOST_TEST
/* ---- VMX root: the guest's paging state from the current VMCS ---- */
#include "lib/msr.h"
#include "lib/string.h"
#include "vmm/core/vm.h"
#include "vmx/vmcs.h"


static int read_guest_phys(void *ctx, uint64_t gpa, unsigned size, uint64_t *value)
{
	const uint8_t *p = gpa_to_hva(ctx, gpa, size);

	if (!p)
		return -1;
	uint64_t v = 0;
	memcpy(&v, p, size);
	*value = v;
	return 0;
}

/* -1 for a mode we do not walk (5-level paging). */
static int paging_state(struct vcpu *v, struct guest_paging_state *s)
{
	uint64_t cr0 = vmcs_readnat(GUEST_CR0), cr4 = vmcs_readnat(GUEST_CR4);
	uint64_t efer = vmcs_read64(GUEST_IA32_EFER);

	*s = (struct guest_paging_state){ .read = read_guest_phys, .ctx = v->vm };
	s->cr3 = vmcs_readnat(GUEST_CR3);
	s->pse = cr4 & CR4_PSE;
	if (!(cr0 & CR0_PG)) {
		s->mode = GUEST_PAGING_NONE;
	} else if (efer & EFER_LMA) {
		if (cr4 & CR4_LA57)
			return -1;
		s->mode = GUEST_PAGING_4LEVEL;
	} else if (cr4 & CR4_PAE) {
		/* With EPT the CPU saves the PDPTEs it uses into the VMCS at
		 * every exit (SDM Vol. 3C, "Saving Guest State"): these, not
		 * memory at CR3, are what the guest is running with. */
		s->mode = GUEST_PAGING_PAE;
		s->pdpte[0] = vmcs_read64(GUEST_PDPTR0);
		s->pdpte[1] = vmcs_read64(GUEST_PDPTR1);
		s->pdpte[2] = vmcs_read64(GUEST_PDPTR2);
		s->pdpte[3] = vmcs_read64(GUEST_PDPTR3);
	} else {
		s->mode = GUEST_PAGING_32;
	}
	return 0;
}

size_t guest_read_linear_upto(struct vcpu *v, uint64_t gla, void *buf, size_t len)
{
	struct guest_paging_state s;
	uint8_t *out = buf;
	size_t done = 0;

	if (paging_state(v, &s) != 0)
		return 0;
	while (done < len) {
		uint64_t la = gla + done, gpa;
		size_t chunk = MIN(len - done, PAGE_SIZE - (la & OFFSET_4K));
		const void *p;

		if (guest_page_walk(&s, la, &gpa) != 0 || !(p = gpa_to_hva(v->vm, gpa, chunk)))
			break;
		memcpy(out + done, p, chunk);
		done += chunk;
	}
	return done;
}

int guest_read_linear(struct vcpu *v, uint64_t gla, void *buf, size_t len)
{
	return guest_read_linear_upto(v, gla, buf, len) == len ? 0 : -1;
}
#endif
