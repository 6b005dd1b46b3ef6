/*
 * vmm/lapic.h - the guest's local APIC (xAPIC page), emulated.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#ifndef CV_LAPIC_H
#define CV_LAPIC_H

#include "vmm/vm.h"

/* If gpa lies in the vCPU's xAPIC page, emulate the access (read or write,
 * decoded from the guest's instruction) and return true. */
bool lapic_mmio_access(struct vcpu *v, uint64_t gpa);

#endif
