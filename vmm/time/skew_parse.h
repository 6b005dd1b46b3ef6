/*
 * vmm/time/skew_parse.h - the skew= option: injected TSC skew per pCPU, in ticks.
 *
 * Context: any; pure C with no hardware access, built into the kernel and
 * unit-tested on the host (tests/unit/test_skew_parse.c). vmm/time/tsc_sync.c
 * applies the result by writing IA32_TSC on the APs.
 *
 * Syntax (the value after "skew="):
 *   S0,S1,...        signed decimal ticks per pCPU, '+' optional ("0,+1000000,-250000");
 *                    fewer entries than pCPUs: the rest get 0; more: an error.
 *                    pCPU 0 is the reference the others are measured against, so
 *                    its entry must be 0.
 *   random:SEED:MAX  pCPU 0 gets 0, every other pCPU a value drawn uniformly from
 *                    [-MAX, MAX] with splitmix64 seeded by SEED (unsigned decimal).
 *                    pCPU i's value depends on SEED, MAX and i only, never on
 *                    how many pCPUs there are.
 *   "" (empty)       no injection: every entry 0.
 * Every value is bounded by SKEW_ABS_MAX so that TSC + skew and differences of
 * skews stay far from int64 overflow.
 */
#ifndef CV_SKEW_PARSE_H
#define CV_SKEW_PARSE_H

#include "lib/types.h"

#define SKEW_ABS_MAX        (1LL << 62)
#define SKEW_RANDOM_PREFIX  "random:"

/*
 * Fill out[0..ncpus-1] from spec. Returns 0, or -1 with a one-line message in
 * err (always NUL-terminated when errlen > 0; err may be NULL) that quotes the
 * whole value as "skew=..." and names the offending entry. out is fully
 * written on success and left unspecified on failure.
 */
int skew_parse(const char *spec, uint32_t ncpus, int64_t *out, char *err, size_t errlen);

/* splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", 2014): advance *state and return the next 64-bit value. */
uint64_t skew_splitmix64(uint64_t *state);

#endif
