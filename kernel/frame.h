/*
 * kernel/frame.h - physical frame allocator: one bit per 4 KiB frame.
 *
 * Context: any; pure C with no hardware access (the caller supplies the
 * bitmap), built into the kernel and unit-tested on the host
 * (tests/unit/test_frame.c). Not locked: callers serialize.
 *
 * Bit i set = frame i (physical i * PAGE_SIZE) is used or not RAM. Everything
 * starts used; usable RAM is then freed and the hypervisor's own memory
 * reserved again (frame_setup_from_boot_info). Frame 0 is never handed out,
 * so 0 can mean failure. The bitmap does not know who owns a used frame:
 * frame_free() of a reserved frame succeeds, which is the caller's bug.
 */
#ifndef CV_FRAME_H
#define CV_FRAME_H

#include "lib/types.h"
#include "kernel/multiboot.h"

#define FRAME_BITS_PER_WORD     64
/* uint64_t words a bitmap for nframes frames needs. */
#define FRAME_BITMAP_WORDS(nframes) \
	(((nframes) + FRAME_BITS_PER_WORD - 1) / FRAME_BITS_PER_WORD)

struct frame_alloc {
	uint64_t *bitmap;       /* FRAME_BITMAP_WORDS(nframes) words, bit set = used */
	uint64_t nframes;       /* frames covered: physical [0, nframes * PAGE_SIZE) */
	uint64_t nfree;         /* clear bits */
	uint64_t first_free;    /* no free frame below this one (search hint) */
};

/* Take over bitmap (FRAME_BITMAP_WORDS(nframes) words); every frame starts used. */
void frame_init(struct frame_alloc *fa, uint64_t *bitmap, uint64_t nframes);

/* Mark the whole frames inside [base, base + len) free (rounded inward to
 * pages); frames at or above nframes, and frame 0, are ignored. */
void frame_add_free(struct frame_alloc *fa, uint64_t base, uint64_t len);

/* Mark every frame touching [base, base + len) used (rounded outward). */
void frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t len);

/*
 * npages contiguous free frames, the first one a multiple of align_pages
 * (0 counts as 1; any value works, powers of two are the usual). First fit
 * from the lowest address. Returns the physical address, or 0 when no such
 * run exists or npages is 0.
 */
uint64_t frame_alloc(struct frame_alloc *fa, uint64_t npages, uint64_t align_pages);

/*
 * Give back npages frames at addr. Returns 0, or -1 with nothing changed
 * when addr is not page-aligned, npages is 0, the range includes frame 0 or
 * runs past nframes, or any frame in it is already free (double free).
 */
int frame_free(struct frame_alloc *fa, uint64_t addr, uint64_t npages);

/*
 * Frames needed to cover all usable RAM of bi: the end of the highest type-1
 * range, in pages (rounded down). Size the bitmap with FRAME_BITMAP_WORDS of it.
 */
uint64_t frame_count_for(const struct boot_info *bi);

/*
 * Free the usable (type-1) ranges of bi, then reserve: every non-usable map
 * range (it wins where the map overlaps itself), everything below 1 MiB
 * (real-mode IVT, BIOS data, EBDA, option ROMs; the AP trampoline page is
 * allocated separately later), the hypervisor image [image_start,
 * image_end), bi->reserved[] and every module.
 */
void frame_setup_from_boot_info(struct frame_alloc *fa, const struct boot_info *bi,
				uint64_t image_start, uint64_t image_end);

#endif
