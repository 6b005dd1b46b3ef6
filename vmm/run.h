/*
 * vmm/run.h - one slice of one vCPU on this pCPU: load, run, put away.
 *
 * Context: VMX root, interrupts off, on the pCPU the scheduler chose.
 */
#ifndef CV_RUN_H
#define CV_RUN_H

#include "vmm/core/vm.h"

/* Load v here (VMPTRLD, host state, TSC_OFFSET for this pCPU, the MSRs that
 * travel with it), run it until its slice of slice_ticks ends (after every
 * exit when every_exit), it sleeps or its VM ends, then put it away: VMCLEAR
 * here, unless stay says its next slice runs on this pCPU too (migrate=off),
 * in which case its VMCS stays active here and the next load skips what
 * only a move needs. */
void vcpu_run_slice(struct vcpu *v, uint64_t slice_ticks, bool every_exit, bool stay);

#endif
