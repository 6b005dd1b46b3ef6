/*
 * guest/lib/rand.h - a seeded random sequence, the log-uniform distances the
 * timer guests arm, and sorting for their medians.
 *
 * Context: guest, any mode. Seeded, so a run repeats exactly (and Bochs is
 * deterministic): not for anything that needs real randomness.
 */
#ifndef GUEST_RAND_H
#define GUEST_RAND_H

#include <stddef.h>
#include <stdint.h>

/* xorshift64*; a seed of 0 is taken as 1 (xorshift never leaves 0). */
void rand_seed(uint64_t seed);
uint64_t rand_next(void);

/* A value in [lo, hi], log-uniform by decade: a decade that overlaps the
 * range first, then a value in it (lo when lo == hi). */
uint64_t rand_log_uniform(uint64_t lo, uint64_t hi);

/* In-place heapsort (no recursion, no extra memory). */
void sort_u64(uint64_t *a, size_t n);
void sort_i64(int64_t *a, size_t n);

#endif
