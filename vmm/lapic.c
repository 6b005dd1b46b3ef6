/*
 * vmm/lapic.c - the guest's xAPIC page.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 * (Being completed: register emulation with instruction decoding.)
 */
#include "vmm/lapic.h"

bool lapic_mmio_access(struct vcpu *v, uint64_t gpa)
{
	return false;
}
