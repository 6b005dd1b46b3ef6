/*
 * kernel/cpuset.h - a set of pCPUs (ids 0..MAX_CPUS-1), one bit each.
 *
 * Context: kernel, any pCPU. Plain bit operations: the caller serialises
 * writers (e.g. only the pCPU that holds the vCPU touches its set).
 */
#ifndef CV_CPUSET_H
#define CV_CPUSET_H

#include "kernel/percpu.h"
#include "lib/string.h"

#define CPUSET_WORDS ((MAX_CPUS + 63) / 64)

struct cpuset {
	uint64_t w[CPUSET_WORDS];
};

static inline void cpuset_clear_all(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

static inline bool cpuset_has(const struct cpuset *s, uint32_t cpu)
{
	return (s->w[cpu / 64] >> (cpu % 64)) & 1;
}

static inline void cpuset_add(struct cpuset *s, uint32_t cpu)
{
	s->w[cpu / 64] |= 1ULL << (cpu % 64);
}

#endif
