/*
 * vmm/dev/lapic.h - the guest's local APIC, one per vCPU: xAPIC page,
 * x2APIC MSRs, IA32_APIC_BASE, CR8, IPIs between the VM's vCPUs, the APIC
 * timer (one-shot, periodic, TSC-deadline) and the interrupts it presents.
 *
 * Context: VMX root. Unless a function says "any pCPU", it runs on the
 * pCPU where v's VMCS is current. The register model is
 * vmm/dev/lapic_regs.h; the timer counts the guest's own TSC (the APIC
 * timer's input clock is the guest TSC rate, shown in CPUID leaf
 * 0x40000010 EBX), so every timer is a deadline on the guest's TSC,
 * carried to host TSC instants by vmm/time/vtsc.c (docs/interrupts.md).
 */
#ifndef CV_LAPIC_H
#define CV_LAPIC_H

#include "vmm/core/vm.h"
#include "vmm/dev/lapic_state.h"

/* A new vCPU's APIC: power-up state, xAPIC mode at the default base (the
 * BSP flag for vCPU 0), its TSC-deadline mode as CPUID shows it. Boot CPU,
 * at VM creation. */
void lapic_vcpu_init(struct vcpu *v);

/* INIT (SDM Vol. 3A, "Local APIC State After an INIT Reset"): registers
 * back to power-up except the ID; IA32_APIC_BASE (so the x2APIC mode)
 * unchanged; the timer disarmed. */
void lapic_init_signal(struct vcpu *v);

/* If gpa lies in v's xAPIC page, emulate the access, advance RIP and return
 * true (the VM may have been ended instead: an undecodable instruction, a
 * fetch, a write that is not an aligned 32-bit store). False otherwise. */
bool lapic_mmio_access(struct vcpu *v, uint64_t gpa);

/* RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range. */
enum lapic_msr_result { LAPIC_MSR_NOT_MINE, LAPIC_MSR_OK, LAPIC_MSR_GP };
enum lapic_msr_result lapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
enum lapic_msr_result lapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* MOV from/to CR8 (apicv=off: CR8 exiting): CR8[3:0] = TPR[7:4] (SDM Vol.
 * 3A, "Task Priority Register (TPR)"). */
uint64_t lapic_cr8_read(struct vcpu *v);
void lapic_cr8_write(struct vcpu *v, uint64_t cr8);

/* The vector the APIC presents to the CPU now, or -1: the highest IRR
 * vector above the PPR, unless it is the timer's and the guest's TSC (by
 * the policy's view, vtsc_timer_now: under percpu what RDTSC returns on
 * this pCPU) has not reached that timer's deadline yet (the guard). */
int lapic_pending_irq(struct vcpu *v);

/* The CPU took vector (it is being injected): IRR -> ISR. */
void lapic_ack_irq(struct vcpu *v, uint8_t vector);

/* TPR shadow: the TPR threshold for the next entry (the class of the
 * highest interrupt the TPR alone holds back, else 0). */
uint32_t lapic_tpr_threshold(struct vcpu *v);

/* Any pCPU: would an interrupt reach v's CPU now (deliverable against the
 * PPR)? For waking a halted vCPU. */
bool lapic_wants_wakeup(struct vcpu *v);

/* Can any interrupt reach v at all (its APIC enabled in IA32_APIC_BASE and
 * in the SVR)? A HLT with IF = 1 on an APIC that cannot be interrupted
 * keeps the platform's tick instead (vmm/exits_core.c:handle_hlt). */
bool lapic_can_interrupt(struct vcpu *v);

/* The timer, re-derived for this pCPU (v->timer_host, v->timer_wake): at
 * every load of v here, and serviced at once if it is due. */
void lapic_timer_load_slow(struct vcpu *v);

/* Nothing armed, nothing held, nothing derived: nothing for a load to move
 * to its pCPU. The timer's fields are written only where the vCPU is
 * loaded (its exits, its INIT), so a look needs no lock, and what a pCPU
 * that hands the vCPU over sees at its last exit still holds at the load
 * (vmm/run.c:vcpu_clear_handed). */
static inline bool lapic_timer_idle(struct vcpu *v)
{
	return v->timer_host == UINT64_MAX && v->timer_wake == UINT64_MAX &&
	       !lapic_of(v)->timer_armed && lapic_of(v)->hold_vector < 0;
}

static inline void lapic_timer_load(struct vcpu *v)
{
	if (lapic_timer_idle(v))
		return;         /* (inline: the common case of every load) */
	lapic_timer_load_slow(v);
}

/* The timer's host instant has come (v->timer_host <= now): if the guest's
 * own TSC has reached the deadline, raise the LVT timer interrupt (unless
 * masked), then disarm (one-shot, TSC-deadline) or re-arm from the expiry
 * (periodic, no drift); re-derive the instants either way. */
void lapic_timer_service(struct vcpu *v);

/* The guest wrote IA32_TSC or IA32_TSC_ADJUST: its TSC moved from old_now
 * to new_now. The one-shot/periodic count runs on real time and moves with
 * it; a TSC deadline is a TSC value and stays; both are re-derived. */
void lapic_guest_tsc_changed(struct vcpu *v, uint64_t old_now, uint64_t new_now);

/* apicv=on (v->vid). An APIC-access exit's data read or write at offset off
 * of the xAPIC page, which the CPU did not virtualize: decoded and emulated
 * as an EPT violation there would be (RIP advanced), or the VM ended. */
void lapic_xapic_access(struct vcpu *v, unsigned off, bool write);

/* apicv=on: an APIC-write exit at offset off: the store the CPU made into
 * the virtual-APIC page, applied to the model (trap-like: RIP is past it). */
void lapic_apic_write(struct vcpu *v, unsigned off);

/* apicv=on, at a VM entry with EV_IRR: what the CPU did in the page into the
 * model, then the model's IRR (new IPIs, timer) into the page and RVI, so
 * the CPU delivers them; EV_IRR cleared. */
void lapic_vid_entry(struct vcpu *v);

/* apicv=on: has the CPU delivered a virtual interrupt since the model last
 * looked (a vector in the page's ISR the model lacks)? */
bool lapic_vid_delivered_since_sync(struct vcpu *v);

/* apicv=on: what the CPU did in the page into the model (before an event is
 * injected, so that lapic_vid_delivered_since_sync sees only what follows). */
void lapic_vid_sync_in(struct vcpu *v);

/* apicv=on: an EOI-induced exit (the EOI-exit bitmap has the timer's vector
 * while periodic expiries are owed): the next owed one goes in. */
void lapic_eoi_exit(struct vcpu *v);

/* End-of-run lines: per vCPU, the APIC's counters. */
void lapic_vm_summary(struct vm *vm);

#endif
