/*
 * guest/lib/spinlock.h - a test-and-test-and-set spinlock for SMP test guests.
 *
 * Context: guest, 64-bit mode, any CPU, interrupts off (the library never
 * sets IF, so the guest itself never interrupts a lock holder).
 *
 * Why not a ticket lock: a fair (FIFO) lock hands the lock to the CPU whose
 * ticket is next even when that CPU is not running - a vCPU the hypervisor
 * has descheduled, or a QEMU vCPU thread the host has not scheduled - and
 * every CPU behind it waits too (lock-waiter preemption). Measured: bare
 * QEMU TCG with -smp 4 on a loaded 2-core host took 160 s for 80000 ticket
 * handoffs that otherwise take under a second. Here whoever runs when the
 * lock is free takes it, and waiters go through smp_relax(), which under
 * chronovisor gives the pCPU away now and then (HC_YIELD), so a descheduled
 * holder gets to run.
 * Ordering: spin_lock() is an acquire, spin_unlock() a release (the
 * __atomic builtins; on x86-TSO plain loads and stores already are).
 * Not recursive: a CPU that takes a lock it holds waits forever.
 */
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	uint32_t locked;        /* 0 free, 1 held */
} spinlock_t;

#define SPINLOCK_INIT { 0 }

void smp_relax(void);      /* guest/lib/smp.c: PAUSE, now and then HC_YIELD */

static inline bool spin_trylock(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) == 0 &&
	       __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))   /* read-only spin */
			smp_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

#endif
