/*
 * vmm/core/vcpu.h - what every exit handler does to its vCPU: finish the
 * emulated instruction, inject an exception, sleep, end the VM, dump it.
 *
 * Context: VMX root, on the pCPU where v's VMCS is current (vm_end and the
 * INIT/SIPI signals from any pCPU). The handlers live above this layer
 * (vmm/dev/ and vmm/); they all reach the vCPU only through these and
 * struct vcpu (vmm/core/vm.h).
 */
#ifndef CV_VCPU_H
#define CV_VCPU_H

#include "lib/spinlock.h"
#include "lib/x86.h"
#include "vmm/core/vm.h"
#include "vmx/vmcs.h"

/* RIP += VM_EXIT_INSTRUCTION_LEN, and the blocking by STI or MOV SS that
 * the emulated instruction ends (SDM Vol. 3C, "Guest Non-Register State").
 * Inline: every emulated instruction ends here. */
static inline void vcpu_skip_instruction(struct vcpu *v)
{
	uint32_t len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	vmcs_writenat(GUEST_RIP, v->rip + len);
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_STI_MOVSS);
}

/* The exit qualification of the current exit, read once when a handler
 * needs it (most exits do not: the dispatcher leaves it alone). */
static inline uint64_t vcpu_exit_qualification(struct vcpu *v)
{
	v->exit_qualification = vmcs_readnat(EXIT_QUALIFICATION);
	return v->exit_qualification;
}

/* Leave the pCPU at the next check of the exit path (vmm/exit.c): one
 * compare there covers the slice, the watchdog, sleeping and ending. */
static inline void vcpu_leave_now(struct vcpu *v)
{
	__atomic_store_n(&v->leave_tsc, 0, __ATOMIC_RELAXED);
}

/* Queue a hardware exception for the next VM entry (SDM Vol. 3C,
 * "VM-Entry Controls for Event Injection"). */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

/* Take the vCPU off its pCPU for at least host_ticks (0: just yield): the
 * exit path then returns to the scheduler instead of resuming, and the
 * guest's TSC keeps running meanwhile (its offset does not change). */
void vcpu_sleep(struct vcpu *v, uint64_t host_ticks);

/* How long HLT with interrupts on keeps a vCPU off its pCPU: with no
 * virtual interrupt source yet, it wakes as if a timer tick had come. */
#define HLT_SLEEP_TICKS  2000000ULL

/* Guest registers and the full named VMCS dump. */
void vcpu_dump(struct vcpu *v);

/*
 * The scheduling state of every vCPU (state, pending_sipi, sipi_vector) is
 * changed only under this lock: the scheduler (vmm/sched.c) picks and gives
 * back under it, and a guest's INIT or STARTUP IPI (vmm/dev/lapic.c) signals
 * a vCPU of its VM under it from whichever pCPU the sender runs on.
 */
extern struct spinlock vcpu_state_lock;


/* INIT to a vCPU: an AP that has not started yet forgets a pending SIPI.
 * (Re-INIT of a running vCPU is not emulated.) */
void vcpu_signal_init(struct vcpu *target);

/* STARTUP to a vCPU waiting for it: it becomes runnable and starts in real
 * mode at the vector's page at its next load. */
void vcpu_signal_sipi(struct vcpu *target, uint8_t vector);

#endif
