/*
 * kernel/multiboot2.h - Multiboot 2 boot information: the tag layout and the
 * checked parser behind mb_parse() (kernel/multiboot.h).
 *
 * Context: any; pure C with no hardware access, unit-tested on the host
 * (tests/unit/test_multiboot2.c). Layout from the Multiboot2 Specification
 * version 2.0, "Boot information format": an 8-byte header (total_size,
 * reserved), then tags, each 8-byte aligned, each starting with u32 type and
 * u32 size (size counts the tag's header, not the padding after it), ending
 * with a tag of type 0 and size 8. The header that asks for it is in
 * boot/entry.asm.
 */
#ifndef CV_MULTIBOOT2_H
#define CV_MULTIBOOT2_H

#include "kernel/multiboot.h"

/* EAX at entry from a Multiboot 2 loader (the header's magic is 0xE85250D6). */
#define MB2_BOOTLOADER_MAGIC       0x36D76289U

#define MB2_TAG_ALIGN              8
#define MB2_INFO_HEADER_SIZE       8        /* total_size, reserved */
#define MB2_TAG_HEADER_SIZE        8        /* type, size */

enum mb2_tag_type {
	MB2_TAG_END               = 0,
	MB2_TAG_CMDLINE           = 1,      /* string */
	MB2_TAG_LOADER_NAME       = 2,      /* string */
	MB2_TAG_MODULE            = 3,      /* u32 mod_start, u32 mod_end, string */
	MB2_TAG_BASIC_MEMINFO     = 4,      /* u32 mem_lower, u32 mem_upper (KiB) */
	MB2_TAG_BOOTDEV           = 5,
	MB2_TAG_MMAP              = 6,      /* u32 entry_size, u32 entry_version, entries */
	MB2_TAG_VBE               = 7,
	MB2_TAG_FRAMEBUFFER       = 8,      /* struct mb2_tag_framebuffer, colour info */
	MB2_TAG_ELF_SECTIONS      = 9,
	MB2_TAG_APM               = 10,
	MB2_TAG_EFI32             = 11,     /* u32 EFI system table pointer */
	MB2_TAG_EFI64             = 12,     /* u64 EFI system table pointer */
	MB2_TAG_SMBIOS            = 13,
	MB2_TAG_ACPI_OLD          = 14,     /* a copy of the ACPI 1.0 RSDP (20 bytes) */
	MB2_TAG_ACPI_NEW          = 15,     /* a copy of the ACPI 2.0+ RSDP (36 bytes) */
	MB2_TAG_NETWORK           = 16,
	MB2_TAG_EFI_MMAP          = 17,     /* u32 descr_size, u32 descr_vers, descriptors */
	MB2_TAG_EFI_BS            = 18,     /* boot services not exited: we never ask for it */
	MB2_TAG_EFI32_IH          = 19,
	MB2_TAG_EFI64_IH          = 20,
	MB2_TAG_LOAD_BASE_ADDR    = 21,
	MB2_TAG_TYPES             = 22,     /* one past the last type the spec defines */
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;
} PACKED;

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;                  /* as Multiboot 1: 1 usable, 3 ACPI, 4 NVS, 5 bad */
	uint32_t reserved;
} PACKED;                               /* 24: the smallest entry_size */

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "Multiboot2 mmap entry layout");

/* UEFI Specification, "EFI_BOOT_SERVICES.GetMemoryMap()": EFI_MEMORY_DESCRIPTOR. */
struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages;       /* 4 KiB pages */
	uint64_t attribute;
} PACKED;                               /* 40: the smallest descr_size */

_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "EFI memory descriptor layout");

/* EFI_MEMORY_TYPE values that matter here (the rest is reserved to us). */
#define EFI_LOADER_CODE            1
#define EFI_LOADER_DATA            2
#define EFI_BOOT_SERVICES_CODE     3
#define EFI_BOOT_SERVICES_DATA     4
#define EFI_CONVENTIONAL_MEMORY    7
#define EFI_UNUSABLE_MEMORY        8
#define EFI_ACPI_RECLAIM_MEMORY    9
#define EFI_ACPI_MEMORY_NVS        10
#define EFI_PERSISTENT_MEMORY      14
#define EFI_PAGE_SIZE              4096ULL

/* The fixed part of tag 8; the colour information follows. */
struct mb2_tag_framebuffer {
	uint32_t type;
	uint32_t size;
	uint64_t addr;
	uint32_t pitch;
	uint32_t width;
	uint32_t height;
	uint8_t bpp;
	uint8_t fb_type;                /* 0 indexed, 1 RGB, 2 EGA text */
	uint16_t reserved;
} PACKED;                               /* 32 */

_Static_assert(sizeof(struct mb2_tag_framebuffer) == 32, "Multiboot2 framebuffer tag layout");

#define MB2_FB_INDEXED             0
#define MB2_FB_RGB                 1
#define MB2_FB_EGA_TEXT            2
#define MB2_FB_RGB_INFO_SIZE       6        /* red pos, red size, green ..., blue ... */

#define ACPI_RSDP_V1_SIZE          20
#define ACPI_RSDP_V2_SIZE          36

/*
 * Parse the Multiboot 2 information at physical mbi_addr into bi (cleared
 * first); mb_parse() calls it when EAX held MB2_BOOTLOADER_MAGIC. Returns 0,
 * or -1 with "multiboot2: <message>" in err (as mb_parse).
 *
 * The structure: 8-byte aligned, total_size >= 16 and inside the view; every
 * tag size >= 8 and inside total_size; an end tag (type 0, size 8) before
 * total_size runs out; tags of unknown type skipped; a tag that may appear
 * once (all but modules) given twice is an error. The whole information must
 * lie in usable RAM once the map is known, and is reserved as one range.
 * Memory map: tag 6 if present (entry_size >= 24, a multiple of 8, whole
 * entries); else the EFI map of tag 17, converted (EFI loader, boot services
 * and conventional memory usable; ACPI reclaim 3, ACPI NVS 4, unusable 5,
 * persistent 7, everything else reserved; neighbours of one type merged);
 * else tag 4's mem_lower/mem_upper; else an error. Tag 17 is checked
 * (descr_size >= 40, whole descriptors) whenever it is present.
 * Strings (command line, loader name, module strings) must end with a NUL
 * inside their tag; the command line and module strings must fit
 * MB_CMDLINE_MAX, the loader name is cut. Modules as Multiboot 1: non-empty,
 * in usable RAM, overlapping nothing. Tag 14/15: size and "RSD PTR "
 * signature checked, the copy kept (tag 15 wins); checksums are for
 * acpi_init(). Tag 8: the RGB/EGA/indexed geometry checked (width, height,
 * bpp, pitch >= width * bytes per pixel, no wrap past 2^64, colour fields
 * inside bpp).
 */
int mb2_parse(const struct phys_view *pv, uint32_t mbi_addr, struct boot_info *bi,
	      char *err, size_t errlen);

#endif
