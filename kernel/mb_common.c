/*
 * kernel/mb_common.c - helpers both Multiboot parsers share (contract in
 * kernel/mb_common.h), and the memory-map queries of kernel/multiboot.h.
 *
 * Context: any; pure C, no hardware access, unit-tested on the host.
 */
#include "kernel/mb_common.h"
#include "lib/printf.h"
#include "lib/string.h"

int mb_fail(struct mb_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || c->errlen == 0)
		return -1;
	n = cv_snprintf(c->err, c->errlen, "%s: ", c->proto);
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
uint64_t mb_usable_extent(const struct boot_info *bi, uint64_t addr)
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
	return mb_usable_extent(bi, base) >= len;
}

bool mb_in_view(const struct phys_view *pv, uint64_t addr, uint64_t len)
{
	return len <= pv->size && addr <= pv->size - len;
}

uint64_t mb_view_extent(const struct phys_view *pv, uint64_t addr)
{
	return addr < pv->size ? pv->size - addr : 0;
}

const void *mb_phys_ptr(const struct phys_view *pv, uint64_t addr)
{
	return (const void *)(pv->base + (uintptr_t)addr);
}

void mb_add_reserved(struct mb_ctx *c, const char *what, uint64_t base, uint64_t len)
{
	struct boot_info *bi = c->bi;

	if (len == 0 || bi->nreserved >= MB_MAX_RESERVED)
		return;         /* the callers' counts guarantee room */
	c->reserved_what[bi->nreserved] = what;
	bi->reserved[bi->nreserved++] = (struct mem_range){
		.base = base, .len = len, .type = MB_MEMORY_RESERVED,
	};
}

int mb_check_in_view(struct mb_ctx *c, const char *what, uint64_t addr, uint64_t len)
{
	if (addr == 0)
		return mb_fail(c, "%s at address 0", what);
	if (!mb_in_view(c->pv, addr, len))
		return mb_fail(c, "%s [0x%llx, +0x%llx) lies outside memory (size 0x%llx)",
			       what, (unsigned long long)addr, (unsigned long long)len,
			       (unsigned long long)c->pv->size);
	return 0;
}

int mb_check_usable(struct mb_ctx *c, const char *what, uint64_t addr, uint64_t len)
{
	if (!mb_range_is_usable(c->bi, addr, len))
		return mb_fail(c, "%s [0x%llx, 0x%llx) is not in usable RAM", what,
			       (unsigned long long)addr, (unsigned long long)(addr + len));
	return 0;
}

int mb_add_range(struct mb_ctx *c, uint32_t index, uint64_t base, uint64_t len, uint32_t type)
{
	struct boot_info *bi = c->bi;

	if (len == 0)
		return 0;
	if (len > UINT64_MAX - base)
		return mb_fail(c, "memory map entry %u (base 0x%llx length 0x%llx) wraps past 2^64",
			       index, (unsigned long long)base, (unsigned long long)len);
	if (bi->nranges >= MB_MAX_RANGES)
		return mb_fail(c, "memory map has more than %d entries", MB_MAX_RANGES);
	bi->ranges[bi->nranges++] = (struct mem_range){ .base = base, .len = len, .type = type };
	return 0;
}

int mb_finish_map(struct mb_ctx *c)
{
	struct boot_info *bi = c->bi;
	bool any_usable = false;

	for (uint32_t i = 1; i < bi->nranges; i++) {
		struct mem_range r = bi->ranges[i];
		uint32_t j = i;

		for (; j > 0 && bi->ranges[j - 1].base > r.base; j--)
			bi->ranges[j] = bi->ranges[j - 1];
		bi->ranges[j] = r;
	}
	for (uint32_t i = 0; i < bi->nranges; i++)
		if (bi->ranges[i].type == MB_MEMORY_AVAILABLE)
			any_usable = true;
	if (!any_usable)
		return mb_fail(c, "memory map has no usable RAM (%u entries)", bi->nranges);
	return 0;
}

int mb_check_module_overlaps(struct mb_ctx *c)
{
	const struct boot_info *bi = c->bi;

	for (uint32_t i = 0; i < bi->nmodules; i++) {
		const struct boot_module *a = &bi->modules[i];

		for (uint32_t j = i + 1; j < bi->nmodules; j++) {
			const struct boot_module *b = &bi->modules[j];

			if (ranges_overlap(a->start, a->end - a->start, b->start, b->end - b->start))
				return mb_fail(c, "modules %u [0x%llx, 0x%llx) and %u [0x%llx, 0x%llx) overlap",
					       i, (unsigned long long)a->start,
					       (unsigned long long)a->end, j,
					       (unsigned long long)b->start,
					       (unsigned long long)b->end);
		}
		for (uint32_t j = 0; j < bi->nreserved; j++) {
			const struct mem_range *r = &bi->reserved[j];

			if (ranges_overlap(a->start, a->end - a->start, r->base, r->len))
				return mb_fail(c, "module %u [0x%llx, 0x%llx) overlaps the %s [0x%llx, 0x%llx)",
					       i, (unsigned long long)a->start,
					       (unsigned long long)a->end, c->reserved_what[j],
					       (unsigned long long)r->base,
					       (unsigned long long)(r->base + r->len));
		}
	}
	return 0;
}
