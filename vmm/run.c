/*
 * vmm/run.c - the loop that enters a vCPU, handles its exits, and ends.
 *
 * Context: VMX root, interrupts off. Loading a vCPU on a pCPU is VMPTRLD plus
 * the host-state fields of that pCPU; putting it away is VMCLEAR on the same
 * pCPU (SDM Vol. 3C, "Software Use of Virtual-Machine Control Structures"),
 * after which the next entry must be VMLAUNCH again. `loaded_on` is asserted
 * so that a VMCS is never current on two pCPUs at once.
 *
 * Every entry arms the VMX-preemption timer: it returns control to us even
 * from a guest that spins with interrupts off (Bochs 2.7 does not deliver
 * host interrupts as exits then, see PLATFORM.md), so the watchdog works.
 */
#include "vmm/run.h"
#include "vmm/arch.h"
#include "vmm/break.h"
#include "vmm/console.h"
#include "vmm/lapic.h"
#include "vmm/msr.h"
#include "vmm/options.h"
#include "vmm/percpu.h"
#include "vmx/exit.h"
#include "vmx/exit_reasons.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx.h"
#include "vmx/vmx_defs.h"

#define SLICE_TICKS  20000000ULL   /* preemption-timer slice: the watchdog's granularity */

static const char *const end_kind_names[] = {
	[VM_END_DEBUG_EXIT] = "isa-debug-exit",
	[VM_END_SHUTDOWN] = "shutdown",
	[VM_END_TRIPLE_FAULT] = "triple fault",
	[VM_END_BAD_ACCESS] = "access outside its RAM",
	[VM_END_HOSTILE] = "forbidden instruction",
	[VM_END_HALTED] = "halted for good",
	[VM_END_ENTRY_FAILED] = "VM entry failed",
	[VM_END_UNHANDLED_EXIT] = "unhandled VM exit",
	[VM_END_WATCHDOG] = "watchdog",
	[VM_END_LOAD_FAILED] = "not loaded",
};

static void vcpu_load(struct vcpu *v)
{
	int32_t me = (int32_t)this_cpu()->cpu_id;
	uint64_t pa = (uint64_t)(uintptr_t)v->vmcs;

	assert(v->loaded_on == -1);
	VMX_CHECK("vmptrld", pa, vmptrld(pa));
	vmcs_write_host_state();
	write_cr2(v->regs.cr2);       /* the entry stub leaves CR2 alone */
	if (vmx_ctls.rdtscp)          /* RDTSCP reads it without an exit */
		wrmsr(MSR_IA32_TSC_AUX, v->tsc_aux);
	v->loaded_on = me;
	this_cpu()->current_vcpu = v;
}

static void vcpu_put(struct vcpu *v)
{
	uint64_t pa = (uint64_t)(uintptr_t)v->vmcs;

	assert(v->loaded_on == (int32_t)this_cpu()->cpu_id);
	v->regs.cr2 = read_cr2();
	if (vmx_ctls.rdtscp)          /* the guest may have written it directly */
		v->tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
	VMX_CHECK("vmclear", pa, vmclear(pa));
	v->loaded_on = -1;
	v->launched = false;
	this_cpu()->current_vcpu = NULL;
}

/* Ticks from the previous exit to the entry after it, charged to that
 * exit's reason (vmx_handle_exit keeps last_basic_reason in range). */
static inline void account_exit_cost(struct vcpu *v)
{
	uint32_t r = v->last_basic_reason;
	uint64_t ticks = v->regs.entry_tsc - v->prev_exit_tsc;

	v->hv_ticks_sum[r] += ticks;
	if (ticks < v->hv_ticks_min[r])
		v->hv_ticks_min[r] = ticks;
}

bool vmx_exit_hook(struct guest_regs *regs)
{
	struct vcpu *v = (struct vcpu *)regs;   /* regs is the first member */
	struct vm *vm = v->vm;

	if (v->launched)
		account_exit_cost(v);
	v->prev_exit_tsc = regs->exit_tsc;
	vmx_dispatch_exit(v);
	/* Checked on every exit: a guest that exits often (a CPUID loop)
	 * restarts the preemption timer at each entry and never lets it fire. */
	if (__builtin_expect(rdtsc() - v->run_start_tsc > hv_opts.watchdog, 0) &&
	    hv_opts.watchdog && vm->state == VM_RUNNING)
		vm_end(vm, VM_END_WATCHDOG, "still running after %lu ticks (watchdog=)",
		       hv_opts.watchdog);
	return vm->state == VM_RUNNING;
}

static void run_vcpu(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t rate = vmx_misc_preemption_timer_rate(vmx_caps.misc);

	for (uint32_t r = 0; r < HC_EXIT_REASONS; r++)
		v->hv_ticks_min[r] = UINT64_MAX;
	v->run_start_tsc = rdtsc();
	vcpu_load(v);
	/* With "save VMX-preemption timer value" off, exits leave this field
	 * alone and every entry restarts the timer from it: written once. */
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, (uint32_t)(SLICE_TICKS >> rate));
	break_apply(v, (enum break_kind)hv_opts.brk);
	while (vm->state == VM_RUNNING) {
		int r = vmx_run(&v->regs, v->launched);
		if (r != 0)
			vmx_entry_failed(v, r);     /* VMLAUNCH/VMRESUME failed */
	}
	vcpu_put(v);
}

static void report_vm(struct vm *vm)
{
	vm_console_flush(vm);
	bool pass = vm_passed(vm);

	if (vm->end_kind == VM_END_DEBUG_EXIT)
		kprintf("[hv] vm%u \"%s\" exit code %u: %s\n", vm->id, vm->name, vm->exit_status,
			pass ? "PASS" : "FAIL");
	else
		kprintf("[hv] vm%u \"%s\" exit code none: FAIL (%s: %s)\n", vm->id, vm->name,
			end_kind_names[vm->end_kind], vm->end_reason);
	kprintf("[hv] vm%u stats: %lu exits, %lu hypercalls, guest reports %u pass %u fail %u skip, "
		"%lu unhandled port accesses, %lu unhandled MSR accesses\n", vm->id,
		vm->vcpus[0].counters.exits_total, vm->vcpus[0].counters.hypercalls,
		vm->reports_pass, vm->reports_fail, vm->reports_skip, vm->unhandled_io,
		vm->unhandled_msr);
	lapic_vm_summary(vm);
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		const struct vcpu *v = &vm->vcpus[c];
		for (uint32_t r = 0; r < HC_EXIT_REASONS; r++) {
			uint64_t n = v->counters.exits_by_reason[r];
			if (!n)
				continue;
			/* the exit that ended the VM had no entry after it */
			uint64_t timed = n - (r == v->last_basic_reason && vm->state == VM_ENDED);
			if (!timed) {
				kprintf("[hv] vm%u vcpu%u exits %-20s %8lu\n", vm->id, c,
					exit_reason_name(r), n);
				continue;
			}
			kprintf("[hv] vm%u vcpu%u exits %-20s %8lu, hypervisor ticks per exit min %lu avg %lu\n",
				vm->id, c, exit_reason_name(r), n, v->hv_ticks_min[r],
				v->hv_ticks_sum[r] / timed);
		}
	}
}

bool vm_run_all(void)
{
	bool all = true;

	for (uint32_t i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state == VM_CREATED) {
			kprintf("[hv] vm%u \"%s\": starting\n", vm->id, vm->name);
			vm->state = VM_RUNNING;
			run_vcpu(&vm->vcpus[0]);
		}
		report_vm(vm);
		all = all && vm_passed(vm);
	}
	return all;
}
