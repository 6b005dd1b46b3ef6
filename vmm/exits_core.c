/*
 * vmm/exits_core.c - exits that end a VM or need little of a device model:
 * exceptions (#AC and #DB reflected) and host NMIs, host interrupts (kicks,
 * strays), triple fault, HLT and the halted state, MONITOR/MWAIT, RDPMC,
 * WBINVD/INVD, VMX instructions, control registers (CR0/CR4 checked, CR8
 * is the APIC's TPR), EPT violations outside the guest's RAM, the
 * preemption timer, the interrupt/NMI windows and the TPR threshold.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#include "vmm/exit.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/host_apic.h"
#include "kernel/percpu.h"
#include "kernel/trap.h"
#include "lib/msr.h"
#include "lib/x86.h"
#include "vmm/core/cr_check.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/cpuid.h"
#include "vmm/dev/features.h"
#include "vmm/dev/lapic.h"
#include "vmm/inject.h"
#include "vmm/time/tsc_sync.h"
#include "vmx/ept.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

void vcpu_capture_vectoring(struct vcpu *v)
{
	uint32_t idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);

	if (idt & INTR_INFO_VALID)
		inject_record_vectoring(v, idt);
}

#define DR7_GD           BIT(13)

/*
 * A #DB that exited (exception bitmap bit 1): give it to the guest as the
 * CPU would have. Such an exit leaves DR6 and DR7 as they were and puts
 * what the CPU would have written into DR6 in the exit qualification
 * instead (SDM Vol. 3C, "Exit Qualification for Debug Exceptions"; "Updating
 * Non-Register State": a #DB that causes a VM exit does not update DR6, and
 * does not clear DR7.GD): vcpu_inject_db writes DR6 from it. ICEBP (INT1, a privileged software exception) sets no
 * DR6 bit and goes in again with its instruction length.
 */
static void reflect_db(struct vcpu *v, uint32_t info)
{
	uint32_t type = info & INTR_INFO_TYPE_MASK;

	if (type == INTR_TYPE_PRIV_SW_EXCEPTION) {
		vcpu_inject_event(v, INTR_INFO_VALID | INTR_TYPE_PRIV_SW_EXCEPTION | VEC_DB, 0,
				  vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
		v->reflected_db++;
		return;
	}
	uint64_t q = vcpu_exit_qualification(v);

	if (q & DR6_BD) {
		/* general detect: the CPU clears DR7.GD before the handler runs,
		 * so that the handler may use the debug registers */
		vmcs_writenat(GUEST_DR7, vmcs_readnat(GUEST_DR7) & ~DR7_GD);
	}
	vcpu_inject_db(v, q);
	v->reflected_db++;
}

void handle_exception_nmi(struct vcpu *v)
{
	uint32_t info = vmcs_read32(VM_EXIT_INTR_INFO);
	uint32_t type = info & INTR_INFO_TYPE_MASK, vec = info & INTR_INFO_VECTOR_MASK;

	if (type == INTR_TYPE_NMI) {
		/* NMI exiting: an NMI that arrived while the guest ran is the
		 * host's (no device of the host is a guest's, and a guest's own
		 * NMIs come from its virtual APIC, never from the pins): count it,
		 * never inject it. The exit left NMIs blocked on this pCPU, as an
		 * NMI's delivery would: end that with an IRET, or the next host NMI
		 * would wait for one (SDM Vol. 3C, "NMI Exiting"). */
		this_cpu()->nmis_guest++;
		nmi_unblock();
		return;
	}
	/* The exception bitmap holds #AC and #DB only (vm_create.c). A fault
	 * during an IRET that unblocked virtual NMIs (bit 12) leaves them
	 * blocked again, as the IRET never completed (SDM Vol. 3C, "Information
	 * for VM Exits Due to Vectored Events"). */
	if ((info & INTR_INFO_NMI_UNBLOCK_IRET) && !v->reinject_info) {
		uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr | INTERRUPTIBILITY_NMI);
	}
	if (vec == VEC_DB && (type == INTR_TYPE_HW_EXCEPTION || type == INTR_TYPE_PRIV_SW_EXCEPTION)) {
		reflect_db(v, info);
		return;
	}
	if (vec == VEC_AC && type == INTR_TYPE_HW_EXCEPTION) {
		/* #AC always pushes an error code of 0 (SDM Vol. 3A, "Interrupt
		 * 17—Alignment Check Exception (#AC)") */
		vcpu_inject_exception(v, VEC_AC, true, 0);
		v->reflected_ac++;
		return;
	}
	vcpu_dump(v);
	vm_end(v->vm, VM_END_UNHANDLED_EXIT, "unexpected guest exception, interruption info %#x",
	       info);
}

#define STRAY_WORD_BITS 64
void handle_external_interrupt(struct vcpu *v)
{
	/* The host masks the 8259 and programs no interrupt source: the only
	 * host interrupt it expects is another pCPU's kick
	 * (vmm/core/vcpu.c:vcpu_kick), acknowledged by the exit ("acknowledge
	 * interrupt on exit"), so its vector is in the exit's interruption
	 * information. It only made the guest exit: the events it announced
	 * are injected at the entry (vmm/inject.c). Any other vector is the
	 * host's too, never the guest's (no host device is a guest's): it is
	 * counted, named once per vector, and EOI'd, so that its in-service
	 * bit does not hold back the kicks (SDM Vol. 3A, "End of Interrupt");
	 * the guest goes on. */
	uint32_t info = vmcs_read32(VM_EXIT_INTR_INFO);
	uint32_t vec = info & INTR_INFO_VECTOR_MASK;

	if ((info & INTR_INFO_VALID) && vec == KICK_VECTOR) {
		host_apic_eoi();
		return;
	}
	if ((info & INTR_INFO_VALID) && vec == HOST_SPURIOUS_VECTOR)
		return;         /* a spurious interrupt sets no ISR bit: no EOI */
	struct percpu *c = this_cpu();
	c->stray_irqs++;
	if (!(info & INTR_INFO_VALID)) {
		/* without "acknowledge interrupt on exit" the interrupt is still
		 * pending in the APIC and would end every entry at once: this
		 * CPU lacks the control, so the kick is the only host interrupt
		 * ever sent (vcpu_kick sends none then) */
		vcpu_dump(v);
		vm_end(v->vm, VM_END_UNHANDLED_EXIT, "host interrupt while the guest ran, and this "
		       "CPU cannot acknowledge it on exit");
		return;
	}
	uint64_t bit = 1ULL << (vec % STRAY_WORD_BITS);
	if (!(c->stray_seen[vec / STRAY_WORD_BITS] & bit)) {
		c->stray_seen[vec / STRAY_WORD_BITS] |= bit;
		kprintf("[hv] pcpu %u: host interrupt, vector %#x, while vm%u ran: no owner, "
			"acknowledged and EOI'd (reported once per vector)\n", c->cpu_id, vec, v->vm->id);
	}
	host_apic_eoi();
}

void handle_triple_fault(struct vcpu *v)
{
	v->reinject_info = 0;           /* the VM ends: nothing goes in again */
	vm_end(v->vm, VM_END_TRIPLE_FAULT, "shutdown at RIP %#lx: an exception could not be delivered",
	       v->rip);
}

/* Would the vCPU, halted with this IF, be woken now (SDM Vol. 3A, "HLT":
 * an enabled interrupt, NMI, INIT)? */
static bool hlt_wakes_now(struct vcpu *v, bool if_on)
{
	uint32_t ev = __atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE);

	if (!if_on && v->vm->flaw == FLAW_NMI_NO_WAKE)
		ev &= ~(uint32_t)EV_NMI;        /* the negative control (vmm/sched.c:halt_over) */
	/* apicv=on: an interrupt may wait in the virtual-APIC page (the CPU
	 * did not deliver it before the HLT: IF = 0 until the STI before it)
	 * without EV_IRR: ask the APIC, which reads the page */
	return (ev & (EV_NMI | EV_INIT)) ||
	       (if_on && ((ev & EV_IRR) || v->vid) && lapic_pending_irq(v) >= 0);
}

/* Halt polling: a timer due within HALT_POLL_TICKS is waited for on this
 * pCPU (the vCPU stays loaded) rather than through the scheduler, whose
 * put, pick and load cost more than the wait. Stops early for an event
 * from another pCPU, or when the VM ends. */
static void halt_poll(struct vcpu *v, bool if_on)
{
	uint64_t due = v->timer_host;

	if (due == UINT64_MAX || due - rdtsc() > HALT_POLL_TICKS || rdtsc() > due)
		goto service;
	while (rdtsc() < due && v->vm->state == VM_RUNNING &&
	       !(__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & (EV_NMI | EV_INIT)) &&
	       !(if_on && (__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & EV_IRR) &&
		 lapic_wants_wakeup(v)))
		cpu_relax();
service:
	if (due != UINT64_MAX && rdtsc() >= due)
		lapic_timer_service(v);
}

void handle_hlt(struct vcpu *v)
{
	bool if_on = vmcs_readnat(GUEST_RFLAGS) & RFLAGS_IF;

	v->hlt_len = (uint8_t)vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	if (!hlt_wakes_now(v, if_on) && if_on && lapic_can_interrupt(v))
		halt_poll(v, if_on);
	if (hlt_wakes_now(v, if_on)) {
		/* HLT ends at once; the event goes in at this entry */
		vcpu_skip_instruction(v);
		return;
	}
	if (!if_on) {
		/* Only an NMI or INIT can wake it (an AP done with its work does
		 * this); the VM ends once no vCPU of it can run any more
		 * (vmm/sched.c). RIP stays at the HLT until then. */
		v->parked = true;
		v->sleeping = true;
		v->parked_rip = v->rip;
		vcpu_leave_now(v);
		return;
	}
	if (!lapic_can_interrupt(v)) {
		/* No interrupt can ever reach an APIC that is disabled: the
		 * platform's timer tick wakes it, as a PIT would a guest that
		 * never set up its APIC; it goes on after the HLT. */
		vcpu_skip_instruction(v);
		vcpu_sleep(v, HLT_SLEEP_TICKS);
		return;
	}
	/* Off the pCPU until its timer (v->timer_wake) or an interrupt it can
	 * take: the scheduler watches both (vmm/sched.c:pick). */
	v->halted = true;
	v->sleeping = true;
	v->parked_rip = v->rip;
	vcpu_leave_now(v);      /* off the pCPU at this exit, not at the slice's end */
}

bool vcpu_hlt_resume(struct vcpu *v)
{
	bool if_on = !v->parked;

	if (!hlt_wakes_now(v, if_on) && if_on)
		halt_poll(v, if_on);
	if (!hlt_wakes_now(v, if_on)) {
		/* woken a little early (the scheduler's clock is another pCPU's,
		 * known to within the skew's uncertainty): sleep on, until the
		 * instant this pCPU's own view says */
		if (v->timer_host != UINT64_MAX) {
			uint64_t now = rdtsc();
			uint64_t left = v->timer_host > now ? v->timer_host - now : 0;
			v->timer_wake = MAX(v->timer_wake, ref_now() + left);
		}
		v->sleeping = true;
		return false;
	}
	/* The HLT completes: the guest resumes after it, and the event that
	 * woke it is delivered at this entry (its return address is the
	 * instruction after the HLT). */
	vmcs_writenat(GUEST_RIP, v->parked_rip + v->hlt_len);
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_STI_MOVSS);
	v->halted = false;
	v->parked = false;
	return true;
}

/*
 * INVD and WBINVD (SDM Vol. 3C, "Instructions That Cause VM Exits
 * Unconditionally": INVD; "WBINVD exiting", a secondary control) end as a
 * NOP. A guest of chronovisor has no device that reads or writes its RAM
 * behind the caches (no DMA, no pass-through), and its RAM is write-back
 * memory like the host's, so no guest can tell a flushed cache from one
 * that was not: what a flush would change is only time, and it would take
 * it from every VM, since the caches are shared (a WBINVD can take
 * milliseconds with interrupts held off). INVD must never run for a guest:
 * it would drop dirty lines of the host and of other VMs. Where the CPU
 * lacks "WBINVD exiting" a guest's WBINVD runs on its pCPU (vmx/caps_decode.c
 * reports it as optional).
 */
void handle_invd(struct vcpu *v)
{
	v->cache_flushes++;
	vcpu_skip_instruction(v);
}

void handle_wbinvd(struct vcpu *v)
{
	v->cache_flushes++;
	vcpu_skip_instruction(v);
}

/* MONITOR and MWAIT always exit (MONITOR exiting, MWAIT exiting): an MWAIT
 * with a deep C-state hint and IF = 0 can stop the VMX-preemption timer
 * (SDM Vol. 3C, "VMX-Preemption Timer") and with it the host's only way back
 * to this pCPU. They follow CPUID.1:ECX.MONITOR as the guest sees it
 * (vmm/dev/cpuid.c:cpuid_guest_monitor): hidden, they raise #UD as on a CPU
 * without them (SDM Vol. 2B, "MWAIT", "MONITOR": #UD if CPUID.01H:ECX.
 * MONITOR[bit 3] = 0); shown, MONITOR arms nothing and MWAIT returns at
 * once, which the SDM allows for any reason ("MWAIT": the processor may
 * exit the state for events other than a write to the monitored range). */
void handle_monitor(struct vcpu *v)
{
	if (!cpuid_guest_monitor()) {
		vcpu_inject_exception(v, VEC_UD, false, 0);
		return;
	}
	vcpu_skip_instruction(v);
}

void handle_mwait(struct vcpu *v)
{
	if (!cpuid_guest_monitor()) {
		vcpu_inject_exception(v, VEC_UD, false, 0);
		return;
	}
	vcpu_skip_instruction(v);
}

/* RDPMC always exits (RDPMC exiting): the counters are the host's. The
 * guest's CPUID leaf 0xA shows no performance-monitoring unit
 * (vmm/dev/cpuid.c), so no counter index is valid and RDPMC raises
 * #GP(0), as it does on a CPU for an index it does not have (SDM Vol. 2B,
 * "RDPMC": #GP(0) if ECX does not name a valid counter). A CPL > 0 with
 * CR4.PCE = 0 faults before the exit: that #GP is the CPU's. */
void handle_rdpmc(struct vcpu *v)
{
	v->rdpmc_refused++;
	vcpu_inject_gp0(v);
}

/* VMX, GETSEC and VMFUNC are hidden from guests (CPUID.1:ECX.VMX and SMX
 * are 0, CR4.VMXE and SMXE refused), so to the guest these are instructions
 * of features it does not have: #UD, as on such a CPU (SDM Vol. 3C, "VMX
 * Instruction Reference": VMXON and the others #UD outside VMX operation or
 * with CR4.VMXE = 0; GETSEC #UD with CR4.SMXE = 0; VMFUNC #UD when not
 * enabled). In VMX non-root operation they exit unconditionally, so the
 * hypervisor answers for the CPU. */
void handle_vmx_instruction(struct vcpu *v)
{
	v->vmx_refused++;
	vcpu_inject_exception(v, VEC_UD, false, 0);
}

/* MOV to CR0/CR4 that touches a host-owned bit (CR0.NE, CR4.VMXE), and MOV
 * to/from CR8 (CR8-load/store exiting, apicv=off): SDM Vol. 3C, "Exit
 * Qualification for Control-Register Accesses": CR number 3:0, access type
 * 5:4 (0 = MOV to CR, 1 = MOV from CR), GPR 11:8. */
#define CR_ACCESS_MOV_TO        0
#define CR_ACCESS_MOV_FROM      1
#define CR_ACCESS_CR8           8
#define CR8_TPR_MASK            0xFULL
void handle_cr_access(struct vcpu *v)
{
	uint64_t q = vcpu_exit_qualification(v);
	unsigned cr = q & 0xF, type = (q >> 4) & 3, gpr = (q >> 8) & 0xF;

	if (cr == CR_ACCESS_CR8 && type == CR_ACCESS_MOV_FROM) {
		uint64_t tpr = lapic_cr8_read(v);
		if (gpr == GPR_RSP)
			vmcs_writenat(GUEST_RSP, tpr);
		else
			v->regs.by_index[gpr] = tpr;
		vcpu_skip_instruction(v);
		return;
	}
	if (type != CR_ACCESS_MOV_TO || (cr != 0 && cr != 4 && cr != CR_ACCESS_CR8)) {
		vcpu_dump(v);
		vm_end(v->vm, VM_END_UNHANDLED_EXIT, "CR access %#lx not emulated", q);
		return;
	}
	uint64_t val = gpr == GPR_RSP ? vmcs_readnat(GUEST_RSP) : v->regs.by_index[gpr];
	if (cr == CR_ACCESS_CR8) {
		/* CR8[3:0] is TPR[7:4]; bits 63:4 are reserved: #GP (SDM Vol. 3A,
		 * "Task Priority Register (TPR)", "CR8") */
		if (val & ~CR8_TPR_MASK) {
			vcpu_inject_gp0(v);
			return;
		}
		lapic_cr8_write(v, val);
		vcpu_skip_instruction(v);
		return;
	}
	/* The guest's view: host-owned bits from the read shadows, CS.L from
	 * its access rights. A write the CPU would refuse gets the CPU's #GP,
	 * never a VM entry that fails on it (vmm/core/cr_check.h). */
	uint64_t cr0_mask = vmcs_readnat(CR0_GUEST_HOST_MASK), cr4_mask = vmcs_readnat(CR4_GUEST_HOST_MASK);
	struct cr_state st = {
		.cr0 = (vmcs_readnat(GUEST_CR0) & ~cr0_mask) | (vmcs_readnat(CR0_READ_SHADOW) & cr0_mask),
		.cr3 = vmcs_readnat(GUEST_CR3),
		.cr4 = (vmcs_readnat(GUEST_CR4) & ~cr4_mask) | (vmcs_readnat(CR4_READ_SHADOW) & cr4_mask),
		.efer = vmcs_read64(GUEST_IA32_EFER),
		.cs_l = vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L,
	};
	const char *why = NULL;
	/* Outside 64-bit mode the source is a 32-bit register: bits 63:32 of
	 * the GPR are not part of the write (SDM Vol. 2B, "MOV—Move to/from
	 * Control Registers": "operand size ... 32 bits outside 64-bit mode") */
	if (!((st.efer & EFER_LMA) && st.cs_l))
		val = (uint32_t)val;
	if (cr == 0) {
		uint64_t fixed = vmx_guest_cr0_fixed1_bits();
		uint64_t old = vmcs_readnat(GUEST_CR0);
		if (!cr0_write_check(&st, val, &val, &why)) {
			v->cr_refused++;
			vcpu_inject_gp0(v);
			return;
		}
		vmcs_writenat(CR0_READ_SHADOW, val);
		vmcs_writenat(GUEST_CR0, val | fixed);
		/* Turning paging on with EFER.LME set enters IA-32e mode: what
		 * the CPU does on its own, we must do for a write we emulate
		 * (SDM Vol. 3A, "Initializing IA-32e Mode"). */
		uint64_t efer = vmcs_read64(GUEST_IA32_EFER);
		if (!(old & CR0_PG) && (val & CR0_PG) && (efer & EFER_LME)) {
			vmcs_write64(GUEST_IA32_EFER, efer | EFER_LMA);
			vmcs_write32(VM_ENTRY_CONTROLS,
				     vmcs_read32(VM_ENTRY_CONTROLS) | VM_ENTRY_IA32E_MODE_GUEST);
		} else if ((old & CR0_PG) && !(val & CR0_PG) && (efer & EFER_LMA)) {
			vmcs_write64(GUEST_IA32_EFER, efer & ~EFER_LMA);
			vmcs_write32(VM_ENTRY_CONTROLS,
				     vmcs_read32(VM_ENTRY_CONTROLS) & ~VM_ENTRY_IA32E_MODE_GUEST);
		}
	} else {
		/* A CR4 bit whose feature the guest is not given (VMXE: VMX
		 * is hidden; OSXSAVE without XSAVE, PKE without PKU, ...) is a
		 * reserved bit for it: setting it raises #GP, as on a CPU
		 * without the feature (vmm/dev/features.c); so are the SDM's
		 * reserved bits and mode rules (vmm/core/cr_check.c). */
		if (!cr4_write_check(&st, val, features_cr4_allowed(v->vm), &why)) {
			v->cr_refused++;
			vcpu_inject_gp0(v);
			return;
		}
		vmcs_writenat(CR4_READ_SHADOW, val);
		vmcs_writenat(GUEST_CR4, val | vmx_cr4_fixed1_bits());
	}
	vcpu_skip_instruction(v);
}

/* A page HC_EPT_EVICT took out of the EPT (vmm/dev/hypercall.c): mapped
 * back; the faulting access runs again at the entry, and an event whose
 * delivery it interrupted is delivered again (vmm/inject.c). */
static bool ept_evicted_back(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;
	bool hit;

	if (!__atomic_load_n(&vm->evicted, __ATOMIC_ACQUIRE))
		return false;
	spin_lock(&vm->lock);
	hit = vm->evicted && (gpa & ~(uint64_t)(PAGE_SIZE - 1)) == vm->evicted_gpa;
	if (hit) {
		ept_set_rights(vm->ept_pml4, vm->evicted_gpa, EPT_RWX);
		vm->evicted = false;
		vm->evict_faults++;
	}
	spin_unlock(&vm->lock);
	return hit;
}

void handle_ept_violation(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);

	vcpu_exit_qualification(v);
	if (ept_evicted_back(v, gpa))
		return;         /* the access, or the event's delivery (re-injected), restarts */
	if (v->reinject_info) {
		/* Delivering an event touched a page outside RAM (an IDT, GDT or
		 * stack there, the xAPIC page included): the access is the
		 * delivery's, not the instruction's at RIP, so there is nothing
		 * to emulate (emulating RIP's instruction would lose the event);
		 * the guest is broken. The exit path captured the event
		 * (vmm/exit.c); it ends with its VM. */
		uint32_t ev = v->reinject_info;
		v->reinject_info = 0;
		vm_end(v->vm, VM_END_BAD_ACCESS, "EPT violation at guest-physical %#lx while "
		       "delivering event %#x (IDT, GDT or stack outside its RAM or on the xAPIC "
		       "page), RIP %#lx", gpa, ev, v->rip);
		return;
	}

	if (lapic_mmio_access(v, gpa))
		return;
	vm_end(v->vm, VM_END_BAD_ACCESS,
	       "EPT violation at guest-physical %#lx (outside its %lu MiB RAM), qualification %#lx, "
	       "RIP %#lx", gpa, (unsigned long)(v->vm->ram_size / MiB), vcpu_exit_qualification(v),
	       v->rip);
}

/* Exit qualification of an APIC-access exit: offset 11:0, access type
 * 15:12 (SDM Vol. 3C, "Exit Qualification for APIC-Access VM Exits"). */
#define APIC_ACCESS_OFFSET_MASK   0xFFFu
#define APIC_ACCESS_TYPE_SHIFT    12
#define APIC_ACCESS_TYPE_MASK     0xFu
#define APIC_ACCESS_LINEAR_READ   0u
#define APIC_ACCESS_LINEAR_WRITE  1u

void handle_apic_access(struct vcpu *v)
{
	uint64_t q = vcpu_exit_qualification(v);
	unsigned type = (q >> APIC_ACCESS_TYPE_SHIFT) & APIC_ACCESS_TYPE_MASK;
	unsigned off = q & APIC_ACCESS_OFFSET_MASK;

	/* apicv=on, fault-like: an xAPIC access the CPU does not virtualize
	 * (PPR, the current count, a reserved offset, a size or alignment
	 * other than a 32-bit register's). A fetch, or an access while an
	 * event is delivered (the IDT or a stack in the xAPIC page), is a
	 * broken guest, as in handle_ept_violation. */
	if (type == APIC_ACCESS_LINEAR_READ || type == APIC_ACCESS_LINEAR_WRITE) {
		lapic_xapic_access(v, off, type == APIC_ACCESS_LINEAR_WRITE);
		return;
	}
	vcpu_dump(v);
	vm_end(v->vm, VM_END_BAD_ACCESS, "APIC-access exit of type %u at xAPIC offset %#x (an "
	       "instruction fetch, or an event delivered through the xAPIC page), RIP %#lx", type, off,
	       v->rip);
}

void handle_apic_write(struct vcpu *v)
{
	/* apicv=on, trap-like: the guest stored a register the model must
	 * act on (ICR, LVT, timer, SVR, ...; SDM Vol. 3C, "APIC-Write
	 * Emulation"). */
	lapic_apic_write(v, vcpu_exit_qualification(v) & APIC_ACCESS_OFFSET_MASK);
}

void handle_eoi_induced(struct vcpu *v)
{
	/* apicv=on, trap-like: the guest's EOI of a vector in the EOI-exit
	 * bitmap (the timer's, while periodic expiries are owed) */
	lapic_eoi_exit(v);
}

void handle_interrupt_window(struct vcpu *v)
{
	/* The guest can take an interrupt now (RFLAGS.IF = 1, no STI/MOV-SS
	 * shadow): vmm/inject.c injects it at this entry and turns the window
	 * off. SDM Vol. 3C, "Interrupt-Window Exiting and Virtual-Interrupt
	 * Delivery". */
	v->window_exits++;
}

void handle_nmi_window(struct vcpu *v)
{
	/* Virtual-NMI blocking ended (IRET): the NMI goes in at this entry.
	 * SDM Vol. 3C, "NMI-Window Exiting". */
	v->window_exits++;
}

void handle_tpr_below_threshold(struct vcpu *v)
{
	/* The guest lowered CR8 below the class of an interrupt the TPR held
	 * back (TPR shadow, trap-like: RIP is already past the MOV); the
	 * interrupt is injected at this entry. SDM Vol. 3C, "TPR Virtualization". */
}

void handle_pause(struct vcpu *v)
{
	vcpu_skip_instruction(v);
}
