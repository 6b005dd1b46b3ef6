/*
 * vmm/sched.h - every vCPU of every VM over every pCPU.
 *
 * Context: VMX root, interrupts off; sched_run_all on the boot CPU, the
 * scheduler loop on every pCPU.
 */
#ifndef CV_SCHED_H
#define CV_SCHED_H

#include "vmm/core/vm.h"

/* Run every VM to its end on all pCPUs; report; true if every VM passed. */
bool sched_run_all(void);

/* The slice= length in host ticks (preemption timer and exit-time check). */
uint64_t sched_slice_ticks(void);

/* migrate=every-exit: leave the pCPU after every exit. */
extern bool sched_every_exit;

/* Virtual INIT and SIPI between a VM's own vCPUs (from the xAPIC ICR):
 * INIT puts a vCPU in wait-for-SIPI (kept in software, see PLATFORM.md),
 * SIPI starts it in real mode at the vector's page. */
void sched_vcpu_init_signal(struct vcpu *target);
void sched_vcpu_sipi(struct vcpu *target, uint8_t vector);

/* Parse migrate= (off|rr|random:SEED|every-exit); false with a message in err. */
bool sched_parse_migrate(const char *s, char *err, size_t errlen);

#endif
