/*
 * vmm/dev/lapic.h - the guest's local APIC (xAPIC page), emulated.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 * The state of each vCPU's APIC lives in vmm/dev/lapic.c (indexed by VM and vCPU
 * id); it is set to its power-up values on first use or by lapic_reset.
 */
#ifndef CV_LAPIC_H
#define CV_LAPIC_H

#include "vmm/core/vm.h"

/* If gpa lies in the VM's xAPIC page (IA32_APIC_BASE), emulate the access
 * (read or write, decoded from the guest's instruction), advance RIP past
 * it and return true; the VM may have been ended instead (an instruction
 * that cannot be decoded, a fetch, a write that is not an aligned 32-bit
 * store). Return false for any other address. */
bool lapic_mmio_access(struct vcpu *v, uint64_t gpa);

/* Put v's APIC into its power-up/INIT state (SDM Vol. 3A, "Local APIC State
 * After Power-Up or Reset"): for an emulated INIT of that vCPU. */
void lapic_reset(struct vcpu *v);

/* Print the VM's EOI and absorbed-IPI counts, if any (for the end of a run). */
void lapic_vm_summary(struct vm *vm);

#endif
