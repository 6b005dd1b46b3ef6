/*
 * vmm/sched.h - the scheduler: every vCPU of every VM over every pCPU.
 *
 * Context: VMX root, interrupts off; sched_run_all() on pCPU 0, which hands
 * the APs their scheduler loops through smp_call(). INIT puts a vCPU in
 * wait-for-SIPI, kept in software (docs/platform.md, "Wait-for-SIPI
 * activity state"): vmm/core/vcpu.h signals it under vcpu_state_lock.
 */
#ifndef CV_SCHED_H
#define CV_SCHED_H

#include "vmm/core/vm.h"

/* Run every VM to its end on all pCPUs, with slice=, migrate= and the
 * watchdog from hv_opts; report each VM; true if every VM passed. */
bool sched_run_all(void);

#endif
