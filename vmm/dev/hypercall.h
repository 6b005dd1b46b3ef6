/*
 * vmm/dev/hypercall.h - VMCALL: the hypercalls of vmm/core/hypercall_abi.h
 * (vmm/dev/hypercall.c).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#ifndef CV_DEV_HYPERCALL_H
#define CV_DEV_HYPERCALL_H

#include "vmm/core/vm.h"

/* Exit reason 18 (VMCALL). */
void handle_vmcall(struct vcpu *v);

#endif
