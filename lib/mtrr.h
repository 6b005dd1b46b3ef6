/*
 * lib/mtrr.h - memory types from MTRR contents (pure: no MSR access here).
 *
 * Context: anywhere (host unit tests too). kernel/mtrr.c reads the MSRs once
 * at boot into a struct mtrr_set; vmx/ept.c asks it which memory type a range
 * of host-physical memory has, so that EPT never maps memory the firmware
 * marked uncacheable (MMIO, the legacy VGA hole) as write-back.
 *
 * The rules are the SDM's: Vol. 3A, "Memory Type Range Registers (MTRRs)",
 * sections "MTRR Precedences", "Fixed Range MTRRs" and "Variable Range MTRRs".
 */
#ifndef CV_LIB_MTRR_H
#define CV_LIB_MTRR_H

#include "lib/types.h"

/* Memory type encodings (the same numbers in MTRRs, PAT and EPT entries). */
#define MTRR_TYPE_UC        0
#define MTRR_TYPE_WC        1
#define MTRR_TYPE_WT        4
#define MTRR_TYPE_WP        5
#define MTRR_TYPE_WB        6
#define MTRR_TYPE_MIXED     0xFF    /* mtrr_range_type: the range is not uniform */

#define MTRR_MAX_VAR        32      /* IA32_MTRRCAP.VCNT is 8 bits; real parts have 8-10 */
#define MTRR_NFIXED         88      /* 11 fixed-range MSRs x 8 one-byte fields */

struct mtrr_var {
	uint64_t base;                  /* IA32_MTRR_PHYSBASEn: bits 7:0 type, 12+ base */
	uint64_t mask;                  /* IA32_MTRR_PHYSMASKn: bit 11 valid, 12+ mask */
};

struct mtrr_set {
	bool     present;               /* CPUID.1:EDX.MTRR: without it, the answer is WB */
	bool     enabled;               /* IA32_MTRR_DEF_TYPE.E (bit 11) */
	bool     fixed_enabled;         /* IA32_MTRR_DEF_TYPE.FE (bit 10), and MTRRCAP.FIX */
	uint8_t  def_type;              /* IA32_MTRR_DEF_TYPE bits 7:0 */
	unsigned nvar;                  /* variable ranges read (MTRRCAP.VCNT, at most MTRR_MAX_VAR) */
	unsigned phys_bits;             /* CPUID.80000008H:EAX[7:0]: the mask's width */
	uint8_t  fixed[MTRR_NFIXED];    /* the fixed ranges' types, in address order */
	struct mtrr_var var[MTRR_MAX_VAR];
};

/* The memory type the MTRRs give physical address pa. */
uint8_t mtrr_type_at(const struct mtrr_set *m, uint64_t pa);

/* The one memory type of [pa, pa + len), or MTRR_TYPE_MIXED when the range
 * spans more than one. pa and len 4 KiB aligned, len > 0. */
uint8_t mtrr_range_type(const struct mtrr_set *m, uint64_t pa, uint64_t len);

/* "UC", "WC", "WT", "WP", "WB", or "??" for a reserved encoding. */
const char *mtrr_type_name(uint8_t type);

/* A type the SDM allows in an MTRR / EPT entry (0, 1, 4, 5, 6). */
bool mtrr_type_valid(uint8_t type);

#endif
