/*
 * kernel/frame.c - physical frame allocator over a bitmap (contract in kernel/frame.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host.
 * Every bitmap walk goes a 64-bit word at a time: a word is masked to the
 * frames of interest and tested whole, so runs of used (or free) frames are
 * skipped 64 at a time. first_free keeps repeated allocations from rescanning
 * the used low end of memory.
 */
#include "kernel/frame.h"

/* Real-mode IVT, BIOS data area, EBDA, VGA memory, option ROMs, BIOS. */
#define LOW_MEMORY_END  (1 * MiB)

/*
 * Set bits in x. Not __builtin_popcountll: without -mpopcnt GCC turns it into
 * a call to libgcc's __popcountdi2, and the kernel does not link libgcc.
 */
static unsigned bit_count(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

/* Bits [lo, hi) of a word, 0 <= lo < hi <= 64. */
static uint64_t word_mask(unsigned lo, unsigned hi)
{
	uint64_t below_hi = hi == FRAME_BITS_PER_WORD ? UINT64_MAX : BIT(hi) - 1;

	return below_hi & ~(BIT(lo) - 1);
}

/* The part of word w that [from, to) covers, as bit positions [lo, hi). */
static void word_span(uint64_t from, uint64_t to, uint64_t *w, unsigned *lo, unsigned *hi)
{
	uint64_t word_start;

	*w = from / FRAME_BITS_PER_WORD;
	word_start = *w * FRAME_BITS_PER_WORD;
	*lo = (unsigned)(from - word_start);
	*hi = to - word_start >= FRAME_BITS_PER_WORD ? FRAME_BITS_PER_WORD
						     : (unsigned)(to - word_start);
}

/* Mark frames [first, last) used or free; returns how many bits changed. */
static uint64_t mark_range(struct frame_alloc *fa, uint64_t first, uint64_t last, bool used)
{
	uint64_t changed = 0;

	while (first < last) {
		uint64_t w, old, mask;
		unsigned lo, hi;

		word_span(first, last, &w, &lo, &hi);
		mask = word_mask(lo, hi);
		old = fa->bitmap[w];
		fa->bitmap[w] = used ? old | mask : old & ~mask;
		changed += bit_count(old ^ fa->bitmap[w]);
		first = w * FRAME_BITS_PER_WORD + hi;
	}
	return changed;
}

/* First frame in [from, to) whose bit equals 'used', or 'to' if none. */
static uint64_t find_next(const struct frame_alloc *fa, uint64_t from, uint64_t to, bool used)
{
	while (from < to) {
		uint64_t w, bits;
		unsigned lo, hi;

		word_span(from, to, &w, &lo, &hi);
		bits = used ? fa->bitmap[w] : ~fa->bitmap[w];
		bits &= word_mask(lo, hi);
		/* __builtin_ctzll is a single BSF/TZCNT on x86-64: no libgcc call. */
		if (bits)
			return w * FRAME_BITS_PER_WORD + (uint64_t)__builtin_ctzll(bits);
		from = w * FRAME_BITS_PER_WORD + hi;
	}
	return to;
}

static uint64_t end_saturated(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

void frame_init(struct frame_alloc *fa, uint64_t *bitmap, uint64_t nframes)
{
	fa->bitmap = bitmap;
	fa->nframes = nframes;
	fa->nfree = 0;
	fa->first_free = nframes;
	for (uint64_t w = 0; w < FRAME_BITMAP_WORDS(nframes); w++)
		bitmap[w] = UINT64_MAX;
}

void frame_add_free(struct frame_alloc *fa, uint64_t base, uint64_t len)
{
	uint64_t end = end_saturated(base, len);
	uint64_t first = base / PAGE_SIZE + (base % PAGE_SIZE != 0);
	uint64_t last = MIN(end / PAGE_SIZE, fa->nframes);

	first = MAX(first, 1);          /* frame 0 stays used: 0 means failure */
	if (len == 0 || first >= last)
		return;
	fa->nfree += mark_range(fa, first, last, false);
	fa->first_free = MIN(fa->first_free, first);
}

void frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t len)
{
	uint64_t end = end_saturated(base, len);
	uint64_t first = base / PAGE_SIZE;
	uint64_t last = MIN(end / PAGE_SIZE + (end % PAGE_SIZE != 0), fa->nframes);

	if (len == 0 || first >= last)
		return;
	fa->nfree -= mark_range(fa, first, last, true);
}

uint64_t frame_alloc(struct frame_alloc *fa, uint64_t npages, uint64_t align_pages)
{
	uint64_t align = align_pages ? align_pages : 1;
	uint64_t from = MAX(fa->first_free, 1);

	if (npages == 0 || npages > fa->nframes)
		return 0;
	fa->first_free = find_next(fa, from, fa->nframes, false);
	from = fa->first_free;
	for (;;) {
		uint64_t start = find_next(fa, from, fa->nframes, false);
		uint64_t misalign, used;

		if (start >= fa->nframes)
			return 0;
		misalign = start % align;
		if (misalign) {
			if (align - misalign >= fa->nframes - start)
				return 0;
			start += align - misalign;
		}
		if (npages > fa->nframes - start)
			return 0;
		used = find_next(fa, start, start + npages, true);
		if (used == start + npages) {
			mark_range(fa, start, start + npages, true);
			fa->nfree -= npages;
			return start * PAGE_SIZE;
		}
		/* Every aligned start up to 'used' would include it. */
		from = used + 1;
	}
}

int frame_free(struct frame_alloc *fa, uint64_t addr, uint64_t npages)
{
	uint64_t first = addr / PAGE_SIZE;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || npages == 0)
		return -1;
	if (first == 0 || first >= fa->nframes || npages > fa->nframes - first)
		return -1;
	if (find_next(fa, first, first + npages, false) != first + npages)
		return -1;      /* part of it is free already: double free */
	mark_range(fa, first, first + npages, false);
	fa->nfree += npages;
	fa->first_free = MIN(fa->first_free, first);
	return 0;
}

uint64_t frame_count_for(const struct boot_info *bi)
{
	uint64_t frames = 0;

	for (uint32_t i = 0; i < bi->nranges; i++) {
		const struct mem_range *r = &bi->ranges[i];

		if (r->type == MB_MEMORY_AVAILABLE)
			frames = MAX(frames, end_saturated(r->base, r->len) / PAGE_SIZE);
	}
	return frames;
}

void frame_setup_from_boot_info(struct frame_alloc *fa, const struct boot_info *bi,
				uint64_t image_start, uint64_t image_end)
{
	for (uint32_t i = 0; i < bi->nranges; i++)
		if (bi->ranges[i].type == MB_MEMORY_AVAILABLE)
			frame_add_free(fa, bi->ranges[i].base, bi->ranges[i].len);
	for (uint32_t i = 0; i < bi->nranges; i++)
		if (bi->ranges[i].type != MB_MEMORY_AVAILABLE)
			frame_reserve(fa, bi->ranges[i].base, bi->ranges[i].len);

	frame_reserve(fa, 0, LOW_MEMORY_END);
	if (image_end > image_start)
		frame_reserve(fa, image_start, image_end - image_start);
	for (uint32_t i = 0; i < bi->nreserved; i++)
		frame_reserve(fa, bi->reserved[i].base, bi->reserved[i].len);
	for (uint32_t i = 0; i < bi->nmodules; i++)
		frame_reserve(fa, bi->modules[i].start,
			      bi->modules[i].end - bi->modules[i].start);
}
