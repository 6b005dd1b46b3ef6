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
 * host interrupts as exits then, see PLATFORM.md), so slices end and the
 * watchdog works. Which vCPU runs where is vmm/sched.c's business.
 */
#include "vmm/run.h"
#include "kernel/arch.h"
#include "vmm/break.h"
#include "kernel/console.h"
#include "vmm/dev/lapic.h"
#include "lib/msr.h"
#include "vmm/options.h"
#include "vmm/time/vtsc.h"
#include "kernel/mem.h"
#include "kernel/percpu.h"
#include "vmm/sched.h"
#include "vmm/time/tsc_sync.h"
#include "vmx/exit.h"
#include "vmx/exit_reasons.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx.h"
#include "vmx/vmx_defs.h"
#include "vmx/tlb.h"


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

/* The guest-owned MSRs that VMX does not switch and the host never uses:
 * they stay in the pCPU while the vCPU runs there and travel with it. */
static const uint32_t travelling_msrs[NUM_TRAVELLING_MSRS] = {
	MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR,
	MSR_IA32_FMASK, MSR_IA32_TSC_AUX,
};

void vcpu_load(struct vcpu *v)
{
	uint32_t me = this_cpu()->cpu_id;
	uint64_t pa = virt_to_phys(v->vmcs);

	/* Never current on two pCPUs: whoever ran it last VMCLEARed it. */
	assert(v->loaded_on == -1);
	VMX_CHECK("vmptrld", pa, vmptrld(pa));
	v->loaded_on = (int32_t)me;
	this_cpu()->current_vcpu = v;
	vmcs_write_host_state();
	vtsc_load(v);
	write_cr2(v->regs.cr2);       /* the entry stub leaves CR2 alone */
	for (unsigned i = 0; i < NUM_TRAVELLING_MSRS; i++)
		if (travelling_msrs[i] != MSR_IA32_TSC_AUX || vmx_ctls.rdtscp)
			wrmsr(travelling_msrs[i], v->msrs[i]);

	/* Deadlines in this pCPU's own TSC, which the exit stub reads. */
	int64_t skew = tsc_skew[me];
	v->watchdog_deadline = v->vm->watchdog_ref == UINT64_MAX
		? UINT64_MAX : v->vm->watchdog_ref + (uint64_t)skew;
	uint64_t slice_end = rdtsc() + sched_slice_ticks();
	v->leave_tsc = sched_every_exit ? 0 : MIN(slice_end, v->watchdog_deadline);
	v->migrated_in = v->last_pcpu >= 0 && v->last_pcpu != (int32_t)me;
	if (v->migrated_in) {
		v->migrations++;
		if (vmx_ctls.vpid)
			vmx_flush_vpid(v->vpid);
	}
}

void vcpu_put(struct vcpu *v)
{
	uint64_t pa = virt_to_phys(v->vmcs);
	uint32_t me = this_cpu()->cpu_id;

	assert(v->loaded_on == (int32_t)me);
	v->regs.cr2 = read_cr2();
	for (unsigned i = 0; i < NUM_TRAVELLING_MSRS; i++)
		if (travelling_msrs[i] != MSR_IA32_TSC_AUX || vmx_ctls.rdtscp)
			v->msrs[i] = rdmsr(travelling_msrs[i]);
	vtsc_put(v);
	/* the exit that made it leave, on the reference timeline */
	v->put_ref = v->regs.exit_tsc - (uint64_t)tsc_skew[me];
	VMX_CHECK("vmclear", pa, vmclear(pa));
	v->loaded_on = -1;
	v->launched = false;
	v->last_pcpu = (int32_t)me;
	this_cpu()->current_vcpu = NULL;
}

/* Ticks from the previous exit to the entry after it, charged to that
 * exit's reason (vmx_dispatch_exit keeps last_basic_reason in range). */
static inline void account_exit_cost(struct vcpu *v)
{
	uint32_t r = v->last_basic_reason;
	uint64_t ticks = v->regs.entry_tsc - v->prev_exit_tsc;

	v->hv_ticks_sum[r] += ticks;
	v->hv_ticks_n[r]++;
	if (ticks < v->hv_ticks_min[r])
		v->hv_ticks_min[r] = ticks;
}

/* The first exit after a move: the migration's cost is the time from the
 * exit on the old pCPU to the entry on this one, both on the reference
 * timeline (each pCPU's TSC minus its measured skew). */
static void account_migration(struct vcpu *v)
{
	uint64_t cost = v->regs.entry_tsc - (uint64_t)tsc_skew[this_cpu()->cpu_id] - v->put_ref;

	v->migrated_in = false;
	v->migration_ticks_sum += cost;
	v->migration_ticks_max = MAX(v->migration_ticks_max, cost);
}

bool vmx_exit_hook(struct guest_regs *regs)
{
	struct vcpu *v = (struct vcpu *)regs;   /* regs is the first member */
	struct vm *vm = v->vm;

	if (v->launched)
		account_exit_cost(v);     /* not across a VMCLEAR: the TSCs may differ */
	else if (v->migrated_in)
		account_migration(v);
	v->prev_exit_tsc = regs->exit_tsc;
	vmx_dispatch_exit(v);
	/* One compare on the common path: leave_tsc is the earlier of the
	 * slice's end and the watchdog's deadline (0 with every-exit), checked
	 * on every exit against the TSC the stub already read. A guest that
	 * exits often restarts the preemption timer at each entry and would
	 * otherwise never be preempted. */
	if (__builtin_expect(regs->exit_tsc >= v->leave_tsc, 0)) {
		if (regs->exit_tsc > v->watchdog_deadline && vm->state == VM_RUNNING)
			vm_end(vm, VM_END_WATCHDOG, "still running after %lu ticks (watchdog=)",
			       hv_opts.watchdog);
		return false;
	}
	return vm->state == VM_RUNNING && !v->sleeping;
}

void vcpu_run_slice(struct vcpu *v)
{
	uint32_t rate = vmx_misc_preemption_timer_rate(vmx_caps.misc);

	vcpu_load(v);
	if (v->pending_sipi) {
		vmcs_init_realmode(v, v->sipi_vector);
		v->pending_sipi = false;
	}
	/* With "save VMX-preemption timer value" off, exits leave this field
	 * alone and every entry restarts the timer from it. */
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE,
		     (uint32_t)MIN(sched_slice_ticks() >> rate, UINT32_MAX));
	if (!v->break_applied) {
		break_apply(v, (enum break_kind)hv_opts.brk);
		v->break_applied = true;
	}
	if (v->vm->state == VM_RUNNING) {
		int r = vmx_run(&v->regs, v->launched);
		if (r != 0)
			vmx_entry_failed(v, r);     /* VMLAUNCH/VMRESUME failed */
	}
	vcpu_put(v);
}

void report_vm(struct vm *vm)
{
	vm_console_flush(vm);
	bool pass = vm_passed(vm);

	if (vm->end_kind == VM_END_DEBUG_EXIT)
		kprintf("[hv] vm%u \"%s\" exit code %u: %s\n", vm->id, vm->name, vm->exit_status,
			pass ? "PASS" : "FAIL");
	else
		kprintf("[hv] vm%u \"%s\" exit code none: FAIL (%s: %s)\n", vm->id, vm->name,
			end_kind_names[vm->end_kind], vm->end_reason);
	uint64_t exits = 0, hcalls = 0;
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		exits += vm->vcpus[c].counters.exits_total;
		hcalls += vm->vcpus[c].counters.hypercalls;
	}
	kprintf("[hv] vm%u stats: %lu exits, %lu hypercalls, guest reports %u pass %u fail %u skip, "
		"%lu unhandled port accesses, %lu unhandled MSR accesses\n", vm->id, exits, hcalls,
		vm->reports_pass, vm->reports_fail, vm->reports_skip, vm->unhandled_io,
		vm->unhandled_msr);
	lapic_vm_summary(vm);
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		const struct vcpu *v = &vm->vcpus[c];
		for (uint32_t r = 0; r < HC_EXIT_REASONS; r++) {
			uint64_t n = v->counters.exits_by_reason[r];
			if (!n)
				continue;
			uint64_t timed = v->hv_ticks_n[r];
			if (!timed) {      /* e.g. the exit that ended the VM */
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

