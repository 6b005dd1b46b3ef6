/*
 * vmm/core/vcpu.c - the actions every exit handler shares (vmm/core/vcpu.h).
 *
 * Context: VMX root, on the pCPU where v's VMCS is current (the signals:
 * any pCPU, under vcpu_state_lock).
 */
#include "vmm/core/vcpu.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "vmm/time/tsc_sync.h"

struct spinlock vcpu_state_lock;

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;

	if (has_error) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

void vcpu_sleep(struct vcpu *v, uint64_t host_ticks)
{
	v->wake_ref = ref_now() + host_ticks;
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
	spin_lock(&vcpu_state_lock);
	if (target->state == VCPU_WAIT_SIPI)
		target->pending_sipi = false;
	spin_unlock(&vcpu_state_lock);
}

void vcpu_signal_sipi(struct vcpu *target, uint8_t vector)
{
	spin_lock(&vcpu_state_lock);
	if (target->state == VCPU_WAIT_SIPI) {
		target->pending_sipi = true;
		target->sipi_vector = vector;
		target->state = VCPU_RUNNABLE;
	}
	spin_unlock(&vcpu_state_lock);
}
