/*
 * guest/lib/multiboot.h - the Multiboot1 information the guest was started with.
 *
 * Context: guest. Layout: Multiboot Specification 0.6.96, "Boot information
 * format". All addresses in it are physical and below 4 GiB, which the guest
 * identity-maps. Under chronovisor the structure lies in the guest's own RAM.
 */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdbool.h>
#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

#define MBI_FLAG_MEM      (1u << 0)     /* mem_lower, mem_upper */
#define MBI_FLAG_CMDLINE  (1u << 2)
#define MBI_FLAG_MODS     (1u << 3)
#define MBI_FLAG_MMAP     (1u << 6)

#define MMAP_TYPE_RAM     1

struct multiboot_info {
	uint32_t flags;         /* 0 */
	uint32_t mem_lower;     /* 4: KiB below 1 MiB */
	uint32_t mem_upper;     /* 8: KiB from 1 MiB to the first hole */
	uint32_t boot_device;   /* 12 */
	uint32_t cmdline;       /* 16: physical address of a NUL-terminated string */
	uint32_t mods_count;    /* 20 */
	uint32_t mods_addr;     /* 24 */
	uint32_t syms[4];       /* 28 */
	uint32_t mmap_length;   /* 44 */
	uint32_t mmap_addr;     /* 48 */
} __attribute__((packed));

struct multiboot_mmap_entry {
	uint32_t size;          /* of the rest of the entry (not counting this field) */
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

struct multiboot_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t cmdline;
	uint32_t reserved;
} __attribute__((packed));

void mb_init(uint32_t magic, uint32_t mbi_pa);
uint32_t mb_magic(void);                       /* EAX at entry */
const struct multiboot_info *mb_info(void);    /* NULL unless the magic was right */
const char *mb_cmdline(void);                  /* NULL when none was given */
/* Calls fn for each memory-map entry; false when there is no map. */
bool mb_mmap_each(void (*fn)(const struct multiboot_mmap_entry *e, void *ctx), void *ctx);
/* Type of the memory-map entry covering [addr, addr + len), 0 if none covers it all. */
uint32_t mb_mmap_type(uint64_t addr, uint64_t len);
uint64_t mb_ram_bytes(void);                   /* sum of RAM entries, else mem_lower + mem_upper */

#endif
