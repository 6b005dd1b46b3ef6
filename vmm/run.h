/*
 * vmm/run.h - one slice of one vCPU on this pCPU: load, run, put away.
 *
 * Context: VMX root, interrupts off, on the pCPU the scheduler chose.
 */
#ifndef CV_RUN_H
#define CV_RUN_H

#include "vmm/core/vm.h"

/* Load v here (VMPTRLD, host state, TSC_OFFSET for this pCPU, the MSRs that
 * travel with it) and run it until its slice of slice_ticks ends (after
 * every exit when every_exit), it sleeps or its VM ends. True: its VMCS is
 * current here, and vcpu_put must put it away; false: it never was (its VM
 * ended at the load). */
bool vcpu_run_slice(struct vcpu *v, uint64_t slice_ticks, bool every_exit);

/* v was just put in an idle pCPU's slot (vmm/sched.c:handoff_early):
 * record it as handed over by this pCPU, note where and when it left
 * (vtsc_put, the exit on the reference timeline), VMCLEAR it here, then
 * HANDOVER_VMCS_FREE. vcpu_put saves the rest. */
void vcpu_clear_handed(struct vcpu *v);

/* Put v away after its slice. A vCPU this pCPU handed over at its last
 * exit (vcpu_clear_handed) is VMCLEARed already and being loaded by its new
 * pCPU, which waits for what is saved here (CR2, the FPU/XSAVE state,
 * DR0-DR3/DR6, KERNEL_GS_BASE: HANDOVER_DONE); true then, and the
 * scheduler must not give it back. Any other is VMCLEARed here, unless stay
 * says its next slice runs on this pCPU too (migrate=off), in which case
 * its VMCS stays active here and the next load skips what only a move
 * needs. */
bool vcpu_put(struct vcpu *v, bool stay);

#endif
