/*
 * kernel/bios.c - the legacy BIOS data area (see kernel/bios.h).
 *
 * Context: kernel, boot CPU, low memory identity-mapped.
 */
#include "kernel/bios.h"
#include "kernel/mem.h"
#include "lib/x86.h"

#define REAL_MODE_SEGMENT_SHIFT 4
#define EBDA_MIN                0x80000ULL   /* 512 KiB */
#define EBDA_END                0xA0000ULL   /* 640 KiB: VGA memory starts here */

uint64_t bios_ebda_base(void)
{
	uint64_t ebda = (uint64_t)*(volatile uint16_t *)phys_to_virt(BDA_EBDA_SEGMENT)
			<< REAL_MODE_SEGMENT_SHIFT;

	return ebda >= EBDA_MIN && ebda < EBDA_END ? ebda : 0;
}
