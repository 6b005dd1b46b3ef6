/*
 * vmm/dev/cpuid.h - the CPUID leaves a guest sees (vmm/dev/cpuid.c).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#ifndef CV_DEV_CPUID_H
#define CV_DEV_CPUID_H

#include "vmm/core/vm.h"

/* Does the guest's CPUID.1:ECX show MONITOR/MWAIT? The MONITOR and MWAIT
 * exits follow it: shown, they are emulated (as NOPs); hidden, #UD. */
bool cpuid_guest_monitor(void);

/* Exit reason 10 (CPUID, which always exits in VMX non-root operation). */
void handle_cpuid(struct vcpu *v);

#endif
