/*
 * kernel/mb_common.h - what the Multiboot 1 and Multiboot 2 parsers share.
 *
 * Context: any; pure C with no hardware access, unit-tested on the host
 * through tests/unit/test_multiboot.c and tests/unit/test_multiboot2.c.
 * Only kernel/multiboot.c and kernel/multiboot2.c include this: everyone
 * else sees struct boot_info and mb_parse() (kernel/multiboot.h).
 *
 * The rules both parsers follow: every pointer and length is checked against
 * the memory view (and, once the memory map is known, against usable RAM)
 * before a byte of it is read; every structure the loader wrote is recorded
 * in bi->reserved[] so the frame allocator keeps it; modules may overlap
 * neither one another nor those structures.
 */
#ifndef CV_MB_COMMON_H
#define CV_MB_COMMON_H

#include "kernel/multiboot.h"

#define MB_LABEL_MAX         32

struct mb_ctx {
	const char *proto;                           /* "multiboot" or "multiboot2": message prefix */
	const struct phys_view *pv;
	struct boot_info *bi;
	char *err;
	size_t errlen;
	const char *reserved_what[MB_MAX_RESERVED];  /* names for bi->reserved[] */
	char string_what[MB_MAX_MODULES][MB_LABEL_MAX];  /* "module N string" */
};

/* Write "<proto>: <message>" into the caller's buffer; returns -1. */
int mb_fail(struct mb_ctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Is [addr, addr + len) inside the view? Bytes readable from addr on? */
bool mb_in_view(const struct phys_view *pv, uint64_t addr, uint64_t len);
uint64_t mb_view_extent(const struct phys_view *pv, uint64_t addr);
const void *mb_phys_ptr(const struct phys_view *pv, uint64_t addr);

/* Bytes of usable RAM from addr on without a break (see mb_range_is_usable). */
uint64_t mb_usable_extent(const struct boot_info *bi, uint64_t addr);

/* Record a structure of the loader's in bi->reserved[] (len 0: nothing). */
void mb_add_reserved(struct mb_ctx *c, const char *what, uint64_t base, uint64_t len);

/* addr != 0 and [addr, addr + len) in the view, else a named error. */
int mb_check_in_view(struct mb_ctx *c, const char *what, uint64_t addr, uint64_t len);
/* [addr, addr + len) in usable RAM, else a named error. */
int mb_check_usable(struct mb_ctx *c, const char *what, uint64_t addr, uint64_t len);

/* Append one memory map entry (index names it in messages); length 0 is dropped. */
int mb_add_range(struct mb_ctx *c, uint32_t index, uint64_t base, uint64_t len, uint32_t type);

/* Sort the map by base and insist on some usable RAM. */
int mb_finish_map(struct mb_ctx *c);

/* Modules may overlap neither one another nor bi->reserved[]. */
int mb_check_module_overlaps(struct mb_ctx *c);

#endif
