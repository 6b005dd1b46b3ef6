/*
 * vmx/exit.h - naming what a VM exit or a failed VM entry was.
 *
 * Context: VMX root (and host unit tests: no VMCS access here). The
 * mechanism names; the policy layer (vmm/exit.c) decides what to do.
 */
#ifndef CV_EXIT_H
#define CV_EXIT_H

#include "lib/types.h"
#include "vmx/exit_reasons.h"
#include "vmx/guest_regs.h"

/* The exit qualification of exit 33 (invalid guest state) in words, SDM
 * Vol. 3C, "VM-Entry Failures During or After Loading Guest State". */
const char *vmx_invalid_state_detail(uint64_t qualification);

#endif
