/*
 * lib/mtrr.c - memory types from MTRR contents.
 *
 * Context: pure functions (host unit tests: tests/unit/test_mtrr.c).
 * SDM Vol. 3A, "Memory Type Range Registers (MTRRs)": the fixed ranges cover
 * the first MiB when IA32_MTRR_DEF_TYPE.FE is set and take precedence there;
 * above that, the variable ranges that match an address decide, and where
 * none matches the default type applies ("MTRR Precedences"):
 *   - MTRRs disabled (DEF_TYPE.E = 0): UC everywhere;
 *   - one match, or several of the same type: that type;
 *   - any UC among the matches: UC;
 *   - WT and WB only: WT;
 *   - any other overlap is undefined in the SDM: we answer UC, the safe one.
 */
#include "lib/mtrr.h"

#define PAGE_4K         0x1000ULL
#define ONE_MIB         0x100000ULL
#define VAR_VALID       (1ULL << 11)

static uint64_t addr_bits(const struct mtrr_set *m)
{
	unsigned pb = m->phys_bits ? m->phys_bits : 36;

	if (pb > 52)
		pb = 52;
	return ((1ULL << pb) - 1) & ~(PAGE_4K - 1);
}

/* Fixed-range index of pa < 1 MiB (SDM Vol. 3A, "Fixed Range MTRRs"):
 * 8 x 64 KiB from 0, 16 x 16 KiB from 0x80000, 64 x 4 KiB from 0xC0000. */
static unsigned fixed_index(uint64_t pa)
{
	if (pa < 0x80000)
		return (unsigned)(pa >> 16);
	if (pa < 0xC0000)
		return 8 + (unsigned)((pa - 0x80000) >> 14);
	return 24 + (unsigned)((pa - 0xC0000) >> 12);
}

static uint8_t combine(uint8_t a, uint8_t b)
{
	if (a == b)
		return a;
	if (a == MTRR_TYPE_UC || b == MTRR_TYPE_UC)
		return MTRR_TYPE_UC;
	if ((a == MTRR_TYPE_WT && b == MTRR_TYPE_WB) || (a == MTRR_TYPE_WB && b == MTRR_TYPE_WT))
		return MTRR_TYPE_WT;
	return MTRR_TYPE_UC;    /* undefined in the SDM: the safe answer */
}

uint8_t mtrr_type_at(const struct mtrr_set *m, uint64_t pa)
{
	if (!m->present)
		return MTRR_TYPE_WB;
	if (!m->enabled)
		return MTRR_TYPE_UC;
	if (m->fixed_enabled && pa < ONE_MIB)
		return m->fixed[fixed_index(pa)];

	uint64_t bits = addr_bits(m);
	bool matched = false;
	uint8_t t = 0;
	unsigned n = m->nvar < MTRR_MAX_VAR ? m->nvar : MTRR_MAX_VAR;

	for (unsigned i = 0; i < n; i++) {
		const struct mtrr_var *v = &m->var[i];
		uint64_t mask = v->mask & bits;

		if (!(v->mask & VAR_VALID) || (pa & mask) != (v->base & mask))
			continue;
		uint8_t vt = (uint8_t)(v->base & 0xFF);
		t = matched ? combine(t, vt) : vt;
		matched = true;
	}
	return matched ? t : m->def_type;
}

/* A valid variable range whose mask is contiguous covers exactly one
 * naturally aligned block [*start, *end); false for a non-contiguous mask. */
static bool var_block(const struct mtrr_set *m, const struct mtrr_var *v,
		      uint64_t *start, uint64_t *end)
{
	uint64_t bits = addr_bits(m);
	uint64_t mask = v->mask & bits;
	uint64_t size = (~mask & bits) + PAGE_4K;    /* 2^k if the mask is contiguous */

	if (size & (size - 1))
		return false;
	*start = v->base & mask;
	*end = *start + size;
	return true;
}

static uint8_t walk_pages(const struct mtrr_set *m, uint64_t pa, uint64_t end)
{
	uint8_t t = mtrr_type_at(m, pa);

	for (pa += PAGE_4K; pa < end; pa += PAGE_4K)
		if (mtrr_type_at(m, pa) != t)
			return MTRR_TYPE_MIXED;
	return t;
}

uint8_t mtrr_range_type(const struct mtrr_set *m, uint64_t pa, uint64_t len)
{
	uint64_t end = pa + len;

	if (!m->present || !m->enabled || len == 0)
		return mtrr_type_at(m, pa);

	uint8_t t = MTRR_TYPE_MIXED;
	if (m->fixed_enabled && pa < ONE_MIB) {
		uint64_t low_end = end < ONE_MIB ? end : ONE_MIB;
		t = walk_pages(m, pa, low_end);    /* at most 256 pages */
		if (t == MTRR_TYPE_MIXED || end <= ONE_MIB)
			return t;
		pa = ONE_MIB;
	}

	/* Above the fixed ranges the type can change only where a variable
	 * range begins or ends: evaluate it at pa and at every such boundary
	 * inside the range. */
	unsigned n = m->nvar < MTRR_MAX_VAR ? m->nvar : MTRR_MAX_VAR;
	uint8_t first = mtrr_type_at(m, pa);

	if (t != MTRR_TYPE_MIXED && t != first)
		return MTRR_TYPE_MIXED;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s, e;

		if (!(m->var[i].mask & VAR_VALID))
			continue;
		if (!var_block(m, &m->var[i], &s, &e))
			return walk_pages(m, pa, end) == first ? first : MTRR_TYPE_MIXED;
		if (s > pa && s < end && mtrr_type_at(m, s) != first)
			return MTRR_TYPE_MIXED;
		if (e > pa && e < end && mtrr_type_at(m, e) != first)
			return MTRR_TYPE_MIXED;
	}
	return first;
}

const char *mtrr_type_name(uint8_t type)
{
	switch (type) {
	case MTRR_TYPE_UC: return "UC";
	case MTRR_TYPE_WC: return "WC";
	case MTRR_TYPE_WT: return "WT";
	case MTRR_TYPE_WP: return "WP";
	case MTRR_TYPE_WB: return "WB";
	case MTRR_TYPE_MIXED: return "mixed";
	}
	return "??";
}

bool mtrr_type_valid(uint8_t type)
{
	return type == MTRR_TYPE_UC || type == MTRR_TYPE_WC || type == MTRR_TYPE_WT ||
	       type == MTRR_TYPE_WP || type == MTRR_TYPE_WB;
}
