/*
 * vmx/vmcs_setup.h - filling a VMCS: controls, host state, initial guest state.
 *
 * Context: VMX root, with the vCPU's VMCS current on this pCPU.
 */
#ifndef CV_VMCS_SETUP_H
#define CV_VMCS_SETUP_H

#include "lib/types.h"

struct vcpu;

/* Everything a new vCPU's VMCS needs, in the order of the SDM's chapters
 * (host state, execution controls, exit, entry, guest state): the guest
 * starts in the Multiboot state at entry_eip with EAX = eax, EBX = ebx. */
void vmcs_init_multiboot(struct vcpu *v, uint32_t entry_eip, uint32_t eax, uint32_t ebx);

/* Start the (current) VMCS's guest in real mode at the SIPI vector's page,
 * as an AP after INIT-SIPI. */
void vmcs_init_realmode(struct vcpu *v, uint8_t vector);

/* The host-state fields that differ between pCPUs (TR, GS base, GDTR, IDTR):
 * written again whenever the VMCS is loaded on another pCPU. */
void vmcs_write_host_state(void);

#endif
