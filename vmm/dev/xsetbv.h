/*
 * vmm/dev/xsetbv.h - the guest's XSETBV (vmm/dev/xsetbv.c).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#ifndef CV_DEV_XSETBV_H
#define CV_DEV_XSETBV_H

#include "lib/types.h"

struct vcpu;

/* Exit reason 55 (XSETBV, which always exits in VMX non-root operation). */
void handle_xsetbv(struct vcpu *v);

/* The XSETBV rules on a new XCR0 value, given the components the guest may
 * enable (SDM Vol. 2B, "XSETBV"; Vol. 1, "Extended Control Register 0"):
 * true when it is allowed. Plain C, for the host unit tests too. */
bool xcr0_valid(uint64_t xcr0, uint64_t allowed);

#endif
