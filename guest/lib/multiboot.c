/*
 * guest/lib/multiboot.c - read the Multiboot1 information (EBX at entry).
 *
 * Context: guest. Read-only: the structure stays where the loader put it.
 */
#include <stddef.h>

#include "guest/lib/multiboot.h"

static uint32_t magic;
static const struct multiboot_info *mbi;

void mb_init(uint32_t eax, uint32_t ebx)
{
	magic = eax;
	mbi = eax == MULTIBOOT_BOOTLOADER_MAGIC ? (const struct multiboot_info *)(uintptr_t)ebx : NULL;
}

uint32_t mb_magic(void)
{
	return magic;
}

const struct multiboot_info *mb_info(void)
{
	return mbi;
}

const char *mb_cmdline(void)
{
	if (!mbi || !(mbi->flags & MBI_FLAG_CMDLINE) || !mbi->cmdline)
		return NULL;
	return (const char *)(uintptr_t)mbi->cmdline;
}

bool mb_mmap_each(void (*fn)(const struct multiboot_mmap_entry *e, void *ctx), void *ctx)
{
	if (!mbi || !(mbi->flags & MBI_FLAG_MMAP))
		return false;
	uintptr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
	while (p + sizeof(struct multiboot_mmap_entry) <= end) {
		const struct multiboot_mmap_entry *e = (const void *)p;

		fn(e, ctx);
		p += e->size + sizeof(e->size);
	}
	return true;
}

struct cover {
	uint64_t addr, len;
	uint32_t type;
};

static void cover_one(const struct multiboot_mmap_entry *e, void *ctx)
{
	struct cover *c = ctx;

	if (e->addr <= c->addr && c->addr + c->len <= e->addr + e->len)
		c->type = e->type;
}

uint32_t mb_mmap_type(uint64_t addr, uint64_t len)
{
	struct cover c = { addr, len, 0 };

	mb_mmap_each(cover_one, &c);
	return c.type;
}

static void add_ram(const struct multiboot_mmap_entry *e, void *ctx)
{
	if (e->type == MMAP_TYPE_RAM)
		*(uint64_t *)ctx += e->len;
}

uint64_t mb_ram_bytes(void)
{
	uint64_t total = 0;

	if (mb_mmap_each(add_ram, &total))
		return total;
	if (mbi && (mbi->flags & MBI_FLAG_MEM))
		return ((uint64_t)mbi->mem_lower + mbi->mem_upper) * 1024;
	return 0;
}
