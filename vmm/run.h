/*
 * vmm/run.h - one slice of one vCPU on this pCPU: load, run, put away.
 *
 * Context: VMX root, interrupts off, on the pCPU the scheduler chose.
 */
#ifndef CV_RUN_H
#define CV_RUN_H

#include "kernel/percpu.h"
#include "vmm/core/vm.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"

/* Load v here (VMPTRLD, host state, TSC_OFFSET for this pCPU, the MSRs that
 * travel with it) and run it until its slice of slice_ticks ends (after
 * every exit when every_exit), it sleeps or its VM ends. True: its VMCS is
 * current here, and vcpu_put must put it away; false: it never was (its VM
 * ended at the load). */
bool vcpu_run_slice(struct vcpu *v, uint64_t slice_ticks, bool every_exit);

/* What the next pCPU needs first of a vCPU that leaves this one: its guest
 * TSC at the exit (vtsc_put), the exit on the reference timeline, this
 * pCPU as its last. vcpu_put does it itself unless `handed`. */
static inline void vcpu_leaving(struct vcpu *v)
{
	uint32_t me = this_cpu()->cpu_id;

	vtsc_put(&v->clock);
	/* the exit that made it leave, on the reference timeline */
	v->put_ref = host_to_ref(me, v->regs.exit_tsc);
	v->last_pcpu = (int32_t)me;
}

/* v was just put in an idle pCPU's slot (vmm/sched.c:handoff_early): 
 * vcpu_leaving, VMCLEAR here, then HANDOVER_VMCS_FREE. vcpu_put with
 * handed saves the rest. */
void vcpu_clear_handed(struct vcpu *v);

/* Put v away after its slice: VMCLEAR here, unless stay says its next slice
 * runs on this pCPU too (migrate=off), in which case its VMCS stays active
 * here and the next load skips what only a move needs. handed: the
 * scheduler already gave it to an idle pCPU and VMCLEARed it
 * (vcpu_clear_handed); that pCPU is loading it, and waits for what this
 * saves now (CR2, the FPU/XSAVE state, DR0-DR3/DR6, KERNEL_GS_BASE:
 * HANDOVER_DONE). */
void vcpu_put(struct vcpu *v, bool stay, bool handed);

#endif
