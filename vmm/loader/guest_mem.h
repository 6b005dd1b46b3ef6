/*
 * vmm/loader/guest_mem.h - read guest memory by guest-linear address, walking the
 * guest's own page tables (needed to fetch the instruction behind an EPT
 * violation: the exit gives RIP, a linear address, not where it lies in RAM).
 *
 * Context: guest_page_walk is pure C (host unit tests use it with a fake
 * memory); guest_read_linear* read the VMCS, so VMX root only, on the pCPU
 * where the vCPU's VMCS is current (they are left out of host-test builds).
 *
 * Paging modes (SDM Vol. 3A, "Paging Modes and Control Bits"):
 *   CR0.PG = 0                       none: linear = physical
 *   CR0.PG = 1, CR4.PAE = 0          32-bit paging (4 MiB pages if CR4.PSE)
 *   CR0.PG = 1, CR4.PAE = 1, no LMA  PAE paging (PDPTEs from the VMCS)
 *   CR0.PG = 1, EFER.LMA = 1         4-level paging (5-level, CR4.LA57, is refused)
 * Only presence is checked: the access being re-read was already performed
 * by the guest (instruction fetch), so its rights were already checked.
 */
#ifndef CV_GUEST_MEM_H
#define CV_GUEST_MEM_H

#include "lib/types.h"

enum guest_paging {
	GUEST_PAGING_NONE,
	GUEST_PAGING_32,
	GUEST_PAGING_PAE,
	GUEST_PAGING_4LEVEL,
};

/* Read a size-byte (4 or 8) little-endian paging-structure entry at a
 * guest-physical address; 0 on success, -1 if it is outside guest RAM. */
typedef int (*guest_phys_read_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t *value);

struct guest_paging_state {
	enum guest_paging mode;
	uint64_t cr3;
	bool pse;                 /* CR4.PSE: 4 MiB pages in 32-bit paging */
	uint64_t pdpte[4];        /* PAE paging: GUEST_PDPTR0..3 */
	guest_phys_read_fn read;
	void *ctx;
};

/* Translate one linear address to guest-physical. Returns 0, or -1 when an
 * entry is not present, reserved, or outside guest RAM, or the address is
 * not canonical (4-level). */
int guest_page_walk(const struct guest_paging_state *s, uint64_t gla, uint64_t *gpa);

struct vcpu;

/* Copy len bytes at guest-linear gla (page by page, through the guest's
 * current paging mode as the VMCS holds it). 0, or -1 if any byte cannot be
 * translated or lies outside guest RAM. */
int guest_read_linear(struct vcpu *v, uint64_t gla, void *buf, size_t len);

/* As guest_read_linear, but stop at the first page that cannot be read:
 * returns how many bytes were copied (for instruction fetches, whose tail
 * may run into an unmapped page that the instruction does not use). */
size_t guest_read_linear_upto(struct vcpu *v, uint64_t gla, void *buf, size_t len);

#endif
