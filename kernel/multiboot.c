/*
 * kernel/multiboot.c - checked parser for the Multiboot 1 boot information
 * (contract in kernel/multiboot.h), and mb_parse(), which hands Multiboot 2
 * information to kernel/multiboot2.c.
 *
 * Context: any; pure C, no hardware access, unit-tested on the host against a
 * fake physical memory. Order of work: magic, info struct, memory map (so that
 * usable RAM is known), then everything the info struct points to, each
 * checked against the view and the map before a byte of it is read. Structures
 * are copied out with memcpy: the loader owes us no alignment.
 */
#include "kernel/mb_common.h"
#include "kernel/multiboot2.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MB_LOW_MEMORY_BASE   0ULL
#define MB_HIGH_MEMORY_BASE  (1 * MiB)

/*
 * Copy the C string at addr (0 = none, giving "") into dst, cut to dstlen,
 * after finding its NUL within MB_CMDLINE_MAX bytes of usable RAM; reserve
 * the whole string.
 */
static int read_string(struct mb_ctx *c, const char *what, uint32_t addr,
		       char *dst, size_t dstlen)
{
	uint64_t usable, readable, limit, n = 0;
	const char *s;

	dst[0] = '\0';
	if (addr == 0)
		return 0;
	usable = mb_usable_extent(c->bi, addr);
	readable = MIN(usable, mb_view_extent(c->pv, addr));
	limit = MIN(readable, (uint64_t)MB_CMDLINE_MAX);
	if (limit == 0) {
		if (usable == 0)
			return mb_fail(c, "%s at 0x%x is not in usable RAM", what, addr);
		return mb_fail(c, "%s at 0x%x lies outside memory (size 0x%llx)", what,
			    addr, (unsigned long long)c->pv->size);
	}
	s = mb_phys_ptr(c->pv, addr);
	while (n < limit && s[n])
		n++;
	if (n == limit) {
		if (limit == MB_CMDLINE_MAX)
			return mb_fail(c, "%s at 0x%x is not NUL-terminated within %d bytes",
				    what, addr, MB_CMDLINE_MAX);
		if (limit == usable)
			return mb_fail(c, "%s at 0x%x runs out of usable RAM after %llu bytes without a NUL",
				    what, addr, (unsigned long long)n);
		return mb_fail(c, "%s at 0x%x runs past the end of memory without a NUL",
			    what, addr);
	}
	memcpy(dst, s, MIN(n, (uint64_t)dstlen - 1));
	dst[MIN(n, (uint64_t)dstlen - 1)] = '\0';
	mb_add_reserved(c, what, addr, n + 1);
	return 0;
}

/* Walk the flag-6 memory map: entry size >= 20, no entry past mmap_length. */
static int parse_mmap(struct mb_ctx *c, const struct mb_info *info)
{
	uint64_t off = 0;
	uint32_t index = 0;

	if (info->mmap_length == 0)
		return mb_fail(c, "memory map is empty (flag 6 set, mmap_length 0)");
	if (mb_check_in_view(c, "memory map", info->mmap_addr, info->mmap_length))
		return -1;
	while (off < info->mmap_length) {
		uint64_t left = info->mmap_length - off;
		struct mb_mmap_entry e;

		if (left < sizeof(e.size))
			return mb_fail(c, "memory map entry %u at offset %llu: only %llu bytes left of mmap_length %u",
				    index, (unsigned long long)off, (unsigned long long)left,
				    info->mmap_length);
		memcpy(&e.size, mb_phys_ptr(c->pv, info->mmap_addr + off), sizeof(e.size));
		if (e.size < MB_MMAP_ENTRY_MIN_SIZE)
			return mb_fail(c, "memory map entry %u at offset %llu: size %u < %zu",
				    index, (unsigned long long)off, e.size,
				    MB_MMAP_ENTRY_MIN_SIZE);
		if (e.size > left - sizeof(e.size))
			return mb_fail(c, "memory map entry %u at offset %llu (size %u) runs past mmap_length %u",
				    index, (unsigned long long)off, e.size, info->mmap_length);
		memcpy(&e, mb_phys_ptr(c->pv, info->mmap_addr + off), sizeof(e));
		if (mb_add_range(c, index, e.base_addr, e.length, e.type))
			return -1;
		off += sizeof(e.size) + e.size;
		index++;
	}
	mb_add_reserved(c, "memory map", info->mmap_addr, info->mmap_length);
	return 0;
}

static int parse_memory(struct mb_ctx *c, const struct mb_info *info)
{
	if (info->flags & MB_INFO_MEM_MAP) {
		if (parse_mmap(c, info))
			return -1;
	} else if (info->flags & MB_INFO_MEMORY) {
		if (mb_add_range(c, 0, MB_LOW_MEMORY_BASE, info->mem_lower * KiB, MB_MEMORY_AVAILABLE) ||
		    mb_add_range(c, 1, MB_HIGH_MEMORY_BASE, info->mem_upper * KiB, MB_MEMORY_AVAILABLE))
			return -1;
	} else {
		return mb_fail(c, "no memory map (flags 0x%x have neither bit 0 nor bit 6)",
			    info->flags);
	}
	return mb_finish_map(c);
}

static int parse_modules(struct mb_ctx *c, const struct mb_info *info)
{
	struct boot_info *bi = c->bi;
	uint64_t list_len = (uint64_t)info->mods_count * sizeof(struct mb_module_entry);

	if (!(info->flags & MB_INFO_MODS) || info->mods_count == 0)
		return 0;
	if (info->mods_count > MB_MAX_MODULES)
		return mb_fail(c, "%u modules, at most %d supported", info->mods_count,
			    MB_MAX_MODULES);
	if (mb_check_in_view(c, "module list", info->mods_addr, list_len) ||
	    mb_check_usable(c, "module list", info->mods_addr, list_len))
		return -1;
	mb_add_reserved(c, "module list", info->mods_addr, list_len);

	for (uint32_t i = 0; i < info->mods_count; i++) {
		struct mb_module_entry e;
		struct boot_module *m = &bi->modules[i];
		char label[MB_LABEL_MAX];

		memcpy(&e, mb_phys_ptr(c->pv, info->mods_addr + (uint64_t)i * sizeof(e)), sizeof(e));
		if (e.mod_end < e.mod_start)
			return mb_fail(c, "module %u (end 0x%x < start 0x%x)", i,
				    e.mod_end, e.mod_start);
		if (e.mod_end == e.mod_start)
			return mb_fail(c, "module %u is empty (start = end = 0x%x)", i,
				    e.mod_start);
		cv_snprintf(label, sizeof(label), "module %u", i);
		cv_snprintf(c->string_what[i], sizeof(c->string_what[i]), "module %u string", i);
		if (mb_check_usable(c, label, e.mod_start, e.mod_end - e.mod_start) ||
		    read_string(c, c->string_what[i], e.string, m->cmdline, sizeof(m->cmdline)))
			return -1;
		m->start = e.mod_start;
		m->end = e.mod_end;
		bi->nmodules++;
	}
	return 0;
}

int mb_parse(const struct phys_view *pv, uint32_t magic, uint32_t mbi_addr,
	     struct boot_info *bi, char *err, size_t errlen)
{
	struct mb_ctx c = { .proto = "multiboot", .pv = pv, .bi = bi, .err = err,
			    .errlen = errlen };
	struct mb_info info;

	memset(bi, 0, sizeof(*bi));
	if (err && errlen)
		err[0] = '\0';
	if (magic == MB2_BOOTLOADER_MAGIC)
		return mb2_parse(pv, mbi_addr, bi, err, errlen);
	if (magic != MB_BOOTLOADER_MAGIC)
		return mb_fail(&c, "bad magic 0x%x in EAX (expected 0x%x, or 0x%x from a Multiboot2 loader)",
			       magic, MB_BOOTLOADER_MAGIC, MB2_BOOTLOADER_MAGIC);
	bi->protocol = 1;
	if (mb_check_in_view(&c, "info struct", mbi_addr, sizeof(info)))
		return -1;
	memcpy(&info, mb_phys_ptr(pv, mbi_addr), sizeof(info));
	bi->flags = info.flags;
	mb_add_reserved(&c, "info struct", mbi_addr, sizeof(info));

	if (parse_memory(&c, &info))
		return -1;
	if ((info.flags & MB_INFO_CMDLINE) &&
	    read_string(&c, "command line", info.cmdline, bi->cmdline, sizeof(bi->cmdline)))
		return -1;
	if (parse_modules(&c, &info))
		return -1;
	if ((info.flags & MB_INFO_BOOT_LOADER_NAME) &&
	    read_string(&c, "boot loader name", info.boot_loader_name,
			bi->loader_name, sizeof(bi->loader_name)))
		return -1;
	return mb_check_module_overlaps(&c);
}
