/*
 * vmm/dev/msr_emul.h - RDMSR and WRMSR of the MSRs the MSR bitmap traps
 * (vmm/dev/msr_emul.c).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#ifndef CV_DEV_MSR_EMUL_H
#define CV_DEV_MSR_EMUL_H

#include "vmm/core/vm.h"

/* Exit reasons 31 and 32 (RDMSR, WRMSR). */
void handle_rdmsr(struct vcpu *v);
void handle_wrmsr(struct vcpu *v);

#endif
