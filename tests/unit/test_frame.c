/*
 * tests/unit/test_frame.c - host unit tests for kernel/frame.c.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * The central test sets the allocator up from a boot_info with a hole-ridden
 * map, an unaligned image, modules and reserved ranges, then allocates until
 * exhaustion and checks every frame against an independent per-page rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/frame.h"

#define RAM_END          (64 * MiB)
#define RAM_FRAMES       (RAM_END / PAGE_SIZE)
#define BIG_FRAMES       (4 * GiB / PAGE_SIZE)      /* a 4 GiB machine */
#define HUGE_PAGES       512                        /* 2 MiB in 4 KiB pages */

#define EBDA_START       0x9FC00
#define HOLE_START       (32 * MiB)                 /* reserved inside RAM */
#define HOLE_LEN         (2 * PAGE_SIZE + 1)
#define IMAGE_START      (1 * MiB)
#define IMAGE_END        (1 * MiB + 0x123456)       /* unaligned end */

static uint64_t bitmap[FRAME_BITMAP_WORDS(BIG_FRAMES)];
static struct frame_alloc fa;
static struct boot_info bi;

static bool inside(uint64_t addr, uint64_t base, uint64_t len)
{
	return addr >= base && addr - base < len;
}

/* A boot_info as mb_parse would give it for a 64 MiB machine. */
static void build_boot_info(void)
{
	memset(&bi, 0, sizeof(bi));
	bi.nranges = 5;
	bi.ranges[0] = (struct mem_range){ 0, EBDA_START, MB_MEMORY_AVAILABLE };
	bi.ranges[1] = (struct mem_range){ EBDA_START, 0xA0000 - EBDA_START, MB_MEMORY_RESERVED };
	bi.ranges[2] = (struct mem_range){ 1 * MiB, RAM_END - 1 * MiB, MB_MEMORY_AVAILABLE };
	bi.ranges[3] = (struct mem_range){ HOLE_START, HOLE_LEN, MB_MEMORY_RESERVED };
	bi.ranges[4] = (struct mem_range){ 4 * GiB - 16 * MiB, 16 * MiB, MB_MEMORY_RESERVED };
	bi.nreserved = 3;
	bi.reserved[0] = (struct mem_range){ 0x10000, 88, MB_MEMORY_RESERVED };
	bi.reserved[1] = (struct mem_range){ 5 * MiB + 100, 300, MB_MEMORY_RESERVED };
	bi.reserved[2] = (struct mem_range){ 6 * MiB - 10, 20, MB_MEMORY_RESERVED };
	bi.nmodules = 2;
	bi.modules[0].start = 8 * MiB;
	bi.modules[0].end = 8 * MiB + 16 * PAGE_SIZE + 1;  /* 17 pages */
	bi.modules[1].start = 12 * MiB + 0x800;
	bi.modules[1].end = 12 * MiB + 0x1800;              /* 2 pages */
}

/* The rule, page by page: may frame 'frame' ever be handed out? */
static bool frame_allowed(uint64_t frame)
{
	uint64_t lo = frame * PAGE_SIZE;

	if (lo < 1 * MiB || lo >= RAM_END)
		return false;
	if (ranges_overlap(lo, PAGE_SIZE, HOLE_START, HOLE_LEN) ||
	    ranges_overlap(lo, PAGE_SIZE, IMAGE_START, IMAGE_END - IMAGE_START))
		return false;
	for (uint32_t i = 0; i < bi.nreserved; i++)
		if (ranges_overlap(lo, PAGE_SIZE, bi.reserved[i].base, bi.reserved[i].len))
			return false;
	for (uint32_t i = 0; i < bi.nmodules; i++)
		if (ranges_overlap(lo, PAGE_SIZE, bi.modules[i].start,
				   bi.modules[i].end - bi.modules[i].start))
			return false;
	return true;
}

static int setup(void **state)
{
	(void)state;
	memset(bitmap, 0, sizeof(bitmap));
	build_boot_info();
	return 0;
}

static void setup_from_boot_info(void)
{
	uint64_t n = frame_count_for(&bi);

	assert_true(n == RAM_FRAMES);
	frame_init(&fa, bitmap, n);
	frame_setup_from_boot_info(&fa, &bi, IMAGE_START, IMAGE_END);
}

static void test_setup_never_hands_out_forbidden_frames(void **state)
{
	static bool seen[RAM_FRAMES];
	uint64_t allowed = 0, got = 0, addr;

	(void)state;
	setup_from_boot_info();
	for (uint64_t f = 0; f < RAM_FRAMES; f++)
		allowed += frame_allowed(f);
	assert_true(fa.nfree == allowed);

	memset(seen, 0, sizeof(seen));
	while ((addr = frame_alloc(&fa, 1, 1)) != 0) {
		uint64_t f = addr / PAGE_SIZE;

		assert_true(addr % PAGE_SIZE == 0);
		assert_true(f < RAM_FRAMES);
		assert_true(frame_allowed(f));
		assert_false(seen[f]);
		assert_false(inside(addr, IMAGE_START, IMAGE_END - IMAGE_START));
		seen[f] = true;
		got++;
	}
	assert_true(got == allowed);
	assert_true(fa.nfree == 0);
	assert_true(frame_alloc(&fa, 1, 1) == 0);
	/* Every allowed frame came out. */
	for (uint64_t f = 0; f < RAM_FRAMES; f++)
		assert_int_equal(seen[f], frame_allowed(f));
}

static void test_setup_from_mem_lower_upper_map(void **state)
{
	(void)state;
	/* Only mem_lower/mem_upper: [0, 639K) and [1M, 1M + 63M). */
	memset(&bi, 0, sizeof(bi));
	bi.nranges = 2;
	bi.ranges[0] = (struct mem_range){ 0, 639 * KiB, MB_MEMORY_AVAILABLE };
	bi.ranges[1] = (struct mem_range){ 1 * MiB, 63 * MiB, MB_MEMORY_AVAILABLE };
	frame_init(&fa, bitmap, frame_count_for(&bi));
	assert_true(fa.nframes == RAM_FRAMES);
	frame_setup_from_boot_info(&fa, &bi, IMAGE_START, IMAGE_START);  /* empty image */
	assert_true(fa.nfree == RAM_FRAMES - 256);
	assert_true(frame_alloc(&fa, 1, 1) == 1 * MiB);
}

static void test_alignment(void **state)
{
	uint64_t a, b, c;

	(void)state;
	setup_from_boot_info();
	/*
	 * 2 MiB blocks, 2 MiB aligned. [2M, 4M) holds the end of the image,
	 * [4M, 6M) and [6M, 8M) reserved ranges, [8M, 10M) module 0: the first
	 * fits at 10M; [12M, 14M) holds module 1, so the second goes to 14M.
	 */
	a = frame_alloc(&fa, HUGE_PAGES, HUGE_PAGES);
	assert_true(a == 10 * MiB);
	b = frame_alloc(&fa, HUGE_PAGES, HUGE_PAGES);
	assert_true(b == 14 * MiB);
	/* Any alignment, not just powers of two. */
	c = frame_alloc(&fa, 3, 3);
	assert_true(c != 0 && (c / PAGE_SIZE) % 3 == 0);
	/* Unaligned requests take the lowest free frame. */
	assert_true(frame_alloc(&fa, 1, 0) == IMAGE_END - IMAGE_END % PAGE_SIZE + PAGE_SIZE);
}

static void test_alloc_free_realloc(void **state)
{
	uint64_t before, a, b;

	(void)state;
	setup_from_boot_info();
	before = fa.nfree;
	a = frame_alloc(&fa, 4, 1);
	assert_true(a != 0);
	assert_true(fa.nfree == before - 4);
	b = frame_alloc(&fa, 4, 1);
	assert_true(b == a + 4 * PAGE_SIZE);
	assert_int_equal(frame_free(&fa, a, 4), 0);
	assert_true(fa.nfree == before - 4);
	/* First fit: the freed run comes back. */
	assert_true(frame_alloc(&fa, 4, 1) == a);
	assert_true(frame_alloc(&fa, 1, 1) == b + 4 * PAGE_SIZE);
	assert_int_equal(frame_free(&fa, b + 4 * PAGE_SIZE, 1), 0);
	assert_int_equal(frame_free(&fa, a, 4), 0);
	assert_int_equal(frame_free(&fa, b, 4), 0);
	assert_true(fa.nfree == before);
}

static void test_bad_frees(void **state)
{
	uint64_t before, a;
	uint64_t snapshot[FRAME_BITMAP_WORDS(RAM_FRAMES)];

	(void)state;
	setup_from_boot_info();
	a = frame_alloc(&fa, 4, 1);
	assert_int_equal(frame_free(&fa, a + 2 * PAGE_SIZE, 2), 0);

	/* Half of it is free now: the whole free must fail and change nothing. */
	before = fa.nfree;
	memcpy(snapshot, bitmap, sizeof(snapshot));
	assert_int_equal(frame_free(&fa, a, 4), -1);
	assert_int_equal(frame_free(&fa, a + 2 * PAGE_SIZE, 2), -1);   /* double free */
	assert_int_equal(frame_free(&fa, a + 1, 1), -1);               /* misaligned */
	assert_int_equal(frame_free(&fa, a, 0), -1);                   /* nothing */
	assert_int_equal(frame_free(&fa, 0, 1), -1);                   /* frame 0 */
	assert_int_equal(frame_free(&fa, RAM_END, 1), -1);             /* past the end */
	assert_int_equal(frame_free(&fa, RAM_END - PAGE_SIZE, 2), -1);
	assert_int_equal(frame_free(&fa, PAGE_SIZE, UINT64_MAX), -1);  /* would wrap */
	assert_true(fa.nfree == before);
	assert_memory_equal(snapshot, bitmap, sizeof(snapshot));

	assert_int_equal(frame_free(&fa, a, 2), 0);
	assert_true(fa.nfree == before + 2);
}

static void test_exhaustion_and_bad_requests(void **state)
{
	(void)state;
	frame_init(&fa, bitmap, 100);    /* not a multiple of 64 */
	assert_true(fa.nfree == 0);
	assert_true(frame_alloc(&fa, 1, 1) == 0);
	frame_add_free(&fa, 0, 100 * PAGE_SIZE);
	assert_true(fa.nfree == 99);     /* frame 0 never */
	assert_true(frame_alloc(&fa, 0, 1) == 0);
	assert_true(frame_alloc(&fa, 100, 1) == 0);
	assert_true(frame_alloc(&fa, 101, 1) == 0);
	assert_true(frame_alloc(&fa, 1, 128) == 0);  /* no multiple of 128 but 0 */
	assert_true(frame_alloc(&fa, 32, 32) == 32 * PAGE_SIZE);
	assert_true(frame_alloc(&fa, 32, 32) == 64 * PAGE_SIZE);
	assert_true(frame_alloc(&fa, 32, 32) == 0);  /* 96 + 32 > 100 */
	assert_true(frame_alloc(&fa, 32, 1) == 0);   /* runs left: 1..31, 96..99 */
	assert_true(frame_alloc(&fa, 31, 1) == PAGE_SIZE);
	assert_true(frame_alloc(&fa, 4, 1) == 96 * PAGE_SIZE);
	assert_true(fa.nfree == 0);
	assert_true(frame_alloc(&fa, 1, 1) == 0);
	/* The bits past nframes in the last word stayed used. */
	assert_true(bitmap[1] == UINT64_MAX);
}

static void test_add_free_and_reserve_rounding(void **state)
{
	(void)state;
	frame_init(&fa, bitmap, 64);
	/* Inward: [0x1800, 0x5800) holds whole frames 2, 3, 4. */
	frame_add_free(&fa, 0x1800, 0x4000);
	assert_true(fa.nfree == 3);
	assert_true(bitmap[0] == ~(uint64_t)0x1C);
	/* Adding again changes no count. */
	frame_add_free(&fa, 0x2000, 0x3000);
	assert_true(fa.nfree == 3);
	/* Less than a page inside one frame: nothing. */
	frame_add_free(&fa, 0x7001, 0xFFE);
	assert_true(fa.nfree == 3);
	/* Outward: [0x2FFF, 0x3001) touches frames 2 and 3. */
	frame_reserve(&fa, 0x2FFF, 2);
	assert_true(fa.nfree == 1);
	assert_true(frame_alloc(&fa, 1, 1) == 4 * PAGE_SIZE);
	/* Zero lengths do nothing; frame 0 never becomes free. */
	frame_reserve(&fa, 0x4000, 0);
	frame_add_free(&fa, 0, PAGE_SIZE);
	assert_true(fa.nfree == 0);
	/* Ranges past nframes or past 2^64 are clipped, not wrapped. */
	frame_add_free(&fa, 60 * PAGE_SIZE, 100 * PAGE_SIZE);
	assert_true(fa.nfree == 4);
	frame_add_free(&fa, UINT64_MAX - PAGE_SIZE, 3 * PAGE_SIZE);
	frame_reserve(&fa, UINT64_MAX - PAGE_SIZE, 3 * PAGE_SIZE);
	assert_true(fa.nfree == 4);
	frame_reserve(&fa, 62 * PAGE_SIZE, UINT64_MAX);
	assert_true(fa.nfree == 2);
	frame_add_free(&fa, PAGE_SIZE, UINT64_MAX);
	assert_true(fa.nfree == 63);
}

static void test_large_machine(void **state)
{
	uint64_t n = 0, addr, last = 0;

	(void)state;
	/* 4 GiB, 1M frames: 2 MiB blocks until exhaustion, then single frames. */
	frame_init(&fa, bitmap, BIG_FRAMES);
	frame_add_free(&fa, 1 * MiB, 4 * GiB - 1 * MiB);
	frame_reserve(&fa, 3 * GiB, 1 * GiB);
	while ((addr = frame_alloc(&fa, HUGE_PAGES, HUGE_PAGES)) != 0) {
		assert_true(addr % (2 * MiB) == 0 && addr > last);
		last = addr;
		n++;
	}
	assert_true(n == 3 * GiB / (2 * MiB) - 1);   /* [0, 2M) is not all free */
	assert_true(fa.nfree == 256);                  /* [1M, 2M) */
	n = 0;
	while (frame_alloc(&fa, 1, 1) != 0)
		n++;
	assert_true(n == 256);
	/* Free every other frame of a large area: no 2-frame run anywhere. */
	for (addr = 1 * GiB; addr < 2 * GiB; addr += 2 * PAGE_SIZE)
		assert_int_equal(frame_free(&fa, addr, 1), 0);
	assert_true(frame_alloc(&fa, 2, 1) == 0);
	assert_true(frame_alloc(&fa, 1, 2) == 1 * GiB);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_setup_never_hands_out_forbidden_frames),
		T(test_setup_from_mem_lower_upper_map),
		T(test_alignment),
		T(test_alloc_free_realloc),
		T(test_bad_frees),
		T(test_exhaustion_and_bad_requests),
		T(test_add_free_and_reserve_rounding),
		T(test_large_machine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
