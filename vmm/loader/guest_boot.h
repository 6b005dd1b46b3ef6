/*
 * vmm/loader/guest_boot.h - the Multiboot 1 information a guest finds in its own RAM
 * at entry (EBX), as GRUB or qemu -kernel would have left it.
 *
 * Context: any; pure C with no hardware access, built into the kernel and
 * unit-tested on the host (tests/unit/test_guest_boot.c). Layout from the
 * Multiboot Specification version 0.6.96, "Boot information format"; the
 * structs are those of kernel/multiboot.h, which parses the same format for the
 * hypervisor's own boot.
 *
 * The guest's physical memory map (what the info's memory map reports):
 *   [0, 0x9FC00)          type 1 (usable), mem_lower = 639 KiB
 *   [0x9FC00, 0xA0000)    type 2 (reserved: where a PC has its EBDA)
 *   [0xA0000, 0xF0000)    not listed (VGA window, option ROMs)
 *   [0xF0000, 0x100000)   type 2 (reserved: BIOS ROM)
 *   [0x100000, ram_size)  type 1, mem_upper = (ram_size - 1 MiB) / 1 KiB
 */
#ifndef CV_GUEST_BOOT_H
#define CV_GUEST_BOOT_H

#include "lib/types.h"
#include "vmm/loader/elf.h"

#define GUEST_LOW_RAM_END        0x9FC00ULL      /* end of type-1 low memory */
#define GUEST_EBDA_END           0xA0000ULL
#define GUEST_BIOS_ROM_BASE      0xF0000ULL
#define GUEST_HIGH_RAM_BASE      (1 * MiB)
#define GUEST_BOOT_MIN_RAM       (2 * MiB)
/* Nothing is placed in page 0 (a structure at GPA 0 would look like NULL)
 * nor where a 32-bit field could not hold its end address. */
#define GUEST_BOOT_PLACE_MIN     0x1000ULL
#define GUEST_BOOT_PLACE_LIMIT   0xFFFFF000ULL
#define GUEST_BOOT_MAX_MODULES   16
#define GUEST_BOOT_STRING_MAX    4096            /* any command line, NUL included */
#define GUEST_BOOT_LOADER_NAME   "chronovisor"

struct guest_module_src {
	const uint8_t *data;         /* may be NULL only when len is 0 */
	uint64_t len;
	const char *cmdline;         /* NULL: the guest sees "" */
};

/*
 * Build the Multiboot 1 information for a guest loaded by elf_load_multiboot
 * (img): the info struct (flags MEMORY, CMDLINE, MODS even with 0 modules,
 * MEM_MAP, BOOT_LOADER_NAME), the memory map above, the command line (copied
 * as given; NULL gives ""), the module list and module strings, the loader
 * name "chronovisor", and a copy of each module on its own page-aligned range.
 *
 * Placement: the small structures form one block, first fit from 0x1000 in
 * low memory, else the first fit above 1 MiB; each module goes first fit from
 * the page after img->highest, else the first fit anywhere. Everything lies in
 * type-1 RAM below GUEST_BOOT_PLACE_LIMIT and overlaps neither the image
 * [img->lowest, img->highest) nor anything else placed.
 *
 * Every place is chosen before a byte is written: on failure (RAM under
 * 2 MiB, image outside RAM, more than GUEST_BOOT_MAX_MODULES modules, a
 * string of GUEST_BOOT_STRING_MAX bytes or more, no room for a module...) RAM
 * is untouched. Returns 0 and the info's GPA in *mbi_gpa, or -1 with a
 * one-line message in err (cut to errlen, NUL-terminated; err may be NULL).
 */
int guest_boot_build(uint8_t *ram, uint64_t ram_size, const struct guest_image *img,
		     const char *cmdline, const struct guest_module_src *mods,
		     unsigned nmods, uint32_t *mbi_gpa, char *err, size_t errlen);

#endif
