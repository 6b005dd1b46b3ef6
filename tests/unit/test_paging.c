/*
 * tests/unit/test_paging.c - host unit tests for kernel/paging.c's
 * pt_map_identity_2m, on page tables in a buffer.
 *
 * Context: Linux host, cmocka. The tables' "physical" addresses are their
 * host addresses, as in the kernel's identity map. setup() builds what
 * boot/entry.asm builds: PML4[0] -> a PDPT whose first 4 entries are PDs of
 * 2 MiB pages (0-4 GiB). The tests map framebuffers where real machines have
 * them (256 GiB, 512 GiB and up, across a 1 GiB boundary) and check every
 * entry, then the refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/paging.h"

#define ENTRIES 512
#define POOL    4

static uint64_t pml4[ENTRIES] __attribute__((aligned(4096)));
static uint64_t pdpt[ENTRIES] __attribute__((aligned(4096)));
static uint64_t pd[4][ENTRIES] __attribute__((aligned(4096)));
static uint64_t pool_pages[POOL * ENTRIES] __attribute__((aligned(4096)));
static struct pt_pool pool;

static uint64_t *table(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(entry & PT_ADDR_MASK);
}

/* The PDE that maps address a, or 0 when a table on the way is missing. */
static uint64_t pde_for(uint64_t a)
{
	uint64_t e = pml4[(a >> 39) & 511];

	if (!(e & PT_PRESENT))
		return 0;
	e = table(e)[(a >> 30) & 511];
	if (!(e & PT_PRESENT))
		return 0;
	if (e & PT_PS)
		return e;
	return table(e)[(a >> 21) & 511];
}

static int setup(void **state)
{
	(void)state;
	memset(pml4, 0, sizeof(pml4));
	memset(pdpt, 0, sizeof(pdpt));
	memset(pool_pages, 0xEE, sizeof(pool_pages));     /* the walk must clear what it takes */
	pml4[0] = (uint64_t)(uintptr_t)pdpt | PT_PRESENT | PT_WRITE;
	for (int i = 0; i < 4; i++) {
		pdpt[i] = (uint64_t)(uintptr_t)pd[i] | PT_PRESENT | PT_WRITE;
		for (int j = 0; j < ENTRIES; j++)
			pd[i][j] = ((uint64_t)i << 30 | (uint64_t)j << 21) | PT_PRESENT | PT_WRITE | PT_PS;
	}
	pool = (struct pt_pool){ .pages = pool_pages, .npages = POOL };
	return 0;
}

static void test_map_at_256g(void **state)
{
	const uint64_t fb = 0x4000000000ULL, len = 1920 * 1080 * 4;

	(void)state;
	assert_int_equal(pde_for(fb), 0);                  /* the control: not mapped before */
	assert_int_equal(pt_map_identity_2m(pml4, fb, len, PT_PCD, &pool), 0);
	assert_int_equal(pool.used, 1);                    /* one PD under the existing PDPT */
	for (uint64_t a = fb; a < fb + len; a += PT_LARGE_2M)
		assert_true(pde_for(a) == (a | PT_PRESENT | PT_WRITE | PT_PS | PT_PCD));
	assert_true(pde_for(fb + len + PT_LARGE_2M) == 0); /* nothing past the end */
	/* The low 4 GiB are untouched. */
	assert_true(pde_for(0x80000000) == (0x80000000 | PT_PRESENT | PT_WRITE | PT_PS));
	/* Mapping it again takes no page and changes nothing. */
	assert_int_equal(pt_map_identity_2m(pml4, fb, len, PT_PCD, &pool), 0);
	assert_int_equal(pool.used, 1);
}

static void test_map_above_512g_across_1g(void **state)
{
	const uint64_t fb = 0x8000000000ULL + 1 * GiB - 4 * MiB + 0x1000;   /* unaligned, crosses 1 GiB */

	(void)state;
	assert_int_equal(pt_map_identity_2m(pml4, fb, 8 * MiB, 0, &pool), 0);
	assert_int_equal(pool.used, 3);                    /* a PDPT and two PDs */
	for (uint64_t a = ALIGN_DOWN(fb, PT_LARGE_2M); a < fb + 8 * MiB; a += PT_LARGE_2M)
		assert_true(pde_for(a) == (a | PT_PRESENT | PT_WRITE | PT_PS));
	assert_true(pml4[1] & PT_PRESENT);
}

static void test_below_4g_left_alone(void **state)
{
	(void)state;
	pd[2][0] |= PT_PCD;                                /* someone's own setting */
	assert_int_equal(pt_map_identity_2m(pml4, 2 * GiB, 4 * MiB, 0, &pool), 0);
	assert_int_equal(pool.used, 0);
	assert_true(pd[2][0] & PT_PCD);
	/* A 1 GiB page covers it: left as it is. */
	pdpt[5] = (5 * GiB) | PT_PRESENT | PT_WRITE | PT_PS;
	assert_int_equal(pt_map_identity_2m(pml4, 5 * GiB + 6 * MiB, 1 * MiB, 0, &pool), 0);
	assert_int_equal(pool.used, 0);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_int_equal(pt_map_identity_2m(pml4, 0x4000000000ULL, 0, 0, &pool), -1);
	assert_int_equal(pt_map_identity_2m(pml4, UINT64_MAX - 10, 100, 0, &pool), -1);
	assert_int_equal(pt_map_identity_2m(pml4, PT_CANONICAL_TOP - 1 * MiB, 2 * MiB, 0, &pool), -1);
	/* A PDE pointing to a 4 KiB page table is not ours to change. */
	pd[1][3] = (uint64_t)(uintptr_t)pool_pages | PT_PRESENT | PT_WRITE;
	assert_int_equal(pt_map_identity_2m(pml4, 1 * GiB + 3 * PT_LARGE_2M, 1, 0, &pool), -1);
	/* The pool runs out: four 1 GiB-apart ranges above 512 GiB need a PDPT and four PDs. */
	setup(NULL);
	assert_int_equal(pt_map_identity_2m(pml4, 0x8000000000ULL, 3 * GiB + 1, 0, &pool), -1);
	assert_int_equal(pool.used, POOL);
}

#define T(name) cmocka_unit_test_setup(name, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_map_at_256g),
		T(test_map_above_512g_across_1g),
		T(test_below_4g_left_alone),
		T(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
