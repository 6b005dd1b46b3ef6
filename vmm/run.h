/*
 * vmm/run.h - running the VMs and reporting their verdicts.
 *
 * Context: VMX root, boot CPU. For now every vCPU runs on the boot CPU, one
 * VM after the other; the SMP scheduler replaces vm_run_all later.
 */
#ifndef CV_RUN_H
#define CV_RUN_H

#include "vmm/vm.h"

/* Run every created VM to its end; true if every VM passed. */
bool vm_run_all(void);

#endif
