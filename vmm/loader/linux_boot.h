/*
 * vmm/loader/linux_boot.h - boot an unmodified Linux bzImage the way a boot
 * loader does: the x86 boot protocol's 32-bit entry.
 *
 * Context: any; pure C with no hardware access, built into the kernel and
 * unit-tested on the host (tests/unit/test_linux_boot.c). The image and the
 * initrd come from boot modules: hostile input, every offset checked, a bad
 * image refused by name and never loaded in part.
 *
 * Source: the Linux kernel's Documentation/arch/x86/boot.rst ("The Linux/x86
 * Boot Protocol"): the real-mode setup header at offset 0x1F1 of the file
 * ("HdrS" at 0x202), the protected-mode kernel after (setup_sects + 1) * 512
 * bytes, the zero page (struct boot_params) with a copy of the setup header,
 * the e820 map, the command line and the initrd, and "32-bit Boot Protocol":
 * flat 4 GiB __BOOT_CS (0x10) and __BOOT_DS (0x18) in a loaded GDT, paging
 * off, interrupts off, ESI = the zero page, EBP = EDI = EBX = 0, entry at the
 * protected-mode kernel's load address.
 *
 * The guest's physical memory (the e820 map it gets):
 *   [0, 0x9FC00)           usable
 *   [0x9FC00, 0xA0000)     reserved (a PC's EBDA)
 *   [0xE0000, 0x100000)    reserved (BIOS area: chronovisor's ACPI tables for the guest)
 *   [0x100000, ram_size)   usable
 * In it: the GDT at LINUX_GDT_GPA, the zero page at LINUX_ZERO_PAGE_GPA, the
 * command line at LINUX_CMDLINE_GPA, the kernel at its preferred address
 * (pref_address for a relocatable kernel, else 1 MiB), the initrd at the top
 * of RAM below the kernel's initrd_addr_max.
 */
#ifndef CV_LINUX_BOOT_H
#define CV_LINUX_BOOT_H

#include "lib/types.h"

#define LINUX_GDT_GPA            0x1000ULL
#define LINUX_ZERO_PAGE_GPA      0x7000ULL
#define LINUX_CMDLINE_GPA        0x20000ULL
#define LINUX_CMDLINE_MAX        0x10000ULL     /* up to 0x30000; the kernel says less */
#define LINUX_BOOT_CS            0x10           /* __BOOT_CS */
#define LINUX_BOOT_DS            0x18           /* __BOOT_DS */
#define LINUX_GDT_LIMIT          (4 * 8 - 1)
#define LINUX_MIN_VERSION        0x020C         /* 2.12: xloadflags, 64-bit kernels say so */
#define LINUX_E820_MAX           128

/* Setup-header offsets in the file and in the zero page (boot.rst, "The
 * real-mode kernel header"), and zero-page offsets (struct boot_params). */
#define LH_SETUP_SECTS       0x1F1
#define LH_SYSSIZE           0x1F4
#define LH_BOOT_FLAG         0x1FE
#define LH_JUMP              0x200
#define LH_HEADER            0x202
#define LH_VERSION           0x206
#define LH_TYPE_OF_LOADER    0x210
#define LH_LOADFLAGS         0x211
#define LH_CODE32_START      0x214
#define LH_RAMDISK_IMAGE     0x218
#define LH_RAMDISK_SIZE      0x21C
#define LH_CMD_LINE_PTR      0x228
#define LH_INITRD_ADDR_MAX   0x22C
#define LH_KERNEL_ALIGNMENT  0x230
#define LH_RELOCATABLE       0x234
#define LH_XLOADFLAGS        0x236
#define LH_CMDLINE_SIZE      0x238
#define LH_PREF_ADDRESS      0x258
#define LH_INIT_SIZE         0x260
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_E820_ENTRIES      0x1E8
#define BP_E820_TABLE        0x2D0
#define LINUX_HDRS_MAGIC     0x53726448U    /* "HdrS" */
#define LINUX_BOOT_FLAG      0xAA55
#define LINUX_LOADED_HIGH    0x01           /* loadflags: protected-mode code at 1 MiB+ */
#define LINUX_XLF_KERNEL_64  0x01           /* xloadflags: has the 64-bit entry */

enum linux_e820_type { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3 };

struct linux_image {
	uint64_t entry;              /* GPA of the 32-bit entry: the load address */
	uint64_t zero_page;          /* GPA of struct boot_params (ESI) */
	uint64_t kernel_lo, kernel_hi;  /* [load address, + max(init_size, file part)) */
	uint64_t initrd_lo, initrd_len; /* 0, 0 when there is none */
	uint16_t version;            /* boot protocol version, e.g. 0x020F */
	bool kernel_64;              /* xloadflags says the kernel is 64-bit */
};

/* Does the file carry the boot protocol's header ("HdrS" and 0xAA55)? */
bool linux_is_bzimage(const uint8_t *file, uint64_t len);

/*
 * Lay out and copy everything into ram[0, ram_size): GDT, zero page (setup
 * header copied from the file, type_of_loader 0xFF, code32_start, command
 * line, initrd, e820 map, acpi_rsdp_addr when rsdp_gpa != 0 and the protocol
 * has the field), command line (NULL: ""), the protected-mode kernel, the
 * initrd (NULL or 0 bytes: none). Nothing is written unless everything fits.
 * Returns 0 and fills *out, or -1 with a one-line message in err.
 */
int linux_boot_build(uint8_t *ram, uint64_t ram_size, const uint8_t *file, uint64_t len,
		     const char *cmdline, const uint8_t *initrd, uint64_t initrd_len,
		     uint64_t rsdp_gpa, struct linux_image *out, char *err, size_t errlen);

#endif
