/*
 * kernel/multiboot.c - checked parser for the Multiboot 1 boot information
 * (contract in kernel/multiboot.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host against a
 * fake physical memory. Order of work: magic, info struct, memory map (so that
 * usable RAM is known), then everything the info struct points to, each
 * checked against the view and the map before a byte of it is read. Structures
 * are copied out with memcpy: the loader owes us no alignment.
 */
#include "kernel/multiboot.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MB_LOW_MEMORY_BASE   0ULL
#define MB_HIGH_MEMORY_BASE  (1 * MiB)
#define MB_LABEL_MAX         32

struct mb_ctx {
	const struct phys_view *pv;
	struct boot_info *bi;
	char *err;
	size_t errlen;
	const char *reserved_what[MB_MAX_RESERVED];  /* names for bi->reserved[] */
	char string_what[MB_MAX_MODULES][MB_LABEL_MAX];  /* "module N string" */
};

static int fail(struct mb_ctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Write "multiboot: <message>" into the caller's buffer; returns -1. */
static int fail(struct mb_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || c->errlen == 0)
		return -1;
	n = cv_snprintf(c->err, c->errlen, "multiboot: ");
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		cv_vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (alen == 0 || blen == 0)
		return false;
	return a <= b ? b - a < alen : a - b < blen;
}

/* End of a range, saturated at 2^64 - 1 for a range that would wrap. */
static uint64_t range_end(const struct mem_range *r)
{
	return r->len > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->len;
}

/*
 * How many bytes from addr on are usable RAM without a break: grow through
 * type-1 entries that contain or touch the current end, then cut at the first
 * entry of another type that overlaps.
 */
static uint64_t usable_extent(const struct boot_info *bi, uint64_t addr)
{
	uint64_t end = addr;
	bool grew = true;

	while (grew) {
		grew = false;
		for (uint32_t i = 0; i < bi->nranges; i++) {
			const struct mem_range *r = &bi->ranges[i];

			if (r->type == MB_MEMORY_AVAILABLE && r->base <= end &&
			    range_end(r) > end) {
				end = range_end(r);
				grew = true;
			}
		}
	}
	for (uint32_t i = 0; i < bi->nranges; i++) {
		const struct mem_range *r = &bi->ranges[i];

		if (r->type == MB_MEMORY_AVAILABLE ||
		    !ranges_overlap(r->base, r->len, addr, end - addr))
			continue;
		if (r->base <= addr)
			return 0;
		end = r->base;
	}
	return end - addr;
}

bool mb_range_is_usable(const struct boot_info *bi, uint64_t base, uint64_t len)
{
	if (len == 0 || len > UINT64_MAX - base)
		return false;
	return usable_extent(bi, base) >= len;
}

static bool in_view(const struct phys_view *pv, uint64_t addr, uint64_t len)
{
	return len <= pv->size && addr <= pv->size - len;
}

/* Bytes readable from addr to the end of the view. */
static uint64_t view_extent(const struct phys_view *pv, uint64_t addr)
{
	return addr < pv->size ? pv->size - addr : 0;
}

static const void *phys_ptr(const struct phys_view *pv, uint64_t addr)
{
	return (const void *)(pv->base + (uintptr_t)addr);
}

static void add_reserved(struct mb_ctx *c, const char *what, uint64_t base, uint64_t len)
{
	struct boot_info *bi = c->bi;

	if (len == 0 || bi->nreserved >= MB_MAX_RESERVED)
		return;         /* the caller's count guarantees room */
	c->reserved_what[bi->nreserved] = what;
	bi->reserved[bi->nreserved++] = (struct mem_range){
		.base = base, .len = len, .type = MB_MEMORY_RESERVED,
	};
}

/* A structure the info points to that is read before the memory map exists. */
static int check_in_view(struct mb_ctx *c, const char *what, uint64_t addr, uint64_t len)
{
	if (addr == 0)
		return fail(c, "%s at address 0", what);
	if (!in_view(c->pv, addr, len))
		return fail(c, "%s [0x%llx, +0x%llx) lies outside memory (size 0x%llx)",
			    what, (unsigned long long)addr, (unsigned long long)len,
			    (unsigned long long)c->pv->size);
	return 0;
}

/* A structure or module that must be in usable RAM (and readable). */
static int check_usable(struct mb_ctx *c, const char *what, uint64_t addr, uint64_t len)
{
	if (!mb_range_is_usable(c->bi, addr, len))
		return fail(c, "%s [0x%llx, 0x%llx) is not in usable RAM", what,
			    (unsigned long long)addr, (unsigned long long)(addr + len));
	return 0;
}

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
	usable = usable_extent(c->bi, addr);
	readable = MIN(usable, view_extent(c->pv, addr));
	limit = MIN(readable, (uint64_t)MB_CMDLINE_MAX);
	if (limit == 0) {
		if (usable == 0)
			return fail(c, "%s at 0x%x is not in usable RAM", what, addr);
		return fail(c, "%s at 0x%x lies outside memory (size 0x%llx)", what,
			    addr, (unsigned long long)c->pv->size);
	}
	s = phys_ptr(c->pv, addr);
	while (n < limit && s[n])
		n++;
	if (n == limit) {
		if (limit == MB_CMDLINE_MAX)
			return fail(c, "%s at 0x%x is not NUL-terminated within %d bytes",
				    what, addr, MB_CMDLINE_MAX);
		if (limit == usable)
			return fail(c, "%s at 0x%x runs out of usable RAM after %llu bytes without a NUL",
				    what, addr, (unsigned long long)n);
		return fail(c, "%s at 0x%x runs past the end of memory without a NUL",
			    what, addr);
	}
	memcpy(dst, s, MIN(n, (uint64_t)dstlen - 1));
	dst[MIN(n, (uint64_t)dstlen - 1)] = '\0';
	add_reserved(c, what, addr, n + 1);
	return 0;
}

/* Append one map entry (index names it in messages); length 0 is dropped. */
static int add_range(struct mb_ctx *c, uint32_t index, uint64_t base, uint64_t len,
		     uint32_t type)
{
	struct boot_info *bi = c->bi;

	if (len == 0)
		return 0;
	if (len > UINT64_MAX - base)
		return fail(c, "memory map entry %u (base 0x%llx length 0x%llx) wraps past 2^64",
			    index, (unsigned long long)base, (unsigned long long)len);
	if (bi->nranges >= MB_MAX_RANGES)
		return fail(c, "memory map has more than %d entries", MB_MAX_RANGES);
	bi->ranges[bi->nranges++] = (struct mem_range){ .base = base, .len = len, .type = type };
	return 0;
}

/* Walk the flag-6 memory map: entry size >= 20, no entry past mmap_length. */
static int parse_mmap(struct mb_ctx *c, const struct mb_info *info)
{
	uint64_t off = 0;
	uint32_t index = 0;

	if (info->mmap_length == 0)
		return fail(c, "memory map is empty (flag 6 set, mmap_length 0)");
	if (check_in_view(c, "memory map", info->mmap_addr, info->mmap_length))
		return -1;
	while (off < info->mmap_length) {
		uint64_t left = info->mmap_length - off;
		struct mb_mmap_entry e;

		if (left < sizeof(e.size))
			return fail(c, "memory map entry %u at offset %llu: only %llu bytes left of mmap_length %u",
				    index, (unsigned long long)off, (unsigned long long)left,
				    info->mmap_length);
		memcpy(&e.size, phys_ptr(c->pv, info->mmap_addr + off), sizeof(e.size));
		if (e.size < MB_MMAP_ENTRY_MIN_SIZE)
			return fail(c, "memory map entry %u at offset %llu: size %u < %zu",
				    index, (unsigned long long)off, e.size,
				    MB_MMAP_ENTRY_MIN_SIZE);
		if (e.size > left - sizeof(e.size))
			return fail(c, "memory map entry %u at offset %llu (size %u) runs past mmap_length %u",
				    index, (unsigned long long)off, e.size, info->mmap_length);
		memcpy(&e, phys_ptr(c->pv, info->mmap_addr + off), sizeof(e));
		if (add_range(c, index, e.base_addr, e.length, e.type))
			return -1;
		off += sizeof(e.size) + e.size;
		index++;
	}
	add_reserved(c, "memory map", info->mmap_addr, info->mmap_length);
	return 0;
}

static void sort_ranges(struct boot_info *bi)
{
	for (uint32_t i = 1; i < bi->nranges; i++) {
		struct mem_range r = bi->ranges[i];
		uint32_t j = i;

		for (; j > 0 && bi->ranges[j - 1].base > r.base; j--)
			bi->ranges[j] = bi->ranges[j - 1];
		bi->ranges[j] = r;
	}
}

static int parse_memory(struct mb_ctx *c, const struct mb_info *info)
{
	struct boot_info *bi = c->bi;
	bool any_usable = false;

	if (info->flags & MB_INFO_MEM_MAP) {
		if (parse_mmap(c, info))
			return -1;
	} else if (info->flags & MB_INFO_MEMORY) {
		if (add_range(c, 0, MB_LOW_MEMORY_BASE, info->mem_lower * KiB, MB_MEMORY_AVAILABLE) ||
		    add_range(c, 1, MB_HIGH_MEMORY_BASE, info->mem_upper * KiB, MB_MEMORY_AVAILABLE))
			return -1;
	} else {
		return fail(c, "no memory map (flags 0x%x have neither bit 0 nor bit 6)",
			    info->flags);
	}
	sort_ranges(bi);
	for (uint32_t i = 0; i < bi->nranges; i++)
		if (bi->ranges[i].type == MB_MEMORY_AVAILABLE)
			any_usable = true;
	if (!any_usable)
		return fail(c, "memory map has no usable RAM (%u entries)", bi->nranges);
	return 0;
}

static int parse_modules(struct mb_ctx *c, const struct mb_info *info)
{
	struct boot_info *bi = c->bi;
	uint64_t list_len = (uint64_t)info->mods_count * sizeof(struct mb_module_entry);

	if (!(info->flags & MB_INFO_MODS) || info->mods_count == 0)
		return 0;
	if (info->mods_count > MB_MAX_MODULES)
		return fail(c, "%u modules, at most %d supported", info->mods_count,
			    MB_MAX_MODULES);
	if (check_in_view(c, "module list", info->mods_addr, list_len) ||
	    check_usable(c, "module list", info->mods_addr, list_len))
		return -1;
	add_reserved(c, "module list", info->mods_addr, list_len);

	for (uint32_t i = 0; i < info->mods_count; i++) {
		struct mb_module_entry e;
		struct boot_module *m = &bi->modules[i];
		char label[MB_LABEL_MAX];

		memcpy(&e, phys_ptr(c->pv, info->mods_addr + (uint64_t)i * sizeof(e)), sizeof(e));
		if (e.mod_end < e.mod_start)
			return fail(c, "module %u (end 0x%x < start 0x%x)", i,
				    e.mod_end, e.mod_start);
		if (e.mod_end == e.mod_start)
			return fail(c, "module %u is empty (start = end = 0x%x)", i,
				    e.mod_start);
		cv_snprintf(label, sizeof(label), "module %u", i);
		cv_snprintf(c->string_what[i], sizeof(c->string_what[i]), "module %u string", i);
		if (check_usable(c, label, e.mod_start, e.mod_end - e.mod_start) ||
		    read_string(c, c->string_what[i], e.string, m->cmdline, sizeof(m->cmdline)))
			return -1;
		m->start = e.mod_start;
		m->end = e.mod_end;
		bi->nmodules++;
	}
	return 0;
}

/* Modules may overlap neither one another nor the Multiboot structures. */
static int check_module_overlaps(struct mb_ctx *c)
{
	const struct boot_info *bi = c->bi;

	for (uint32_t i = 0; i < bi->nmodules; i++) {
		const struct boot_module *a = &bi->modules[i];

		for (uint32_t j = i + 1; j < bi->nmodules; j++) {
			const struct boot_module *b = &bi->modules[j];

			if (ranges_overlap(a->start, a->end - a->start, b->start, b->end - b->start))
				return fail(c, "modules %u [0x%llx, 0x%llx) and %u [0x%llx, 0x%llx) overlap",
					    i, (unsigned long long)a->start,
					    (unsigned long long)a->end, j,
					    (unsigned long long)b->start,
					    (unsigned long long)b->end);
		}
		for (uint32_t j = 0; j < bi->nreserved; j++) {
			const struct mem_range *r = &bi->reserved[j];

			if (ranges_overlap(a->start, a->end - a->start, r->base, r->len))
				return fail(c, "module %u [0x%llx, 0x%llx) overlaps the %s [0x%llx, 0x%llx)",
					    i, (unsigned long long)a->start,
					    (unsigned long long)a->end, c->reserved_what[j],
					    (unsigned long long)r->base,
					    (unsigned long long)(r->base + r->len));
		}
	}
	return 0;
}

int mb_parse(const struct phys_view *pv, uint32_t magic, uint32_t mbi_addr,
	     struct boot_info *bi, char *err, size_t errlen)
{
	struct mb_ctx c = { .pv = pv, .bi = bi, .err = err, .errlen = errlen };
	struct mb_info info;

	memset(bi, 0, sizeof(*bi));
	if (err && errlen)
		err[0] = '\0';
	if (magic != MB_BOOTLOADER_MAGIC)
		return fail(&c, "bad magic 0x%x in EAX (expected 0x%x)", magic,
			    MB_BOOTLOADER_MAGIC);
	if (check_in_view(&c, "info struct", mbi_addr, sizeof(info)))
		return -1;
	memcpy(&info, phys_ptr(pv, mbi_addr), sizeof(info));
	bi->flags = info.flags;
	add_reserved(&c, "info struct", mbi_addr, sizeof(info));

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
	return check_module_overlaps(&c);
}
