/*
 * vmx/exit.h - from a VM exit (or a failed entry) to its handler.
 *
 * Context: VMX root, on the pCPU where v's VMCS is current.
 */
#ifndef CV_EXIT_H
#define CV_EXIT_H

#include "vmm/vm.h"

/* enter_result: what vmx_enter() returned (0 = a VM exit happened). */
void vmx_handle_exit(struct vcpu *v, int enter_result);

/* Guest registers and the full named VMCS dump. */
void vcpu_dump(struct vcpu *v);

#endif
