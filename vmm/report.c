/*
 * vmm/report.c - the end-of-run report of each VM (vmm/report.h).
 *
 * Context: VMX root, pCPU 0, after the scheduler loops have returned (no
 * vCPU runs any more, so nothing here takes a lock).
 */
#include "vmm/report.h"
#include "kernel/console.h"
#include "lib/printf.h"
#include "vmm/dev/io.h"
#include "vmm/dev/lapic.h"
#include "vmx/exit.h"

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

static void report_exits(const struct vm *vm)
{
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		const struct vcpu *v = &vm->vcpus[c];
		for (uint32_t r = 0; r < HC_EXIT_REASONS; r++) {
			uint64_t n = v->counters.exits_by_reason[r];
			if (!n)
				continue;
			kprintf("[hv] vm%u vcpu%u exits %-20s %8lu\n", vm->id, c,
				exit_reason_name(r), n);
		}
	}
}

/* What vmm/exits_core.c answered for the guest's exceptions and the
 * instructions that would reach the host (only the vCPUs that had any). */
static void report_contained(const struct vm *vm)
{
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		const struct vcpu *v = &vm->vcpus[c];
		if (!(v->reflected_ac | v->reflected_db | v->cache_flushes | v->rdpmc_refused |
		      v->cr_refused | v->deferred_reinject | v->reinjected | v->single_steps |
		      v->vmx_refused))
			continue;
		kprintf("[hv] vm%u vcpu%u contained: #AC reflected %lu, #DB reflected %lu, single-step traps %lu, "
			"INVD/WBINVD as NOP %lu, RDPMC #GP %lu, CR0/CR4 write #GP %lu, VMX #UD %lu, "
			"interrupted deliveries %lu (%lu waited for a window)\n", vm->id, c, v->reflected_ac,
			v->reflected_db, v->single_steps, v->cache_flushes, v->rdpmc_refused, v->cr_refused,
			v->vmx_refused, v->reinjected, v->deferred_reinject);
	}
}

static void report_tsc(const struct vm *vm)
{
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		const struct vcpu *v = &vm->vcpus[c];
		const struct vclock *k = &v->clock;
		/* The guest-measured figure only where the guest took samples
		 * (HC_TSC_CHECK): no samples is "none", never 0 ticks. */
		char guest[96];
		if (k->guest_checks)
			cv_snprintf(guest, sizeof(guest), "%lu ticks (%lu checks, %lu dropped)",
				 k->max_guest_error, k->guest_checks, k->guest_checks_dropped);
		else
			cv_snprintf(guest, sizeof(guest), "none (0 checks, %lu dropped)",
				 k->guest_checks_dropped);
		kprintf("[hv] vm%u vcpu%u tsc: policy %s, migrations %lu (cost avg %lu max %lu ticks), "
			"%s %lu (%lu ticks), max clock error %lu ticks, guest-measured clock error %s\n",
			vm->id, c, tsc_policy_names[k->policy],
			v->migrations, v->migrations ? v->migration_ticks_sum / v->migrations : 0,
			v->migration_ticks_max,
			k->policy == TSC_POLICY_KVM2633 ? "backwards fixes" : "guard corrections",
			k->corrections, k->correction_ticks, k->max_clock_error, guest);
	}
}

void report_vm(struct vm *vm)
{
	vm_console_flush(vm);
	bool pass = vm_passed(vm);

	if (vm->end_kind == VM_END_DEBUG_EXIT)
		kprintf("[hv] vm%u \"%s\" exit code %u: %s\n", vm->id, vm->name, vm->exit_status,
			pass ? "PASS" : vm_skipped(vm) ? "SKIP (isa-debug-exit value 77: skipped)"
			: "FAIL");
	else
		kprintf("[hv] vm%u \"%s\" exit code none: FAIL (%s: %s)\n", vm->id, vm->name,
			end_kind_names[vm->end_kind], vm->end_reason);
	uint64_t exits = 0, hcalls = 0;
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		const struct hc_counters *k = &vm->vcpus[c].counters;
		for (uint32_t r = 0; r < HC_EXIT_REASONS; r++)
			exits += k->exits_by_reason[r];
		hcalls += k->exits_by_reason[EXIT_REASON_VMCALL];
	}
	kprintf("[hv] vm%u stats: %lu exits, %lu hypercalls, guest reports %u pass %u fail %u skip, "
		"%lu unhandled port accesses, %lu unhandled MSR accesses\n", vm->id, exits, hcalls,
		vm->reports_pass, vm->reports_fail, vm->reports_skip, vm->unhandled_io,
		vm->unhandled_msr);
	if (vm->console_in_bytes)
		kprintf("[hv] vm%u console input: %lu bytes received on its COM1 (console_in=)\n",
			vm->id, vm->console_in_bytes);
	/* what was not printed on its behalf (vmm/dev/io.c, vmm/core/report_once.h) */
	if (vm->out_dropped)
		kprintf("[hv] vm%u output: %lu bytes printed, %lu bytes dropped (%s; out_max=%lu)\n",
			vm->id, vm->out_bytes, vm->out_dropped,
			vm->out_over ? "its budget was used up" : "the console ring was full",
			vm->out_max);
	const struct report_once *r = &vm->reported;
	if (r->unreported_ports || r->unreported_msrs || r->untracked_msrs)
		kprintf("[hv] vm%u reports suppressed: %lu more distinct ports and %lu more distinct "
			"MSRs not reported (%u lines each at most), %lu MSR accesses not told apart\n",
			vm->id, r->unreported_ports, r->unreported_msrs, REPORT_ONCE_LINES,
			r->untracked_msrs);
	lapic_vm_summary(vm);
	report_exits(vm);
	report_contained(vm);
	report_tsc(vm);
}
