/*
 * guest/lib/rand.c - see guest/lib/rand.h.
 *
 * Context: guest, any mode.
 */
#include "guest/lib/rand.h"

#define XORSHIFT_STAR_MULT 0x2545F4914F6CDD1DULL
#define DECADE             10

static uint64_t state = 1;

void rand_seed(uint64_t seed)
{
	state = seed ? seed : 1;
}

uint64_t rand_next(void)
{
	uint64_t x = state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	return x * XORSHIFT_STAR_MULT;
}

uint64_t rand_log_uniform(uint64_t lo, uint64_t hi)
{
	uint64_t decades[20], n = 0;

	for (uint64_t d = 1; d < hi && n < sizeof(decades) / sizeof(decades[0]); d *= DECADE)
		if (d * DECADE > lo)
			decades[n++] = d;
	if (n == 0)
		return lo;      /* lo == hi */
	uint64_t base = decades[rand_next() % n];
	uint64_t a = base < lo ? lo : base;
	uint64_t b = base * DECADE - 1 > hi ? hi : base * DECADE - 1;

	return a + rand_next() % (b - a + 1);
}

/* One heapsort per element type: the same code, its own comparison. */
#define DEFINE_HEAPSORT(name, type)                                             \
	static void name##_sift(type *a, size_t i, size_t n)                    \
	{                                                                       \
		for (;;) {                                                      \
			size_t c = 2 * i + 1;                                   \
			if (c >= n)                                             \
				return;                                         \
			if (c + 1 < n && a[c + 1] > a[c])                       \
				c++;                                            \
			if (a[i] >= a[c])                                       \
				return;                                         \
			type t = a[i];                                          \
			a[i] = a[c];                                            \
			a[c] = t;                                               \
			i = c;                                                  \
		}                                                               \
	}                                                                       \
	void name(type *a, size_t n)                                            \
	{                                                                       \
		for (size_t i = n / 2; i-- > 0;)                                \
			name##_sift(a, i, n);                                   \
		for (size_t end = n; end-- > 1;) {                              \
			type t = a[0];                                          \
			a[0] = a[end];                                          \
			a[end] = t;                                             \
			name##_sift(a, 0, end);                                 \
		}                                                               \
	}

DEFINE_HEAPSORT(sort_u64, uint64_t)
DEFINE_HEAPSORT(sort_i64, int64_t)
