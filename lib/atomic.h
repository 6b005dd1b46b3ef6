/*
 * lib/atomic.h - small atomic helpers on top of the compiler's builtins.
 *
 * Context: any. For statistics that two pCPUs may update at once (a vCPU
 * handed over: its old pCPU adds up the put it has just finished while its
 * new pCPU may already be putting it away again, vmm/run.c).
 */
#ifndef CV_ATOMIC_H
#define CV_ATOMIC_H

#include "lib/types.h"

/* *p = MAX(*p, val), atomically. */
static inline void atomic_max_u64(uint64_t *p, uint64_t val)
{
	uint64_t cur = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (val > cur &&
	       !__atomic_compare_exchange_n(p, &cur, val, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;       /* cur now holds what another pCPU stored: compare again */
}

#endif
