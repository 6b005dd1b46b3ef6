/*
 * vmm/dev/lapic_timer.h - the local APIC timer's helpers for the APIC
 * itself (vmm/dev/lapic.c); the entry points the rest of the hypervisor
 * calls (lapic_timer_load, lapic_timer_service, lapic_guest_tsc_changed)
 * are in vmm/dev/lapic.h.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current, with the
 * APIC's lock held.
 */
#ifndef CV_DEV_LAPIC_TIMER_H
#define CV_DEV_LAPIC_TIMER_H

#include "vmm/dev/lapic_state.h"

/* The shortest period of a periodic timer, in microseconds of guest time. */
#define TIMER_MIN_PERIOD_US     200

/* LVT timer mode 10b. */
bool lapic_timer_deadline_mode(const struct lapic *l);

/* Start a one-shot or periodic count of `count` at guest TSC now (0 stops
 * it). */
void lapic_timer_start_count(struct lapic *l, uint64_t now, uint32_t count);

/* TMCCT now: 0 in TSC-deadline mode and when stopped. */
uint32_t lapic_timer_current(struct vcpu *v, const struct lapic *l);

/* The host instants of the timer (and of a held timer interrupt) on this
 * pCPU and on the reference timeline: v->timer_host, v->timer_wake. */
void lapic_timer_rederive(struct vcpu *v, struct lapic *l);

/* The guest wrote IA32_TSC_DEADLINE: ignored outside TSC-deadline mode;
 * 0 disarms. True when the new deadline is already due here (the caller
 * services it once the lock is dropped). */
bool lapic_timer_write_deadline(struct vcpu *v, struct lapic *l, uint64_t val);

/* A register write (lapic_regs.h: LAPIC_FX_TIMER) changed TMICT, TDCR or
 * the LVT timer's mode: old_initial is TMICT before it, cur the count
 * before a TDCR write. */
void lapic_timer_written(struct vcpu *v, struct lapic *l, unsigned off, uint32_t old_initial,
			 uint32_t cur);

/* INIT, or the APIC disabled: the timer stopped, the deadline 0, nothing
 * owed or held. */
void lapic_timer_reset(struct vcpu *v, struct lapic *l);

#endif
