/*
 * tests/fuzz/fake_vmm.h - the fake VMCS and platform of tests/fuzz/fake_vmm.c.
 */
#ifndef CV_FAKE_VMM_H
#define CV_FAKE_VMM_H

#include "lib/types.h"

void fake_vmcs_set(uint32_t field, uint64_t value);
uint64_t fake_vmcs_get(uint32_t field);
void fake_vmcs_clear(void);
extern uint64_t fake_vmcs_writes;

/* Point GS at percpu[0] (this_cpu()); once per process. */
void fake_percpu_init(void);

/* What ref_now() returns; the harness moves it forward. */
extern uint64_t fake_ref_clock;

#endif
