/*
 * vmm/break.h - break=: corrupt one VMCS field on purpose before the first
 * VM entry, so students can see each class of VM-entry failure and how
 * chronovisor diagnoses it. A teaching aid, documented in README.md.
 *
 * Context: VMX root, with the vCPU's VMCS current (called by the run loop
 * right before the vCPU's first entry).
 */
#ifndef CV_BREAK_H
#define CV_BREAK_H

#include "vmm/core/vm.h"

enum break_kind {
	BREAK_NONE,
	BREAK_TR_TYPE,       /* guest TR type 9 (available) instead of 11 (busy): exit 33 */
	BREAK_CS_ACCESSED,   /* guest CS access rights without the accessed bit: exit 33 */
	BREAK_LINK_POINTER,  /* VMCS link pointer 0 instead of ~0: exit 33, qualification 4 */
	BREAK_CR0_NE,        /* guest CR0.NE = 0 (CR0_FIXED0 requires it): exit 33 */
	BREAK_RFLAGS,        /* guest RFLAGS bit 1 clear: exit 33 */
	BREAK_HOST_TR,       /* host TR selector 0: VMfailValid 8 (host state) */
	BREAK_CONTROLS,      /* a pin-based control that must be 0 set: VMfailValid 7 */
	NUM_BREAKS
};

extern const char *const break_names[];   /* NULL-terminated, for the option table */

/* entry_checked: the software entry checker will see the VMCS before the
 * CPU does (entry_check= is not off); only the announcement differs. */
void break_apply(struct vcpu *v, enum break_kind kind, bool entry_checked);

#endif
