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

/* v was just put in idle pCPU next's slot (vmm/sched.c:handoff_early), at
 * the exit that ended its slice: record it as handed over by this pCPU,
 * then put it away, publishing each step for the new pCPU (v->handover)
 * in the order that pCPU needs them: where and when it left (vtsc_put,
 * the exit on the reference timeline; HANDOVER_LEFT); the registers the
 * guest left here (CR2, the FPU/XSAVE state, DR0-DR3/DR6, KERNEL_GS_BASE;
 * HANDOVER_SAVED); pCPU next's host state, a full slice in the preemption
 * timer, the resume RIP, and VMCLEAR here (HANDOVER_VMCS_FREE); load_plain
 * (HANDOVER_DONE). Then the put's statistics, and the exit ends there:
 * vmx_run returns 0 without the rest of the exit path, which would read v.
 * Never returns. */
__attribute__((noreturn)) void vcpu_clear_handed(struct vcpu *v, uint32_t next);

/* Put v away after its slice. A vCPU this pCPU handed over at its last
 * exit (vcpu_clear_handed) is put away already and its new pCPU's now:
 * true then, and the scheduler must not give it back. Any other is
 * VMCLEARed here and its registers saved, unless stay
 * says its next slice runs on this pCPU too (migrate=off), in which case
 * its VMCS stays active here and the next load skips what only a move
 * needs. */
bool vcpu_put(struct vcpu *v, bool stay);

#endif
