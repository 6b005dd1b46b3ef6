/*
 * kernel/mtrr.h - the host's MTRRs, read once at boot.
 *
 * Context: kernel, boot pCPU, before any VM is created. The firmware sets the
 * MTRRs (and must set them alike on every processor: SDM Vol. 3A, "MTRR
 * Considerations in MP Systems"); vmx/ept.c gives each guest page the memory
 * type its host-physical page has here.
 */
#ifndef CV_KERNEL_MTRR_H
#define CV_KERNEL_MTRR_H

#include "lib/mtrr.h"

/* Read IA32_MTRRCAP, IA32_MTRR_DEF_TYPE, the fixed and variable ranges, and
 * print a summary. Without CPUID.1:EDX.MTRR everything counts as WB. */
void mtrr_init(void);

/* What mtrr_init read (all-absent, i.e. WB, before it ran). */
const struct mtrr_set *host_mtrrs(void);

#endif
