/*
 * vmm/loader/guest_boot.c - build a guest's Multiboot 1 information in its own RAM
 * (contract and the guest's memory map in vmm/loader/guest_boot.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host. Two
 * passes, like vmm/loader/elf.c: first choose a place for every piece (a first-fit
 * search over the type-1 ranges that steps over the image and everything
 * already placed), then, only if all of it fits, write guest RAM. The
 * Multiboot structures are packed and the guest owes them no alignment in our
 * address space, so they are built on the stack and copied in with memcpy.
 */
#include "vmm/loader/guest_boot.h"
#include "kernel/multiboot.h"
#include "lib/printf.h"
#include "lib/string.h"

/*
 * The info struct as far as the 0.6.96 framebuffer fields (116 bytes), rounded
 * up; kernel/multiboot.h describes the first 88. The rest stays zero: flags 11
 * and 12 (VBE, framebuffer) are never set.
 */
#define INFO_BYTES           128
#define MMAP_ENTRIES         4
#define STRUCT_ALIGN         16
#define LOW_MEMORY_KIB       (GUEST_LOW_RAM_END / KiB)   /* 639 */

_Static_assert(sizeof(struct mb_info) <= INFO_BYTES, "info struct fits its slot");

/* A half-open range [base, end) of guest-physical addresses. */
struct span {
	uint64_t base, end;
};

struct placer {
	struct span usable[2];       /* type-1 RAM we may place into */
	struct span busy[2 + GUEST_BOOT_MAX_MODULES];   /* image, block, modules */
	unsigned nbusy;
};

/* Offsets inside the block of small structures, and its size. */
struct block_layout {
	uint64_t mmap, mods, loader_name, cmdline, mod_string[GUEST_BOOT_MAX_MODULES];
	uint64_t size;
};

static int fail(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Write "guest boot: <message>" into the caller's buffer; returns -1. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || errlen == 0)
		return -1;
	n = cv_snprintf(err, errlen, "guest boot: ");
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		cv_vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * First fit of size bytes, aligned to align (a power of two), at or above
 * from, inside one usable span and clear of every busy span. Records the
 * result as busy. size 0 is treated as 1 so every piece gets its own address.
 */
static bool place(struct placer *p, uint64_t size, uint64_t align, uint64_t from,
		  uint64_t *out)
{
	unsigned u, b;

	if (size == 0)
		size = 1;
	for (u = 0; u < ARRAY_SIZE(p->usable); u++) {
		const struct span *us = &p->usable[u];
		uint64_t addr;

		if (from >= us->end)
			continue;
		addr = ALIGN_UP(MAX(us->base, from), align);   /* end <= 4 GiB: no wrap */
		while (addr <= us->end && size <= us->end - addr) {
			for (b = 0; b < p->nbusy; b++)
				if (p->busy[b].base < addr + size && addr < p->busy[b].end)
					break;
			if (b == p->nbusy) {
				*out = addr;
				p->busy[p->nbusy].base = addr;
				p->busy[p->nbusy].end = addr + size;
				p->nbusy++;
				return true;
			}
			if (p->busy[b].end >= us->end)
				break;
			addr = ALIGN_UP(p->busy[b].end, align);
		}
	}
	return false;
}

/* Lay out the block: info, memory map, module list, then the strings. */
static void layout_block(struct block_layout *l, const char *cmdline,
			 const struct guest_module_src *mods, unsigned nmods)
{
	uint64_t off;
	unsigned i;

	l->mmap = INFO_BYTES;
	l->mods = ALIGN_UP(l->mmap + MMAP_ENTRIES * sizeof(struct mb_mmap_entry), STRUCT_ALIGN);
	l->loader_name = l->mods + (uint64_t)nmods * sizeof(struct mb_module_entry);
	l->cmdline = l->loader_name + sizeof(GUEST_BOOT_LOADER_NAME);
	off = l->cmdline + strlen(cmdline) + 1;
	for (i = 0; i < nmods; i++) {
		l->mod_string[i] = off;
		off += strlen(mods[i].cmdline ? mods[i].cmdline : "") + 1;
	}
	l->size = ALIGN_UP(off, STRUCT_ALIGN);
}

/* Is every string shorter than GUEST_BOOT_STRING_MAX and every module sane? */
static int check_inputs(uint64_t ram_size, const struct guest_image *img,
			const char *cmdline, const struct guest_module_src *mods,
			unsigned nmods, char *err, size_t errlen)
{
	unsigned i;

	if (ram_size < GUEST_BOOT_MIN_RAM)
		return fail(err, errlen, "guest RAM of 0x%llx bytes is below the minimum "
			    "of %llu MiB", (unsigned long long)ram_size,
			    (unsigned long long)(GUEST_BOOT_MIN_RAM / MiB));
	if (img->lowest > img->highest || img->highest > ram_size)
		return fail(err, errlen, "image [0x%llx, 0x%llx) is not inside the guest's "
			    "0x%llx bytes of RAM", (unsigned long long)img->lowest,
			    (unsigned long long)img->highest, (unsigned long long)ram_size);
	if (strnlen(cmdline, GUEST_BOOT_STRING_MAX) == GUEST_BOOT_STRING_MAX)
		return fail(err, errlen, "command line longer than %u bytes",
			    GUEST_BOOT_STRING_MAX - 1);
	if (nmods > GUEST_BOOT_MAX_MODULES)
		return fail(err, errlen, "%u modules, at most %u", nmods,
			    GUEST_BOOT_MAX_MODULES);
	for (i = 0; i < nmods; i++) {
		if (!mods[i].data && mods[i].len != 0)
			return fail(err, errlen, "module %u has no data", i);
		if (mods[i].cmdline &&
		    strnlen(mods[i].cmdline, GUEST_BOOT_STRING_MAX) == GUEST_BOOT_STRING_MAX)
			return fail(err, errlen, "module %u command line longer than %u bytes",
				    i, GUEST_BOOT_STRING_MAX - 1);
	}
	return 0;
}

static void put_mmap(uint8_t *dst, unsigned i, uint64_t base, uint64_t end, uint32_t type)
{
	struct mb_mmap_entry e = {
		.size = MB_MMAP_ENTRY_MIN_SIZE,
		.base_addr = base,
		.length = end - base,
		.type = type,
	};

	memcpy(dst + (uint64_t)i * sizeof(e), &e, sizeof(e));
}

int guest_boot_build(uint8_t *ram, uint64_t ram_size, const struct guest_image *img,
		     const char *cmdline, const struct guest_module_src *mods,
		     unsigned nmods, uint32_t *mbi_gpa, char *err, size_t errlen)
{
	struct placer p;
	struct block_layout l;
	struct mb_info info;
	uint64_t blk, mod_gpa[GUEST_BOOT_MAX_MODULES];
	uint8_t *b;
	unsigned i;

	if (err && errlen)
		err[0] = '\0';
	if (!cmdline)
		cmdline = "";
	if (check_inputs(ram_size, img, cmdline, mods, nmods, err, errlen) < 0)
		return -1;

	/* Pass 1: choose every place. */
	memset(&p, 0, sizeof(p));
	p.usable[0].base = GUEST_BOOT_PLACE_MIN;
	p.usable[0].end = GUEST_LOW_RAM_END;
	p.usable[1].base = GUEST_HIGH_RAM_BASE;
	p.usable[1].end = MIN(ram_size, GUEST_BOOT_PLACE_LIMIT);
	p.busy[0].base = img->lowest;
	p.busy[0].end = img->highest;
	p.nbusy = 1;
	layout_block(&l, cmdline, mods, nmods);
	if (!place(&p, l.size, PAGE_SIZE, GUEST_BOOT_PLACE_MIN, &blk))
		return fail(err, errlen, "no room for the 0x%llx bytes of Multiboot "
			    "information in the guest's RAM", (unsigned long long)l.size);
	for (i = 0; i < nmods; i++) {
		uint64_t after = MIN(ALIGN_UP(img->highest, PAGE_SIZE), GUEST_BOOT_PLACE_LIMIT);

		if (!place(&p, mods[i].len, PAGE_SIZE, after, &mod_gpa[i]) &&
		    !place(&p, mods[i].len, PAGE_SIZE, GUEST_BOOT_PLACE_MIN, &mod_gpa[i]))
			return fail(err, errlen, "module %u (\"%s\", 0x%llx bytes) does not "
				    "fit in the guest's free RAM (0x%llx bytes, image at "
				    "[0x%llx, 0x%llx))", i,
				    mods[i].cmdline ? mods[i].cmdline : "",
				    (unsigned long long)mods[i].len,
				    (unsigned long long)ram_size,
				    (unsigned long long)img->lowest,
				    (unsigned long long)img->highest);
	}

	/* Pass 2: write. Every address below is under GUEST_BOOT_PLACE_LIMIT. */
	b = ram + blk;
	memset(b, 0, l.size);
	put_mmap(b + l.mmap, 0, 0, GUEST_LOW_RAM_END, MB_MEMORY_AVAILABLE);
	put_mmap(b + l.mmap, 1, GUEST_LOW_RAM_END, GUEST_EBDA_END, MB_MEMORY_RESERVED);
	put_mmap(b + l.mmap, 2, GUEST_BIOS_ROM_BASE, GUEST_HIGH_RAM_BASE, MB_MEMORY_RESERVED);
	put_mmap(b + l.mmap, 3, GUEST_HIGH_RAM_BASE, ram_size, MB_MEMORY_AVAILABLE);
	memcpy(b + l.loader_name, GUEST_BOOT_LOADER_NAME, sizeof(GUEST_BOOT_LOADER_NAME));
	memcpy(b + l.cmdline, cmdline, strlen(cmdline) + 1);
	for (i = 0; i < nmods; i++) {
		const char *s = mods[i].cmdline ? mods[i].cmdline : "";
		struct mb_module_entry m = {
			.mod_start = (uint32_t)mod_gpa[i],
			.mod_end = (uint32_t)(mod_gpa[i] + mods[i].len),
			.string = (uint32_t)(blk + l.mod_string[i]),
		};

		memcpy(b + l.mod_string[i], s, strlen(s) + 1);
		memcpy(b + l.mods + (uint64_t)i * sizeof(m), &m, sizeof(m));
		if (mods[i].len)
			memcpy(ram + mod_gpa[i], mods[i].data, mods[i].len);
	}

	memset(&info, 0, sizeof(info));
	info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP |
		     MB_INFO_BOOT_LOADER_NAME;
	info.mem_lower = LOW_MEMORY_KIB;
	info.mem_upper = (uint32_t)MIN((ram_size - GUEST_HIGH_RAM_BASE) / KiB,
				       (uint64_t)UINT32_MAX);
	info.cmdline = (uint32_t)(blk + l.cmdline);
	info.mods_count = nmods;
	info.mods_addr = (uint32_t)(blk + l.mods);
	info.mmap_length = MMAP_ENTRIES * sizeof(struct mb_mmap_entry);
	info.mmap_addr = (uint32_t)(blk + l.mmap);
	info.boot_loader_name = (uint32_t)(blk + l.loader_name);
	memcpy(b, &info, sizeof(info));
	*mbi_gpa = (uint32_t)blk;
	return 0;
}
