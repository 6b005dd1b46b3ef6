/*
 * vmm/loader/elf.h - load a Multiboot 1 kernel image (ELF32, ELF64 or a.out kludge)
 * into a guest's RAM.
 *
 * Context: any; pure C with no hardware access, built into the kernel and
 * unit-tested and fuzzed on the host (tests/unit/test_elf.c). The image comes
 * from a boot module, so it is hostile input: every offset, size and address
 * is checked (without overflow) and a bad image is refused with a message,
 * never loaded in part.
 *
 * Sources: Multiboot Specification version 0.6.96, "OS image format" (the
 * header, its flags and the address fields of the "a.out kludge"); System V
 * ABI, "Object Files" (ELF header, program header). As GRUB does, segments
 * are loaded at their physical address p_paddr and the entry point, a
 * virtual address, is translated through the segment that contains it.
 */
#ifndef CV_ELF_H
#define CV_ELF_H

#include "lib/types.h"

/* Multiboot 1 header, as the OS image carries it (offsets at the right). */
#define MB_HEADER_MAGIC          0x1BADB002U
#define MB_HEADER_SEARCH_LIMIT   8192      /* header lies in the first 8 KiB */
#define MB_HEADER_ALIGN          4
#define MB_HEADER_SIZE           12        /* magic, flags, checksum */
#define MB_HEADER_AOUT_SIZE      32        /* ... + the five address fields */

/* Header 'flags'. Bits 0-15 are requirements: an unknown one must fail. */
#define MB_HEADER_PAGE_ALIGN     BIT(0)    /* modules page aligned: always done */
#define MB_HEADER_MEMORY_INFO    BIT(1)    /* mem_* and memory map: always given */
#define MB_HEADER_VIDEO_MODE     BIT(2)    /* a wish, as in GRUB 2; no video info given */
#define MB_HEADER_REQUIRED_MASK  0xFFFFU
#define MB_HEADER_SUPPORTED      (MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO | \
				  MB_HEADER_VIDEO_MODE)
#define MB_HEADER_AOUT_KLUDGE    BIT(16)   /* the address fields below are valid */

struct mb_header {
	uint32_t magic;              /*  0 */
	uint32_t flags;              /*  4 */
	uint32_t checksum;           /*  8  magic + flags + checksum == 0 (mod 2^32) */
	uint32_t header_addr;        /* 12  where the header's byte 0 is loaded */
	uint32_t load_addr;          /* 16  where the text (file offset below) starts */
	uint32_t load_end_addr;      /* 20  end of loaded data; 0 = end of file */
	uint32_t bss_end_addr;       /* 24  end of bss, zeroed; 0 = no bss */
	uint32_t entry_addr;         /* 28  EIP */
} PACKED;                            /* 32 */

_Static_assert(sizeof(struct mb_header) == MB_HEADER_AOUT_SIZE, "Multiboot header layout");

#define ELF_MAX_SEGMENTS 16

struct guest_image {
	uint64_t entry;                 /* guest-physical entry point (EIP, below 4 GiB) */
	uint64_t lowest, highest;       /* [lowest, highest) spanned by loaded bytes incl. bss */
	uint32_t nsegments;
	struct {
		uint64_t gpa, filesz, memsz;   /* bytes [filesz, memsz) are zeroed */
	} segments[ELF_MAX_SEGMENTS];      /* in file order; none overlap */
	bool elf64;                     /* loaded from an ELF64 file */
	bool aout_kludge;               /* loaded with the header's address fields */
};

/*
 * Load the Multiboot 1 image file[0, file_len) into the guest RAM ram, which
 * is guest-physical [0, ram_size). name is used in messages only ("hello.elf").
 *
 * With header flag 16 set, the header's address fields place the image (even
 * in an ELF file, as GRUB does); otherwise the file must be an ELF32 (EM_386)
 * or ELF64 (EM_X86_64) little-endian ET_EXEC whose PT_LOAD segments with a
 * nonzero p_memsz are copied to p_paddr and zero-filled up to p_memsz.
 *
 * Everything is checked before the first byte of ram is written, so a refused
 * image leaves ram untouched. Returns 0 with *img filled in, or -1 with *img
 * cleared and a one-line message in err (cut to errlen, always NUL-terminated;
 * err may be NULL) naming the file and the offending field or segment
 * (segments are numbered by their program-header index, as readelf does).
 */
int elf_load_multiboot(const uint8_t *file, uint64_t file_len, uint8_t *ram,
		       uint64_t ram_size, const char *name, struct guest_image *img,
		       char *err, size_t errlen);

#endif
