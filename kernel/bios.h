/*
 * kernel/bios.h - what a legacy BIOS leaves in low memory.
 *
 * Context: kernel, boot CPU. A UEFI machine has no BIOS data area: every
 * answer here must be treated as "absent" when it is implausible.
 */
#ifndef CV_BIOS_H
#define CV_BIOS_H

#include "lib/types.h"

/* The Extended BIOS Data Area's physical address, read from the BIOS data
 * area word at 0x40E (a real-mode segment), or 0 when that word does not
 * point into [512 KiB, 640 KiB), where a real EBDA lies. */
uint64_t bios_ebda_base(void);

#endif
