/*
 * vmm/exits.h - the VM-exit handlers (policy), called through the table in
 * vmx/exit.c (mechanism).
 *
 * Context: VMX root, on the pCPU where v's VMCS is current. v->exit_reason,
 * v->exit_qualification and v->rip are already read. A handler either
 * emulates the instruction (and advances RIP with vcpu_skip_instruction) or
 * ends the VM with vm_end(); it never returns silently without doing either
 * unless the exit needs neither (a preemption-timer tick).
 */
#ifndef CV_EXITS_H
#define CV_EXITS_H

#include "vmm/core/vm.h"
#include "vmx/vmcs.h"

typedef void (*exit_handler_t)(struct vcpu *v);

void handle_exception_nmi(struct vcpu *v);
void handle_external_interrupt(struct vcpu *v);
void handle_triple_fault(struct vcpu *v);
void handle_cpuid(struct vcpu *v);
void handle_hlt(struct vcpu *v);
void handle_invd(struct vcpu *v);
void handle_vmcall(struct vcpu *v);
void handle_vmx_instruction(struct vcpu *v);
void handle_cr_access(struct vcpu *v);
void handle_io(struct vcpu *v);
void handle_rdmsr(struct vcpu *v);
void handle_wrmsr(struct vcpu *v);
void handle_ept_violation(struct vcpu *v);
void handle_preemption_timer(struct vcpu *v);
void handle_xsetbv(struct vcpu *v);
void handle_pause(struct vcpu *v);

/* Guest interruptibility state: blocking by STI (bit 0) and by MOV SS
 * (bit 1) end with the instruction we emulate (SDM Vol. 3C, "Guest
 * Non-Register State"). */
#define INTERRUPTIBILITY_STI_MOVSS 0x3u

/* RIP += VM_EXIT_INSTRUCTION_LEN (and clear blocking by STI/MOV SS).
 * Inline: every emulated instruction ends here. */
static inline void vcpu_skip_instruction(struct vcpu *v)
{
	uint32_t len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	vmcs_writenat(GUEST_RIP, v->rip + len);
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_STI_MOVSS);
}

/* Take the vCPU off its pCPU for at least host_ticks (0: just yield):
 * the exit hook then returns to the run loop instead of resuming, and the
 * guest's TSC keeps running meanwhile (its offset does not change). */
void vcpu_sleep(struct vcpu *v, uint64_t host_ticks);

/* How long HLT with interrupts on keeps a vCPU off its pCPU: with no
 * virtual interrupt source yet, it wakes as if a timer tick had come. */
#define HLT_SLEEP_TICKS  2000000ULL

/* Queue a hardware exception for the next VM entry (SDM Vol. 3C,
 * "VM-Entry Controls for Event Injection"). */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

#define VEC_UD 6
#define VEC_GP 13

#endif
