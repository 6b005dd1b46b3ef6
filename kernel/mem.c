/*
 * kernel/mem.c - the kernel's frame allocator instance (kernel/frame.c is the logic).
 *
 * Context: kernel; the lock makes it safe from any pCPU.
 */
#include "kernel/mem.h"
#include "kernel/console.h"
#include "kernel/frame.h"
#include "kernel/multiboot.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define MAPPED_LIMIT   (4 * GiB)                 /* the identity map (kernel/paging.c) */
#define MAX_FRAMES     (MAPPED_LIMIT / PAGE_SIZE)

extern char __image_start[], __image_end[];

static uint64_t frame_bitmap[MAX_FRAMES / 64];
static struct frame_alloc frames;
static struct spinlock frames_lock;

void mem_init(const struct boot_info *bi)
{
	uint64_t usable = 0, above = 0;

	for (uint32_t i = 0; i < bi->nranges; i++) {
		const struct mem_range *r = &bi->ranges[i];
		if (r->type != 1)
			continue;
		usable += r->len;
		if (r->base + r->len > MAPPED_LIMIT)
			above += r->base + r->len - MAX(r->base, MAPPED_LIMIT);
	}

	frame_init(&frames, frame_bitmap, MAX_FRAMES);
	frame_setup_from_boot_info(&frames, bi, (uint64_t)(uintptr_t)__image_start,
				   (uint64_t)(uintptr_t)__image_end);
	kprintf("[hv] mem: %lu MiB usable RAM, %lu MiB free for guests and VMX structures",
		(unsigned long)(usable / MiB), (unsigned long)(frames.nfree * PAGE_SIZE / MiB));
	if (above)
		kprintf(" (%lu MiB above 4 GiB not used yet)", (unsigned long)(above / MiB));
	kprintf("\n");
}

static uint64_t fail_countdown;      /* frames_fail_nth: calls left until one fails */

void frames_fail_nth(uint64_t nth)
{
	spin_lock(&frames_lock);
	fail_countdown = nth;
	spin_unlock(&frames_lock);
}

void *frames_try_alloc(uint64_t npages, uint64_t align_pages)
{
	spin_lock(&frames_lock);
	if (fail_countdown && --fail_countdown == 0) {
		spin_unlock(&frames_lock);
		return NULL;
	}
	uint64_t pa = frame_alloc(&frames, npages, align_pages);
	spin_unlock(&frames_lock);
	if (!pa)
		return NULL;
	void *p = phys_to_virt(pa);
	memset(p, 0, npages * PAGE_SIZE);
	return p;
}

void *frames_alloc(uint64_t npages, uint64_t align_pages)
{
	void *p = frames_try_alloc(npages, align_pages);
	if (!p)
		panic("out of memory: %lu contiguous pages (aligned to %lu) not available",
		      npages, align_pages);
	return p;
}

void frames_free(void *p, uint64_t npages)
{
	spin_lock(&frames_lock);
	int rc = frame_free(&frames, virt_to_phys(p), npages);
	spin_unlock(&frames_lock);
	if (rc)
		panic("frames_free(%p, %lu): not an allocated range", p, npages);
}

uint64_t frames_free_count(void)
{
	return frames.nfree;
}
