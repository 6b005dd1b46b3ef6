/*
 * vmm/dev/lapic_vapic.h - the virtual-APIC page of a vCPU and the APIC
 * model (vmm/dev/lapic_regs.h) kept in step with it.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current (the
 * owner), with the APIC's lock held. No other pCPU touches the page: while
 * the guest runs, the CPU owns it.
 *
 * apicv=tpr (TPR shadow): the page's TPR (offset 0x80) is the guest's TPR.
 * apicv=on (SDM Vol. 3C, "APIC Virtualization and Virtual Interrupts"): the
 * page is what the guest reads at its xAPIC page, and the CPU itself
 * changes IRR, ISR and TPR there: it delivers the highest virtual IRR
 * vector above the virtual PPR (IRR -> ISR, "Virtual-Interrupt Delivery"),
 * performs EOI ("EOI Virtualization"), TPR writes and xAPIC self-IPIs
 * ("Self-IPI Virtualization") without exits. The model stays the one the
 * hypervisor decides with (IPIs from other pCPUs go into it, the timer,
 * the halt logic read it); the two are reconciled here:
 *   in:  what the CPU did since the last "out" -> the model;
 *   out: the model -> the page and the guest interrupt status (RVI = the
 *        highest IRR vector the page holds, SVI = the highest ISR vector).
 */
#ifndef CV_DEV_LAPIC_VAPIC_H
#define CV_DEV_LAPIC_VAPIC_H

#include "vmm/dev/lapic_state.h"

/* The page -> the model: the TPR; apicv=on also ISR, and IRR: a vector the
 * CPU delivered (in the page at the last "out", gone from its IRR now)
 * leaves the model's IRR unless it was posted again since; a vector the
 * CPU added (self-IPI virtualization) joins it. Each delivered vector is
 * counted, and ends a timer hold or brings the next owed periodic tick. */
void lapic_vapic_in(struct vcpu *v, struct lapic *l);

/* The model -> the page (after lapic_vapic_in at this exit, else a change
 * the CPU made, such as a virtualized EOI, is undone): the TPR; apicv=on also IRR (without a timer
 * vector the guard still holds back), ISR, and RVI/SVI (VMCS current).
 * True when a vector was held back (it is pushed once the guard lets it). */
bool lapic_vapic_out(struct vcpu *v, struct lapic *l);

/* apicv=on: the registers the CPU reads from the page for the guest (ID,
 * version, LDR, DFR, SVR, ESR, ICR, the LVT, TMICT, TDCR, TMR), after the
 * model changed them. */
void lapic_vapic_out_regs(struct vcpu *v, struct lapic *l);

/* A vector the guest's CPU took from IRR (injected by us, or delivered by
 * the CPU): the timer's hold ends, the next owed periodic expiry goes into
 * IRR (true: the caller must see that it reaches the CPU). */
bool lapic_vector_taken(struct vcpu *v, struct lapic *l, uint8_t vector);

/* The timer vector the guard still holds back from the CPU (the guest's
 * TSC, by its policy's view, has not reached its deadline), or -1; when
 * held, the timer's host instant is pulled in to release it. */
int lapic_held_vector(struct vcpu *v, struct lapic *l);

#endif
