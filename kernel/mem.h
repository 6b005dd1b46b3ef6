/*
 * kernel/mem.h - the hypervisor's physical memory: one frame allocator for all.
 *
 * Context: kernel. Memory is identity mapped below 4 GiB (kernel/paging.c), so
 * a frame's physical address is also a pointer to it. RAM above 4 GiB is not
 * used yet (it is counted and reported).
 */
#ifndef CV_MEM_H
#define CV_MEM_H

#include "lib/types.h"

struct boot_info;

void mem_init(const struct boot_info *bi);

/* npages contiguous zeroed frames aligned to align_pages; panics when out of memory. */
void *frames_alloc(uint64_t npages, uint64_t align_pages);
/* The same, but NULL instead of a panic when memory is short (guest RAM). */
void *frames_try_alloc(uint64_t npages, uint64_t align_pages);
void frames_free(void *p, uint64_t npages);
/* Test aid (a guest's alloc_fail=, vmm/vm_create.c): the nth call of
 * frames_try_alloc from now on (1: the next) returns NULL as if memory were
 * short; 0 turns it off. */
void frames_fail_nth(uint64_t nth);
uint64_t frames_free_count(void);

static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
#ifdef CV_FAKE_PHYS
/* Host builds of the firmware-table parsers (tests/fuzz/, docs/fuzzing.md):
 * physical memory is a buffer the harness lays out. */
void *phys_to_virt(uint64_t pa);
#else
/* The empty asm hides the constant from GCC, which otherwise warns about
 * dereferencing small fixed addresses such as the BIOS data area. */
static inline void *phys_to_virt(uint64_t pa)
{
	void *p = (void *)(uintptr_t)pa;
	__asm__("" : "+r"(p));
	return p;
}
#endif

#endif
