/*
 * vmm/core/report_once.c - "reported once" sets for ports and MSRs
 * (contract in vmm/core/report_once.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host.
 */
#include "vmm/core/report_once.h"

#define MSR_HIGH_BASE  0xC0000000U

/* Set bit i of bits; returns whether it was clear. */
static bool first_time(uint64_t *bits, uint32_t i)
{
	uint64_t m = 1ULL << (i % 64);

	if (bits[i / 64] & m)
		return false;
	bits[i / 64] |= m;
	return true;
}

static enum report_once_verdict count(uint32_t *lines, uint64_t *unreported)
{
	if (*lines < REPORT_ONCE_LINES) {
		(*lines)++;
		return REPORT_ONCE_PRINT;
	}
	(*unreported)++;
	return REPORT_ONCE_COUNTED;
}

enum report_once_verdict report_once_port(struct report_once *r, uint16_t port)
{
	if (!first_time(r->ports, port))
		return REPORT_ONCE_SEEN;
	return count(&r->port_lines, &r->unreported_ports);
}

/* Fibonacci hashing into the table's slots. */
static uint32_t msr_slot(uint32_t msr)
{
	return (uint32_t)((msr * 2654435769U) >> 24) % REPORT_ONCE_MSR_TABLE;
}

enum report_once_verdict report_once_msr(struct report_once *r, uint32_t msr)
{
	bool fresh;

	if (msr < REPORT_ONCE_MSR_RANGE) {
		fresh = first_time(r->msrs_low, msr);
	} else if (msr - MSR_HIGH_BASE < REPORT_ONCE_MSR_RANGE) {
		fresh = first_time(r->msrs_high, msr - MSR_HIGH_BASE);
	} else {
		uint32_t s = msr_slot(msr);
		fresh = true;
		for (uint32_t k = 0; k < REPORT_ONCE_MSR_TABLE; k++, s = (s + 1) % REPORT_ONCE_MSR_TABLE) {
			if (!(r->msr_table_used[s / 64] & (1ULL << (s % 64))))
				break;
			if (r->msr_table[s] == msr) {
				fresh = false;
				break;
			}
		}
		if (fresh) {
			if (r->msr_table_n == REPORT_ONCE_MSR_TABLE) {
				r->untracked_msrs++;
				return REPORT_ONCE_COUNTED;
			}
			r->msr_table[s] = msr;
			r->msr_table_used[s / 64] |= 1ULL << (s % 64);
			r->msr_table_n++;
		}
	}
	if (!fresh)
		return REPORT_ONCE_SEEN;
	return count(&r->msr_lines, &r->unreported_msrs);
}
