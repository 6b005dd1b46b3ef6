/*
 * vmm/core/report_once.h - "reported once" for a guest's unemulated ports
 * and MSRs, for any number of them, with a bounded number of lines.
 *
 * Context: any (plain C, no hardware access; host-tested by
 * tests/unit/test_report_once.c). The caller serialises (vm->lock).
 * Ports: one bit per port (64 Ki bits). MSRs: one bit per MSR in the two
 * architectural ranges the MSR bitmaps cover (0-0x1FFF, 0xC0000000-
 * 0xC0001FFF), and an open-addressed table of REPORT_ONCE_MSR_TABLE other
 * MSRs. A distinct port or MSR gets a line while fewer than
 * REPORT_ONCE_LINES of its kind were printed; later distinct ones are
 * counted (unreported_*) and summed up at the VM's end. An MSR outside the
 * ranges once the table is full cannot be told apart from one seen before:
 * it is counted in untracked_msrs and never printed.
 */
#ifndef CV_REPORT_ONCE_H
#define CV_REPORT_ONCE_H

#include "lib/types.h"

#define REPORT_ONCE_LINES      16     /* lines per VM for ports, and as many for MSRs */
#define REPORT_ONCE_MSR_TABLE  256    /* other MSRs told apart (a power of 2) */
#define REPORT_ONCE_MSR_RANGE  0x2000 /* MSRs per architectural range */

struct report_once {
	uint64_t ports[65536 / 64];
	uint64_t msrs_low[REPORT_ONCE_MSR_RANGE / 64];    /* 0 - 0x1FFF */
	uint64_t msrs_high[REPORT_ONCE_MSR_RANGE / 64];   /* 0xC0000000 - 0xC0001FFF */
	uint32_t msr_table[REPORT_ONCE_MSR_TABLE];
	uint64_t msr_table_used[REPORT_ONCE_MSR_TABLE / 64];
	uint32_t msr_table_n;
	uint32_t port_lines, msr_lines;            /* lines printed */
	uint64_t unreported_ports, unreported_msrs; /* distinct ones past the limit */
	uint64_t untracked_msrs;                    /* accesses not told apart (table full) */
};

enum report_once_verdict {
	REPORT_ONCE_PRINT,      /* first time, within the limit: print a line */
	REPORT_ONCE_SEEN,       /* reported (or counted) before: nothing */
	REPORT_ONCE_COUNTED,    /* first time, past the limit (or not told apart): counted */
};

enum report_once_verdict report_once_port(struct report_once *r, uint16_t port);
enum report_once_verdict report_once_msr(struct report_once *r, uint32_t msr);

#endif
