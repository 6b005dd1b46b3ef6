/*
 * vmm/core/vcpu.c - the actions every exit handler shares (vmm/core/vcpu.h).
 *
 * Context: VMX root, on the pCPU where v's VMCS is current (the signals:
 * any pCPU, under vcpu_state_lock).
 */
#include "vmm/core/vcpu.h"
#include "kernel/console.h"
#include "kernel/host_apic.h"
#include "kernel/percpu.h"
#include "vmm/time/tsc_sync.h"
#include "lib/msr.h"

const uint32_t travelling_msrs[NUM_TRAVELLING_MSRS] = {
	[TMSR_KERNEL_GS_BASE] = MSR_IA32_KERNEL_GS_BASE, [TMSR_STAR] = MSR_IA32_STAR,
	[TMSR_LSTAR] = MSR_IA32_LSTAR, [TMSR_CSTAR] = MSR_IA32_CSTAR,
	[TMSR_FMASK] = MSR_IA32_FMASK, [TMSR_TSC_AUX] = MSR_IA32_TSC_AUX,
};

struct spinlock vcpu_state_lock;
bool vcpu_kicks_enabled;

bool vcpu_real_mode(void)
{
	return !(vmcs_readnat(GUEST_CR0) & CR0_PE);
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;

	/* Real mode pushes no error code, and with "unrestricted guest" an
	 * entry that asks to deliver one while CR0.PE = 0 fails (VMfailValid,
	 * error 7: SDM Vol. 3C, "Checks on VM-Entry Control Fields"). */
	if (has_error && vcpu_real_mode())
		has_error = false;
	if (has_error) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	v->event_injected = true;
	v->entry_work = true;
}

/* chronovisor does not switch DR6 between guests (the host never uses the
 * debug registers), so while this vCPU is loaded the CPU's DR6 is the
 * guest's: B3-B0 are replaced at each #DB, BD, BS and BT are never cleared
 * by the CPU, RTM (16) is active low, bits 31:17 and 11:4 read 1. */
void vcpu_inject_db(struct vcpu *v, uint64_t conditions)
{
	uint64_t dr6;

	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	dr6 = (dr6 & ~DR6_B0_B3) | DR6_ACTIVE_LOW | (conditions & (DR6_B0_B3 | DR6_BD | DR6_BS));
	if (conditions & DR6_RTM)
		dr6 &= ~DR6_RTM;        /* set in the qualification: cleared in DR6 */
	__asm__ volatile("mov %0, %%dr6" ::"r"(dr6));
	vcpu_inject_exception(v, VEC_DB, false, 0);
}

void vcpu_single_step(struct vcpu *v)
{
	v->single_steps++;
	vcpu_inject_db(v, DR6_BS);
}

void vcpu_inject_event(struct vcpu *v, uint32_t info, uint32_t error, uint32_t len)
{
	uint32_t type = info & INTR_INFO_TYPE_MASK;

	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    type == INTR_TYPE_SW_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, len);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
	v->event_injected = true;
	v->entry_work = true;
}

void vcpu_inject_gp0(struct vcpu *v)
{
	vcpu_inject_exception(v, VEC_GP, (vmcs_readnat(GUEST_CR0) & CR0_PE) != 0, 0);
}

void vcpu_kick(struct vcpu *target)
{
	/* The poster stored the event before this load (both under a lock
	 * the target also takes before it enters: the APIC's, or the
	 * atomic ev_pending), and the target fences its store of loaded_on
	 * before it reads ev_pending (vmm/run.c:vcpu_load), so either the
	 * target sees the event before its entry, or we see where it is
	 * loaded and interrupt it. */
	int32_t cpu = __atomic_load_n(&target->loaded_on, __ATOMIC_ACQUIRE);

	if (cpu < 0 || !vcpu_kicks_enabled || (uint32_t)cpu == this_cpu()->cpu_id)
		return;
	host_apic_send_fixed(percpu[cpu].apic_id, KICK_VECTOR);
}

void vcpu_post_event(struct vcpu *target, uint32_t ev)
{
	__atomic_fetch_or(&target->ev_pending, ev, __ATOMIC_SEQ_CST);
	vcpu_kick(target);
}

/* No sleep longer than this: wake_ref stays ahead of now in the signed
 * compare the scheduler makes (vmm/sched.c:pick), whatever the guest asked. */
#define SLEEP_TICKS_LIMIT  (1ULL << 62)

void vcpu_sleep(struct vcpu *v, uint64_t host_ticks)
{
	v->wake_ref = ref_now() + MIN(host_ticks, SLEEP_TICKS_LIMIT);
	v->sleeping = true;
	vcpu_leave_now(v);
}

void vcpu_dump(struct vcpu *v)
{
	kprintf("[hv] vm%u vcpu%u on pcpu %u: guest registers\n", v->vm->id, v->id,
		this_cpu()->cpu_id);
	guest_regs_dump(&v->regs);
	vmcs_dump();
}

void vcpu_signal_init(struct vcpu *target)
{
	bool running = false;

	spin_lock(&vcpu_state_lock);
	if (target->state == VCPU_WAIT_SIPI) {
		target->pending_sipi = false;
	} else if (target->state == VCPU_RUNNABLE || target->state == VCPU_RUNNING) {
		/* taken at its next exit or load: vmm/run.c resets it */
		target->pending_sipi = false;
		__atomic_fetch_or(&target->ev_pending, EV_INIT, __ATOMIC_SEQ_CST);
		running = true;
	}
	spin_unlock(&vcpu_state_lock);
	if (running)
		vcpu_kick(target);
}

void vcpu_signal_sipi(struct vcpu *target, uint8_t vector)
{
	spin_lock(&vcpu_state_lock);
	if (target->state == VCPU_WAIT_SIPI) {
		target->pending_sipi = true;
		target->sipi_vector = vector;
		target->state = VCPU_RUNNABLE;
	} else if ((__atomic_load_n(&target->ev_pending, __ATOMIC_SEQ_CST) & EV_INIT) ||
		   target->to_wait_sipi) {
		/* an INIT sent but not yet taken, or taken but the vCPU not yet
		 * back in wait-for-SIPI: the SIPI waits for it */
		target->pending_sipi = true;
		target->sipi_vector = vector;
	}
	spin_unlock(&vcpu_state_lock);
}
