/*
 * lib/spinlock.h - a test-and-test-and-set spinlock.
 *
 * Context: kernel, any CPU, interrupts off (the hypervisor runs with IF = 0
 * in VMX root operation, so no lock is ever taken from an interrupt).
 */
#ifndef CV_SPINLOCK_H
#define CV_SPINLOCK_H

#include "lib/types.h"

struct spinlock {
	volatile uint32_t locked;
};

static inline bool spin_trylock(struct spinlock *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
