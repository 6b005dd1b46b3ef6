/*
 * vmm/exit.h - from a VM exit to its handler, in one trip.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 *
 * The path of every exit: vmx/entry.asm:vmx_exit_stub stores the guest's
 * registers and calls vmm/exit.c:vmm_handle_exit, which reads the reason,
 * looks the handler up in one bounds-checked table and calls it (in
 * vmm/exits_core.c or vmm/dev/), then says whether to resume at once; the
 * stub resumes or returns to vmm/run.c. A handler either emulates the
 * instruction (and advances RIP with vcpu_skip_instruction) or ends the VM
 * with vm_end(); it returns without doing either only when the exit needs
 * neither (a preemption-timer tick).
 */
#ifndef CV_VMM_EXIT_H
#define CV_VMM_EXIT_H

#include "vmm/core/vm.h"
#include "vmx/guest_regs.h"

typedef void (*exit_handler_t)(struct vcpu *v);

/* The on_exit of vmx_run (vmx/guest_regs.h): dispatch one exit; true to
 * resume the guest at once, false to go back to the run loop. */
bool vmm_handle_exit(struct guest_regs *regs);

/* Called from the exit that ends a vCPU's slice (its VM still running),
 * before the exit returns to the run loop: the scheduler (vmm/sched.c) may
 * hand the vCPU to an idle pCPU right then, which starts loading it while
 * this pCPU puts it away (vmm/run.c, v->handover); the exit then ends
 * there, without returning (vmm/run.c:vcpu_clear_handed). NULL with
 * migrate=off or one pCPU. Set before any vCPU runs. */
extern void (*exit_slice_end_hook)(struct vcpu *v);

/* VMLAUNCH/VMRESUME failed (vmx_run() returned fail_class 1 or 2): name
 * VMfailInvalid / VMfailValid with its error, dump, end the VM. */
void vmm_entry_failed(struct vcpu *v, int fail_class);

/* The event whose delivery this exit interrupted, if any (SDM Vol. 3C,
 * "Information for VM Exits That Occur During Event Delivery"), kept in
 * v->reinject_info to be delivered again (vmm/inject.c). Called once, by
 * vmm/exit.c:exit_during_delivery, before the handler, for the exits that
 * can happen during delivery (the slots it holds in the dispatch table);
 * an instruction's exit (CPUID, VMCALL, MSR, I/O, HLT, CR, ...) cannot. */
void vcpu_capture_vectoring(struct vcpu *v);

/* The exits that need no device model (vmm/exits_core.c). */
void handle_exception_nmi(struct vcpu *v);
void handle_external_interrupt(struct vcpu *v);
void handle_triple_fault(struct vcpu *v);
void handle_hlt(struct vcpu *v);
void handle_invd(struct vcpu *v);
void handle_wbinvd(struct vcpu *v);
void handle_monitor(struct vcpu *v);
void handle_mwait(struct vcpu *v);
void handle_rdpmc(struct vcpu *v);
void handle_vmx_instruction(struct vcpu *v);
void handle_cr_access(struct vcpu *v);
void handle_ept_violation(struct vcpu *v);
void handle_apic_access(struct vcpu *v);
void handle_apic_write(struct vcpu *v);
void handle_eoi_induced(struct vcpu *v);
void handle_pause(struct vcpu *v);
void handle_interrupt_window(struct vcpu *v);
void handle_nmi_window(struct vcpu *v);
void handle_tpr_below_threshold(struct vcpu *v);

/* How close a due APIC timer must be for a HLT to wait for it on its pCPU
 * (halt polling) instead of going through the scheduler. */
#define HALT_POLL_TICKS   20000ULL

/* A halted (HLT, IF = 1) or parked (HLT, IF = 0) vCPU was just loaded here:
 * if it has an event it can take (after polling a timer due within
 * HALT_POLL_TICKS), complete its HLT and return true; otherwise leave it
 * asleep (v->sleeping) and return false. vmm/exits_core.c. */
bool vcpu_hlt_resume(struct vcpu *v);

#endif
