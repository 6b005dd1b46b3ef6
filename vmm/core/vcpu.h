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

void vcpu_single_step(struct vcpu *v);

/* RIP += VM_EXIT_INSTRUCTION_LEN, the blocking by STI or MOV SS that the
 * emulated instruction ends (SDM Vol. 3C, "Guest Non-Register State"), and
 * its single-step trap when RFLAGS.TF = 1: an instruction that exits never
 * completes in the guest, so the CPU raises no single-step #DB for it and
 * the hypervisor that completes it must (SDM Vol. 3B, "Single-Step
 * Exception Condition"). Inline: every emulated instruction ends here. */
static inline void vcpu_skip_instruction(struct vcpu *v)
{
	/* Read at full width: VMREAD clears the bits above a 32-bit field
	 * (SDM Vol. 3C, "VMREAD"), so the length needs no zero-extension. */
	VMCS_ACCESS_CHECK(VM_EXIT_INSTRUCTION_LEN, VMCS_WIDTH_32);
	uint64_t len = __vmcs_read(VM_EXIT_INSTRUCTION_LEN, __func__);
	vmcs_writenat(GUEST_RIP, v->rip + len);
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_STI_MOVSS);
	if (__builtin_expect(vmcs_readnat(GUEST_RFLAGS) & RFLAGS_TF, 0))
		vcpu_single_step(v);
}

/* The MSR number of each enum travelling_msr (vmm/core/vm.h). */
extern const uint32_t travelling_msrs[NUM_TRAVELLING_MSRS];

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
 * "VM-Entry Controls for Event Injection"); marks the entry interruption
 * field taken, so vmm/inject.c delivers nothing else with this entry.
 * has_error is dropped while the guest is in real mode (CR0.PE = 0), where
 * no exception pushes an error code and the entry would fail with one. */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

/* DR6 bits (SDM Vol. 3B, "Debug Status Register (DR6)"), as the exit
 * qualification of a #DB reports them too (SDM Vol. 3C, "Exit Qualification
 * for Debug Exceptions"). */
#define DR6_B0_B3        0xFULL
#define DR6_BD           BIT(13)
#define DR6_BS           BIT(14)
#define DR6_RTM          BIT(16)
#define DR6_ACTIVE_LOW   0xFFFF0FF0ULL

/* A #DB for the guest with these DR6 conditions (B3-B0, BD, BS, RTM as the
 * exit qualification gives them): DR6 written as the CPU would, then #DB
 * injected. */
void vcpu_inject_db(struct vcpu *v, uint64_t conditions);

/* The single-step trap of an instruction the hypervisor emulated with
 * RFLAGS.TF = 1 (vcpu_skip_instruction). */
void vcpu_single_step(struct vcpu *v);

/* Any event, as the VM-entry interruption-information field takes it
 * (info), with its error code and, for a software interrupt or exception
 * (types 4, 5, 6), the instruction length. */
void vcpu_inject_event(struct vcpu *v, uint32_t info, uint32_t error, uint32_t len);

/* #GP(0), or #GP with no error code where the guest runs in real mode
 * (CR0.PE = 0), where exceptions push none and an entry that injects one
 * with an error code fails (SDM Vol. 3C, "VM-Entry Controls for Event
 * Injection"). */
void vcpu_inject_gp0(struct vcpu *v);
/* Is the guest whose VMCS is current in real mode (guest CR0.PE = 0, which
 * "unrestricted guest" allows)? */
bool vcpu_real_mode(void);

/* Post EV_* bits to a vCPU of any VM from any pCPU, then kick it
 * (vcpu_kick) so that a running target notices without waiting for its
 * slice to end. */
void vcpu_post_event(struct vcpu *target, uint32_t ev);

/*
 * Make the pCPU that has target loaded, if it is another one, take a VM
 * exit soon: a host IPI on KICK_VECTOR (kernel/host_apic.h) with
 * external-interrupt exiting. Bochs 2.7 does not exit on it while the
 * guest runs with IF = 0 (docs/platform.md); the IPI then stays pending
 * and the target notices at its next exit of any kind, at the latest when
 * its preemption timer ends the slice. A target that is not loaded needs
 * nothing: the scheduler looks at its events before it runs it. Without
 * "acknowledge interrupt on exit" no IPI is sent (the slice is the bound).
 */
void vcpu_kick(struct vcpu *target);

/* Host IPIs are sent only once the scheduler runs (vmm/sched.c turns this on). */
extern bool vcpu_kicks_enabled;

/* Take the vCPU off its pCPU for at least host_ticks (0: just yield): the
 * exit path then returns to the scheduler instead of resuming, and the
 * guest's TSC keeps running meanwhile (its offset does not change). */
void vcpu_sleep(struct vcpu *v, uint64_t host_ticks);

/* How long HLT with interrupts on keeps a vCPU off its pCPU when its APIC
 * is software-disabled, so that no interrupt can ever reach it: it wakes as
 * if the platform's timer tick had come (vmm/exits_core.c:handle_hlt). */
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

/* INIT to a vCPU: one waiting for its SIPI forgets a SIPI it got; any
 * other (running, runnable, halted) gets EV_INIT and is reset at its next
 * exit or load, then waits for a SIPI (SDM Vol. 3A, "MP Initialization
 * Protocol Algorithm"; vmm/run.c:take_init). */
void vcpu_signal_init(struct vcpu *target);

/* STARTUP to a vCPU waiting for it (or with an INIT not yet taken): it
 * becomes runnable and starts in real mode at the vector's page at its
 * next load. */
void vcpu_signal_sipi(struct vcpu *target, uint8_t vector);

#endif
