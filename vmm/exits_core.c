/*
 * vmm/exits_core.c - exits that end a VM or need no device model: exceptions
 * and NMIs, triple fault, HLT, VMX instructions, control registers, EPT
 * violations outside the guest's RAM, the preemption timer.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#include "vmm/exit.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/msr.h"
#include "lib/x86.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

void handle_exception_nmi(struct vcpu *v)
{
	uint32_t info = vmcs_read32(VM_EXIT_INTR_INFO);

	/* The exception bitmap is 0, so only an NMI meant for the host lands
	 * here (NMI exiting). The host has no NMI source of its own: note it. */
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		kprintf("[hv] vm%u: host NMI during guest execution (ignored)\n", v->vm->id);
		return;
	}
	vcpu_dump(v);
	vm_end(v->vm, VM_END_UNHANDLED_EXIT, "unexpected guest exception, interruption info %#x",
	       info);
}

void handle_external_interrupt(struct vcpu *v)
{
	/* The host masks the 8259 and programs no interrupt source, so an
	 * external interrupt is unexpected; it stays pending in the host (no
	 * acknowledge-on-exit), so resuming would loop: end the VM. */
	vcpu_dump(v);
	vm_end(v->vm, VM_END_UNHANDLED_EXIT, "unexpected host interrupt while the guest ran");
}

void handle_triple_fault(struct vcpu *v)
{
	vm_end(v->vm, VM_END_TRIPLE_FAULT, "shutdown at RIP %#lx: an exception could not be delivered",
	       v->rip);
}

void handle_hlt(struct vcpu *v)
{
	uint64_t rflags = vmcs_readnat(GUEST_RFLAGS);

	/* With interrupts off nothing can ever wake it (no NMI source): the
	 * vCPU is parked for good (an AP done with its work does this); the
	 * VM ends once no vCPU of it can run any more (vmm/sched.c). With
	 * interrupts on it sleeps a while and goes on after the HLT, as if an
	 * interrupt had come; guests loop around HLT. */
	if (!(rflags & RFLAGS_IF)) {
		v->parked = true;
		v->sleeping = true;
		v->parked_rip = v->rip;
		vcpu_leave_now(v);
		return;
	}
	vcpu_skip_instruction(v);
	vcpu_sleep(v, HLT_SLEEP_TICKS);
}

void handle_invd(struct vcpu *v)
{
	/* INVD would drop dirty host cache lines: do WBINVD's job instead. */
	__asm__ volatile("wbinvd" ::: "memory");
	vcpu_skip_instruction(v);
}

void handle_vmx_instruction(struct vcpu *v)
{
	uint32_t basic = EXIT_REASON_BASIC(v->exit_reason);

	vm_end(v->vm, VM_END_HOSTILE, "guest executed %s at RIP %#lx (VMX is not offered to guests)",
	       exit_reason_name(basic), v->rip);
}

/* MOV to CR0/CR4 that touches a host-owned bit (CR0.NE, CR4.VMXE): SDM Vol.
 * 3C, "Exit Qualification for Control-Register Accesses": CR number 3:0,
 * access type 5:4 (0 = MOV to CR), GPR 11:8. */
void handle_cr_access(struct vcpu *v)
{
	uint64_t q = vcpu_exit_qualification(v);
	unsigned cr = q & 0xF, type = (q >> 4) & 3, gpr = (q >> 8) & 0xF;

	if (type != 0 || (cr != 0 && cr != 4)) {
		vcpu_dump(v);
		vm_end(v->vm, VM_END_UNHANDLED_EXIT, "CR access %#lx not emulated", q);
		return;
	}
	uint64_t val = gpr == GPR_RSP ? vmcs_readnat(GUEST_RSP) : v->regs.by_index[gpr];
	if (cr == 0) {
		uint64_t fixed = vmx_guest_cr0_fixed1_bits();
		uint64_t old = vmcs_readnat(GUEST_CR0);
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
		/* VMX is hidden from guests (CPUID.1:ECX.VMX = 0), so CR4.VMXE is
		 * a reserved bit for them: setting it raises #GP, as on a CPU
		 * without VMX. */
		if (val & CR4_VMXE) {
			vcpu_inject_exception(v, VEC_GP, true, 0);
			return;
		}
		vmcs_writenat(CR4_READ_SHADOW, val);
		vmcs_writenat(GUEST_CR4, val | vmx_cr4_fixed1_bits());
	}
	vcpu_skip_instruction(v);
}

void handle_ept_violation(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);

	if (lapic_mmio_access(v, gpa))
		return;
	vm_end(v->vm, VM_END_BAD_ACCESS,
	       "EPT violation at guest-physical %#lx (outside its %lu MiB RAM), qualification %#lx, "
	       "RIP %#lx", gpa, (unsigned long)(v->vm->ram_size / MiB), vcpu_exit_qualification(v),
	       v->rip);
}

void handle_preemption_timer(struct vcpu *v)
{
	/* A slice ended: the run loop checks the watchdog and re-arms. */
}

void handle_xsetbv(struct vcpu *v)
{
	/* XSAVE is hidden in the guest's CPUID, so XSETBV is #UD for it. */
	vcpu_inject_exception(v, VEC_UD, false, 0);
}

void handle_pause(struct vcpu *v)
{
	vcpu_skip_instruction(v);
}
