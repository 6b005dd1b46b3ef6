/*
 * kernel/multiboot.h - Multiboot boot information: the Multiboot 1 layout, the
 * checked parser of both protocols, and what it hands the kernel.
 *
 * Context: any; pure C with no hardware access, built into the kernel and
 * unit-tested on the host (tests/unit/test_multiboot.c, test_multiboot2.c)
 * against fake memory. Multiboot 1 layout from the Multiboot Specification
 * version 0.6.96, "Boot information format"; Multiboot 2 in
 * kernel/multiboot2.h. mb_parse() trusts nothing the boot loader wrote: every
 * pointer and length is checked against the memory view and the memory map
 * before it is followed, and the result is copied into a self-contained
 * struct boot_info, the same for both protocols.
 */
#ifndef CV_MULTIBOOT_H
#define CV_MULTIBOOT_H

#include "lib/types.h"

/* EAX at entry from a Multiboot 1 loader. */
#define MB_BOOTLOADER_MAGIC        0x2BADB002U

/* Multiboot info 'flags': which fields below are valid. */
#define MB_INFO_MEMORY             BIT(0)   /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE            BIT(2)   /* cmdline */
#define MB_INFO_MODS               BIT(3)   /* mods_count, mods_addr */
#define MB_INFO_MEM_MAP            BIT(6)   /* mmap_length, mmap_addr */
#define MB_INFO_BOOT_LOADER_NAME   BIT(9)   /* boot_loader_name */

/* Memory map entry types (type 1 is usable RAM; others are kept as given). */
#define MB_MEMORY_AVAILABLE        1
#define MB_MEMORY_RESERVED         2

/*
 * The info structure as the loader writes it, up to the VBE fields. The
 * framebuffer fields (flag 12) follow at offset 88 and are not parsed, so
 * only these 88 bytes are read and reserved. Offsets at the right.
 */
struct mb_info {
	uint32_t flags;              /*  0 */
	uint32_t mem_lower;          /*  4  KiB from 0 */
	uint32_t mem_upper;          /*  8  KiB from 1 MiB */
	uint32_t boot_device;        /* 12 */
	uint32_t cmdline;            /* 16  physical address of a C string */
	uint32_t mods_count;         /* 20 */
	uint32_t mods_addr;          /* 24  array of struct mb_module_entry */
	uint32_t syms[4];            /* 28  a.out or ELF symbol info (flags 4, 5) */
	uint32_t mmap_length;        /* 44  bytes */
	uint32_t mmap_addr;          /* 48 */
	uint32_t drives_length;      /* 52 */
	uint32_t drives_addr;        /* 56 */
	uint32_t config_table;       /* 60 */
	uint32_t boot_loader_name;   /* 64  physical address of a C string */
	uint32_t apm_table;          /* 68 */
	uint32_t vbe_control_info;   /* 72 */
	uint32_t vbe_mode_info;      /* 76 */
	uint16_t vbe_mode;           /* 80 */
	uint16_t vbe_interface_seg;  /* 82 */
	uint16_t vbe_interface_off;  /* 84 */
	uint16_t vbe_interface_len;  /* 86 */
} PACKED;                            /* 88 */

_Static_assert(sizeof(struct mb_info) == 88, "Multiboot info layout");

struct mb_module_entry {
	uint32_t mod_start;          /*  0 */
	uint32_t mod_end;            /*  4  exclusive */
	uint32_t string;             /*  8  physical address of a C string, 0 = none */
	uint32_t reserved;           /* 12 */
} PACKED;                            /* 16 */

_Static_assert(sizeof(struct mb_module_entry) == 16, "Multiboot module layout");

/* 'size' counts the bytes after itself: the next entry is at cur + size + 4. */
struct mb_mmap_entry {
	uint32_t size;               /*  0 */
	uint64_t base_addr;          /*  4 */
	uint64_t length;             /* 12 */
	uint32_t type;               /* 20 */
} PACKED;                            /* 24 */

_Static_assert(sizeof(struct mb_mmap_entry) == 24, "Multiboot mmap entry layout");

#define MB_MMAP_ENTRY_MIN_SIZE     (sizeof(struct mb_mmap_entry) - sizeof(uint32_t))

/*
 * Physical memory as mb_parse sees it: physical address p, length len, is at
 * (void *)(base + p) when p + len <= size. Kernel: base 0, size 4 GiB
 * (identity mapped). Host tests: a buffer.
 */
struct phys_view {
	uintptr_t base;
	uint64_t size;
};

#define MB_MAX_RANGES              128
#define MB_MAX_MODULES             16
#define MB_CMDLINE_MAX             1024     /* every string, NUL included */
#define MB_LOADER_NAME_MAX         64       /* kept (cut) copy of the loader name */
/* info struct, memory map, command line, module list, loader name, module strings */
#define MB_MAX_RESERVED            (5 + MB_MAX_MODULES)

struct mem_range {
	uint64_t base, len;          /* base + len never wraps past 2^64 */
	uint32_t type;               /* MB_MEMORY_AVAILABLE = usable RAM; others as given */
};

struct boot_module {
	uint64_t start, end;         /* end exclusive, as Multiboot; never empty */
	char cmdline[MB_CMDLINE_MAX];
};

/* The screen the loader left, from the Multiboot 2 framebuffer tag (type 8). */
enum boot_fb_kind {
	BOOT_FB_NONE = 0,       /* no tag (Multiboot 1, or no video) */
	BOOT_FB_RGB,            /* linear framebuffer, direct RGB (UEFI GOP, VBE) */
	BOOT_FB_EGA_TEXT,       /* VGA text mode: width x height characters at addr */
	BOOT_FB_INDEXED,        /* palette modes: reported, not drawn on */
};

struct boot_fb {
	uint32_t kind;                  /* enum boot_fb_kind */
	uint64_t addr;                  /* physical address of the first pixel / character */
	uint32_t pitch;                 /* bytes per line */
	uint32_t width, height;         /* pixels (characters for EGA text) */
	uint8_t bpp;                    /* bits per pixel (16 for EGA text) */
	uint8_t red_pos, red_size;      /* RGB only: field position and width in bits */
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
};

#define MB_RSDP_MAX                36       /* an ACPI 2.0+ RSDP */

struct boot_info {
	uint32_t protocol;                       /* 1: Multiboot 1, 2: Multiboot 2 */
	uint32_t flags;                          /* Multiboot 1: the loader's flags, as given; 2: 0 */
	char cmdline[MB_CMDLINE_MAX];            /* hypervisor command line, "" if none */
	char loader_name[MB_LOADER_NAME_MAX];    /* "" if none; cut if longer */
	uint32_t nranges;
	struct mem_range ranges[MB_MAX_RANGES];  /* the memory map, sorted by base */
	uint32_t nmodules;
	struct boot_module modules[MB_MAX_MODULES];
	/*
	 * Every range the Multiboot structures occupy (info struct, memory map,
	 * command line, module list, module strings, loader name; not the
	 * modules themselves), so the frame allocator can keep them.
	 */
	uint32_t nreserved;
	struct mem_range reserved[MB_MAX_RESERVED];

	/* Multiboot 2 only (zero under Multiboot 1): */
	struct boot_fb fb;                       /* tag 8 */
	uint32_t rsdp_tag;                       /* 14 (ACPI 1.0 RSDP) or 15 (2.0+); 0: none */
	uint32_t rsdp_len;                       /* bytes in rsdp[]: 20 or 36 */
	uint8_t rsdp[MB_RSDP_MAX];               /* the loader's copy of the RSDP (signature checked) */
	bool map_from_efi;                       /* no tag 6: ranges[] converted from the EFI map */
	uint32_t efi_mmap_entries;               /* descriptors in the EFI memory map (tag 17) */
	uint64_t efi_system_table;               /* tag 12 (or 11): booted by UEFI; 0: not */
};

/*
 * Check and copy the Multiboot information at physical mbi_addr into bi:
 * Multiboot 1 when magic is MB_BOOTLOADER_MAGIC, Multiboot 2 (mb2_parse,
 * kernel/multiboot2.h) when it is MB2_BOOTLOADER_MAGIC.
 * Returns 0, or -1 with a one-line message in err (cut to errlen, always
 * NUL-terminated; err may be NULL) naming the field and its values. bi is
 * cleared first and must not be used after a failure.
 *
 * Memory map: flag 6 is used if set (entries of length 0 are dropped; more
 * than MB_MAX_RANGES is an error); else flag 0 gives [0, mem_lower KiB) and
 * [1 MiB, 1 MiB + mem_upper KiB) as usable; else "no memory map". The map
 * must contain usable RAM.
 * The info struct and the memory map need only lie inside the view (they are
 * read before the map exists); the command line, the module list, every
 * module, every module string and the loader name must lie in usable RAM
 * (mb_range_is_usable). Strings must end within MB_CMDLINE_MAX bytes; a
 * string address of 0 means "no string". Modules must be non-empty, must not
 * overlap one another or the Multiboot structures.
 */
int mb_parse(const struct phys_view *pv, uint32_t magic, uint32_t mbi_addr,
	     struct boot_info *bi, char *err, size_t errlen);

/*
 * Does [base, base + len) lie entirely in usable RAM? Adjacent and
 * overlapping type-1 entries count as one; any overlap with an entry of
 * another type makes the range unusable (the stricter type wins, as in
 * Linux's e820 handling). len 0 or a range wrapping past 2^64 is never usable.
 */
bool mb_range_is_usable(const struct boot_info *bi, uint64_t base, uint64_t len);

/* Do [a, a + alen) and [b, b + blen) share a byte? Empty ranges share none;
 * ranges that wrap past 2^64 are treated as ending at 2^64. */
bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

#endif
