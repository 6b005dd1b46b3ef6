/*
 * vmm/report.h - what the hypervisor prints about a VM once it has ended.
 *
 * Context: VMX root, pCPU 0, after every scheduler loop has returned.
 */
#ifndef CV_REPORT_H
#define CV_REPORT_H

#include "vmm/core/vm.h"

/* The verdict line, statistics, exit counts with hypervisor ticks per exit,
 * and each vCPU's TSC story (migrations, corrections, clock error). */
void report_vm(struct vm *vm);

#endif
