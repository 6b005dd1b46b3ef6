/*
 * vmm/inject.h - what a vCPU gets at its next VM entry: the event an exit
 * interrupted, an NMI, an interrupt from its local APIC, and the
 * VMX-preemption timer armed for its APIC timer.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current, with
 * interrupts off. vmm/run.c calls vcpu_prepare_entry before the first entry
 * of a slice, vmm/exit.c before every VMRESUME after an exit.
 */
#ifndef CV_VMM_INJECT_H
#define CV_VMM_INJECT_H

#include "vmm/core/vm.h"
#include "vmx/vmx_defs.h"

/* The window-exiting controls vmm/inject.c switches per entry. */
#define INJECT_WINDOW_BITS (CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING)

/* An exit with valid IDT-vectoring information (SDM Vol. 3C, "Information
 * for VM Exits That Occur During Event Delivery"): remember the event, to
 * deliver it again at the next entry, whichever pCPU that is on. */
void inject_record_vectoring(struct vcpu *v, uint32_t idt_info);

/* Fill the VM-entry interruption-information field and the window-exiting
 * controls (SDM Vol. 3C, "Event Injection", "Interrupt-Window Exiting and
 * Virtual-Interrupt Delivery", "NMI-Window Exiting"), the TPR threshold
 * (TPR shadow), and the preemption timer (the earlier of the slice's end
 * and the APIC timer; SDM Vol. 3C, "VMX-Preemption Timer"). Then recompute
 * v->entry_work: the common exit, with no event and no timer, skips this
 * call altogether (vmm/exit.c). */
void vcpu_prepare_entry_slow(struct vcpu *v, uint32_t ev);

/* vcpu_prepare_entry when nothing is pending, no event is to be delivered
 * again, no window exit or TPR threshold is set and the APIC timer is idle:
 * nothing to write. */
static inline void vcpu_prepare_entry_none(struct vcpu *v)
{
	v->event_injected = false;
	v->entry_work = false;
}

static inline void vcpu_prepare_entry(struct vcpu *v)
{
	uint32_t ev = __atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE);

	/* Inline: most loads (every move) have nothing to inject and no
	 * APIC timer on the preemption timer. */
	if (v->reinject_info || (ev & (EV_NMI | EV_IRR)) || (v->proc_ctls & INJECT_WINDOW_BITS) ||
	    v->tpr_threshold || v->timer_host != UINT64_MAX || v->ptimer_short) {
		vcpu_prepare_entry_slow(v, ev);
		return;
	}
	vcpu_prepare_entry_none(v);
}

/* Forget every event (INIT): entry field cleared, window exits off. */
void inject_reset(struct vcpu *v);

#endif
