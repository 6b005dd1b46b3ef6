/*
 * vmm/core/vm.c - the table of VMs, a VM's end, and its guest-physical RAM.
 *
 * Context: VMX root, any pCPU running the VM (vm_end may run on several at
 * once: the first caller's reason wins).
 */
#include "vmm/core/vm.h"
#include "lib/printf.h"

struct vm vms[MAX_VMS];
uint32_t nvms;

void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

void vm_end(struct vm *vm, enum vm_end_kind kind, const char *fmt, ...)
{
	va_list ap;

	/* Two vCPUs of a VM may end it at once: the first one says why. */
	spin_lock(&vm->end_lock);
	if (vm->state == VM_ENDED) {
		spin_unlock(&vm->end_lock);
		return;
	}
	vm->end_kind = kind;
	va_start(ap, fmt);
	cv_vsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
	va_end(ap);
	__atomic_store_n(&vm->state, VM_ENDED, __ATOMIC_RELEASE);
	/* Its vCPUs that run now leave at their next exit (vmm/exit.c). */
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		__atomic_store_n(&vm->vcpus[i].leave_tsc, 0, __ATOMIC_RELAXED);
	spin_unlock(&vm->end_lock);
}

bool vm_skipped(const struct vm *vm)
{
	return vm->state == VM_ENDED && vm->end_kind == VM_END_DEBUG_EXIT &&
	       vm->exit_status == ((VM_EXIT_SKIP << 1) | 1);
}

bool vm_passed(const struct vm *vm)
{
	return vm->state == VM_ENDED && vm->end_kind == VM_END_DEBUG_EXIT && vm->exit_status == 1;
}
