/*
 * vmm/inject.c - events into the guest at VM entry (the contract is in
 * vmm/inject.h).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current,
 * interrupts off.
 *
 * One event per entry, in this order (SDM Vol. 3C, "Event Injection";
 * SDM Vol. 3A, "Priority Among Simultaneous Exceptions and Interrupts"):
 *   1. an exception an exit handler raised (vcpu_inject_exception), or the
 *      event the exit interrupted (IDT-vectoring information, captured by
 *      vmm/exit.c for every exit that can interrupt a delivery), delivered
 *      again as it was, with its type, vector, error code and, for a
 *      software event, instruction length: never lost, whichever pCPU the
 *      vCPU resumes on. When both exist (an intercepted #AC raised while
 *      the CPU delivered another event), they combine as the CPU combines
 *      an exception raised during a delivery (combine_with_interrupted):
 *      an interrupted external interrupt or NMI waits for its window and
 *      goes in after; an interrupted exception makes a #DF or a triple
 *      fault, or gives way to the new one;
 *   2. an NMI, unless the guest blocks NMIs (virtual-NMI blocking) or is in
 *      a MOV-SS/STI shadow: then NMI-window exiting (exit reason 8);
 *   3. the local APIC's highest deliverable interrupt (its class above the
 *      PPR), when RFLAGS.IF = 1 and no STI/MOV-SS shadow: the APIC moves
 *      it from IRR to ISR as the CPU's acknowledge would; otherwise
 *      interrupt-window exiting (exit reason 7), which fires as soon as
 *      the guest can take it. An interrupt held back by the PPR needs no
 *      window: the EOI or TPR write that lowers the PPR exits (with the TPR
 *      shadow, the TPR threshold makes CR8 writes exit: reason 43).
 *      With virtual-interrupt delivery (apicv=on) none of this: the IRR
 *      goes into the virtual-APIC page and RVI, and the CPU delivers
 *      (SDM Vol. 3C, "Virtual-Interrupt Delivery").
 * Whatever cannot go with this entry waits in ev_pending and the APIC.
 *
 * The common exit pays one load and two compares here: the work starts
 * only when an event, a window, a TPR threshold or an APIC timer exists.
 */
#include "vmm/inject.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/x86.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* What the VM-entry interruption-information field may carry: bits 30:12
 * are reserved there (SDM Vol. 3C, "VM-Entry Controls for Event
 * Injection"), while IDT-vectoring information may set bit 12. */
#define ENTRY_INFO_BITS  (INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | INTR_INFO_TYPE_MASK | \
			  INTR_INFO_VECTOR_MASK)

static bool needs_instruction_length(uint32_t info)
{
	uint32_t type = info & INTR_INFO_TYPE_MASK;

	return type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	       type == INTR_TYPE_SW_EXCEPTION;
}

/*
 * Virtual-interrupt delivery (apicv=on): the CPU moves a vector from the
 * virtual IRR to the virtual ISR (SVI = the vector) before the IDT walk an
 * exit may interrupt. Under external-interrupt exiting the only external
 * interrupts a guest delivers are those and the ones injected at entry,
 * whose delivery comes before any virtual one. Bochs 2.7 reports such an
 * interrupted virtual interrupt with stale IDT-vectoring information (the
 * last event injected, or vector 0: docs/platform.md, "Bochs 2.7
 * deviations"). So when the information names an external interrupt or an
 * NMI and the CPU delivered a virtual interrupt since the last look (a
 * vector in the virtual ISR that the model does not have), the event is
 * that interrupt: SVI. On hardware, which reports it right, this changes
 * nothing.
 */
#define INTR_STATUS_SVI_SHIFT 8
static uint32_t vid_vectoring(struct vcpu *v, uint32_t idt_info)
{
	uint32_t type = idt_info & INTR_INFO_TYPE_MASK;

	if (!v->vid || (type != INTR_TYPE_EXT_INTR && type != INTR_TYPE_NMI) ||
	    !lapic_vid_delivered_since_sync(v))
		return idt_info;
	uint32_t fixed = INTR_INFO_VALID | INTR_TYPE_EXT_INTR |
			 (vmcs_read16(GUEST_INTR_STATUS) >> INTR_STATUS_SVI_SHIFT);
	if (fixed != (idt_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK | INTR_INFO_VECTOR_MASK)))
		v->vectoring_fixed++;
	return fixed;
}

void inject_record_vectoring(struct vcpu *v, uint32_t idt_info)
{
	idt_info = vid_vectoring(v, idt_info);
	if (v->vm->flaw == FLAW_DROP_VECTORING) {
		v->dropped_vectoring++;         /* the negative control: the event is lost */
		return;
	}
	v->entry_work = true;
	v->reinject_info = idt_info & ENTRY_INFO_BITS;
	v->reinject_error = idt_info & INTR_INFO_DELIVER_CODE ? vmcs_read32(IDT_VECTORING_ERROR_CODE) : 0;
	v->reinject_len = needs_instruction_length(idt_info) ? vmcs_read32(VM_EXIT_INSTRUCTION_LEN) : 0;
	v->reinjected++;
}

static void write_entry(struct vcpu *v, uint32_t info, uint32_t error, uint32_t len)
{
	/* An event recorded in protected mode and delivered again after the
	 * guest left it for real mode: no error code there (SDM Vol. 3C,
	 * "Checks on VM-Entry Control Fields"; vmm/core/vcpu.c). */
	if ((info & INTR_INFO_DELIVER_CODE) && vcpu_real_mode())
		info &= ~(uint32_t)INTR_INFO_DELIVER_CODE;
	/* vid_vectoring tells an injected event from a virtual interrupt by
	 * what the CPU delivered after the last look: look now */
	if (v->vid)
		lapic_vid_sync_in(v);
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	if (needs_instruction_length(info))
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, len);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	v->event_injected = true;
}

/* SDM Vol. 3A, "Interrupt 8—Double Fault Exception (#DF)", the table of
 * exception classes: contributory #DE, #TS, #NP, #SS, #GP; #PF its own
 * class; every other exception and every interrupt benign. */
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
static bool contributory(uint32_t vec)
{
	return vec == VEC_DE || vec == VEC_TS || vec == VEC_NP || vec == VEC_SS || vec == VEC_GP;
}

/*
 * An exit handler raised an exception (already in the VM-entry field) while
 * the exit had interrupted the delivery of another event (v->reinject_info):
 * what the CPU does when an exception happens while it delivers an event
 * (SDM Vol. 3A, "Interrupt 8—Double Fault Exception (#DF)"; SDM Vol. 3C,
 * "Reinjection"). Returns true when the interrupted event must wait and
 * go in at a later entry (it stays in v->reinject_info).
 *   - an external interrupt or NMI: it was taken from the APIC and must not
 *     be lost: the new exception goes first, the interrupt or NMI at the next
 *     window (interrupt- or NMI-window exiting), as if it had come a moment
 *     later;
 *   - a #DF: shutdown, the VM ends (triple fault);
 *   - #PF or a contributory exception interrupted by a contributory
 *     exception or a #PF (a #PF only after a #PF): a #DF with error code 0;
 *   - anything else (benign): handled serially: the new exception is
 *     delivered and the interrupted one dropped; a fault or a software
 *     event comes again when its instruction runs again (the saved RIP
 *     is that instruction's).
 */
static bool combine_with_interrupted(struct vcpu *v)
{
	uint32_t old = v->reinject_info, old_type = old & INTR_INFO_TYPE_MASK;
	uint32_t old_vec = old & INTR_INFO_VECTOR_MASK;
	uint32_t now = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	uint32_t now_vec = now & INTR_INFO_VECTOR_MASK;

	if (old_type == INTR_TYPE_EXT_INTR || old_type == INTR_TYPE_NMI) {
		v->deferred_reinject++;
		return true;
	}
	v->reinject_info = 0;
	if (old_type != INTR_TYPE_HW_EXCEPTION || !((now & INTR_INFO_TYPE_MASK) == INTR_TYPE_HW_EXCEPTION))
		return false;
	if (old_vec == VEC_DF) {
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
		vm_end(v->vm, VM_END_TRIPLE_FAULT, "exception %u while delivering #DF at RIP %#lx "
		       "(triple fault)", now_vec, v->rip);
		return false;
	}
	bool df = (contributory(old_vec) && contributory(now_vec)) ||
		  (old_vec == VEC_PF && (contributory(now_vec) || now_vec == VEC_PF));
	if (df)
		vcpu_inject_exception(v, VEC_DF, true, 0);
	return false;
}

/* May an interrupted external interrupt (or NMI) go in at this entry? It
 * was being delivered, so IF was 1 then; after a combined exception it
 * needs the guest to be open for it again (entry refuses an external
 * interrupt with RFLAGS.IF = 0: SDM Vol. 3C, "Checks on Guest RFLAGS"). */
static uint32_t reinject_window(struct vcpu *v)
{
	uint32_t type = v->reinject_info & INTR_INFO_TYPE_MASK;
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if (type == INTR_TYPE_EXT_INTR &&
	    (!(vmcs_readnat(GUEST_RFLAGS) & RFLAGS_IF) || (intr & INTERRUPTIBILITY_STI_MOVSS)))
		return CPU_BASED_INTR_WINDOW_EXITING;
	if (type == INTR_TYPE_NMI && (intr & INTERRUPTIBILITY_STI_MOVSS))
		return CPU_BASED_NMI_WINDOW_EXITING;
	return 0;
}

static void reinject(struct vcpu *v)
{
	uint32_t info = v->reinject_info;

	v->reinject_info = 0;
	/* With virtual NMIs an NMI may be injected only while NMIs are not
	 * blocked (SDM Vol. 3C, "Checks on Guest Non-Register State"); its
	 * delivery was interrupted, so it never blocked them. */
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
		if (intr & INTERRUPTIBILITY_NMI)
			vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_NMI);
	}
	write_entry(v, info, v->reinject_error, v->reinject_len);
}

static __attribute__((noinline)) void inject_events(struct vcpu *v, uint32_t ev)
{
	uint32_t windows = 0, intr = 0;
	bool busy = v->event_injected, have_intr = false;

	if (v->reinject_info) {
		uint32_t type = v->reinject_info & INTR_INFO_TYPE_MASK;
		uint32_t wait;
		if (busy) {
			if (combine_with_interrupted(v)) {
				v->reinject_deferred = true;
				windows |= type == INTR_TYPE_NMI ? CPU_BASED_NMI_WINDOW_EXITING
								 : CPU_BASED_INTR_WINDOW_EXITING;
			}
		} else if (v->reinject_deferred && (wait = reinject_window(v)) != 0) {
			windows |= wait;        /* still closed: it waits on */
		} else {
			v->reinject_deferred = false;
			reinject(v);
		}
		busy = true;    /* a waiting interrupted event goes before the APIC's next */
	}
	if (ev & EV_NMI) {
		intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
		have_intr = true;
		if (!busy && !(intr & (INTERRUPTIBILITY_STI_MOVSS | INTERRUPTIBILITY_NMI))) {
			__atomic_and_fetch(&v->ev_pending, ~(uint32_t)EV_NMI, __ATOMIC_SEQ_CST);
			write_entry(v, INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI, 0, 0);
			busy = true;
			v->injected_nmis++;
		} else {
			windows |= CPU_BASED_NMI_WINDOW_EXITING;
		}
	}
	if ((ev & EV_IRR) && v->vid) {
		/* virtual-interrupt delivery: the CPU delivers from the page's
		 * IRR (RVI) as soon as the guest can take it; no window */
		lapic_vid_entry(v);
	} else if (ev & EV_IRR) {
		int vec = lapic_pending_irq(v);
		if (vec >= 0) {
			if (!have_intr)
				intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
			bool open = (vmcs_readnat(GUEST_RFLAGS) & RFLAGS_IF) &&
				    !(intr & INTERRUPTIBILITY_STI_MOVSS);
			if (!busy && open) {
				lapic_ack_irq(v, (uint8_t)vec);
				write_entry(v, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | (uint32_t)vec, 0, 0);
				v->injected_irqs++;
			} else {
				windows |= CPU_BASED_INTR_WINDOW_EXITING;
			}
		}
	}
	/* TPR shadow: exit when the guest's CR8 drops below the class of an
	 * interrupt the TPR holds back (0: none), which must never exceed
	 * VTPR[7:4] at entry (SDM Vol. 3C, "Checks on VMX Controls"). */
	if (v->vapic_page && !v->vid) {
		uint32_t th = lapic_tpr_threshold(v);
		if (th != v->tpr_threshold) {
			vmcs_write32(TPR_THRESHOLD, th);
			v->tpr_threshold = th;
		}
	}
	uint32_t proc = (v->proc_ctls & ~(uint32_t)INJECT_WINDOW_BITS) | windows;
	if (proc != v->proc_ctls) {
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
		v->proc_ctls = proc;
	}
}

/* The earlier of the slice's end and the APIC timer, rounded up to the
 * timer's unit (it counts down once every 2^rate TSC ticks, SDM Vol. 3C,
 * "VMX-Preemption Timer"); an exit a little early only re-arms it. */
static __attribute__((noinline)) void arm_preemption_timer(struct vcpu *v)
{
	uint32_t rate = vmx_misc_preemption_timer_rate(vmx_caps.misc);
	uint64_t now = rdtsc(), target = MIN(v->slice_end, v->timer_host);
	uint64_t ticks = target > now ? target - now : 0;
	uint64_t val = (ticks + (1ULL << rate) - 1) >> rate;

	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, (uint32_t)MIN(val, UINT32_MAX));
	v->ptimer_short = v->timer_host != UINT64_MAX;
}

void vcpu_prepare_entry_slow(struct vcpu *v, uint32_t ev)
{
	if (v->reinject_info || (ev & (EV_NMI | EV_IRR)) || (v->proc_ctls & INJECT_WINDOW_BITS) ||
	    v->tpr_threshold)
		inject_events(v, ev);
	if (v->timer_host != UINT64_MAX || v->ptimer_short)
		arm_preemption_timer(v);
	/* the exception or event written now goes in with this entry */
	v->event_injected = false;
	v->entry_work = v->reinject_info || (v->proc_ctls & INJECT_WINDOW_BITS) ||
			v->tpr_threshold || v->timer_host != UINT64_MAX || v->ptimer_short;
}

void inject_reset(struct vcpu *v)
{
	v->entry_work = true;           /* the next entry recomputes it */
	v->reinject_info = 0;
	v->reinject_deferred = false;
	v->event_injected = false;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	if (v->proc_ctls & INJECT_WINDOW_BITS) {
		v->proc_ctls &= ~(uint32_t)INJECT_WINDOW_BITS;
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, v->proc_ctls);
	}
	if (v->tpr_threshold) {
		v->tpr_threshold = 0;
		vmcs_write32(TPR_THRESHOLD, 0);
	}
}
