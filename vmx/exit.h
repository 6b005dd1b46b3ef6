/*
 * vmx/exit.h - from a VM exit (or a failed entry) to its handler.
 *
 * Context: VMX root, on the pCPU where v's VMCS is current.
 */
#ifndef CV_EXIT_H
#define CV_EXIT_H

#include "vmm/exits.h"
#include "vmm/core/vm.h"
#include "vmx/exit_reasons.h"
#include "vmx/vmcs.h"

/* Handlers by basic exit reason; NULL = not handled (fatal for the VM). */
extern const exit_handler_t exit_handlers[EXIT_REASON_MAX];

/* VMLAUNCH/VMRESUME failed (vmx_run() returned fail_class 1 or 2): decode
 * VMfailInvalid / VMfailValid with its error name, dump, end the VM. */
void vmx_entry_failed(struct vcpu *v, int fail_class);

/* A failed entry (exit reason bit 31: 33, 34, 41) or an exit without a
 * handler: dump, name it, end the VM. Off the hot path. */
void vmx_exit_unhandled(struct vcpu *v);

/* After a VM exit: read the reason, qualification and RIP once, count the
 * exit, and call its handler through the bounds-checked table. Inline: this
 * is the path every exit takes. */
static inline void vmx_dispatch_exit(struct vcpu *v)
{
	v->launched = true;
	v->exit_reason = vmcs_read32(VM_EXIT_REASON);
	v->exit_qualification = vmcs_readnat(EXIT_QUALIFICATION);
	v->rip = vmcs_readnat(GUEST_RIP);

	uint32_t basic = EXIT_REASON_BASIC(v->exit_reason);
	/* Reasons past the counters' range share the last slot. */
	v->last_basic_reason = basic < HC_EXIT_REASONS ? basic : HC_EXIT_REASONS - 1;
	v->counters.exits_total++;
	v->counters.exits_by_reason[v->last_basic_reason]++;

	exit_handler_t h = NULL;
	if (basic < EXIT_REASON_MAX && !(v->exit_reason & EXIT_REASON_FAILED_VMENTRY))
		h = exit_handlers[basic];
	if (__builtin_expect(!h, 0))
		vmx_exit_unhandled(v);
	else
		h(v);
}

/* Guest registers and the full named VMCS dump. */
void vcpu_dump(struct vcpu *v);

#endif
