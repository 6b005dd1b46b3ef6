/*
 * vmm/run.h - running one vCPU on this pCPU for a slice; the VM report.
 *
 * Context: VMX root, interrupts off, on the pCPU that runs the vCPU.
 */
#ifndef CV_RUN_H
#define CV_RUN_H

#include "vmm/core/vm.h"

/* Load v here (VMPTRLD, host state, TSC_OFFSET for this pCPU, the MSRs that
 * travel with it), run it until its slice ends, it sleeps, or its VM ends,
 * then put it away (VMCLEAR here, so any pCPU can load it next). */
void vcpu_run_slice(struct vcpu *v);

void vcpu_load(struct vcpu *v);
void vcpu_put(struct vcpu *v);

/* Verdict line, statistics and exit counts of an ended VM. */
void report_vm(struct vm *vm);

#endif
