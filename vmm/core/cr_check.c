/*
 * vmm/core/cr_check.c - the #GP rules of MOV to CR0 and CR4 (contract in
 * vmm/core/cr_check.h).
 *
 * Context: pure C (kernel and host unit tests).
 */
#include "vmm/core/cr_check.h"
#include "lib/msr.h"
#include "lib/x86.h"

#define CR4_CET          BIT(23)
#define CR3_PCID_MASK    0xFFFULL

static bool refuse(const char **why, const char *rule)
{
	if (why)
		*why = rule;
	return false;
}

bool cr0_write_check(const struct cr_state *s, uint64_t val, uint64_t *load, const char **why)
{
	if (val >> 32)
		return refuse(why, "CR0 bits 63:32 are reserved");
	if ((val & CR0_PG) && !(val & CR0_PE))
		return refuse(why, "CR0.PG = 1 needs CR0.PE = 1");
	if ((val & CR0_NW) && !(val & CR0_CD))
		return refuse(why, "CR0.NW = 1 needs CR0.CD = 1");
	if (!(s->cr0 & CR0_PG) && (val & CR0_PG) && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))
		return refuse(why, "CR0.PG = 1 with EFER.LME = 1 needs CR4.PAE = 1");
	if ((s->cr0 & CR0_PG) && !(val & CR0_PG) && (s->efer & EFER_LMA) && s->cs_l)
		return refuse(why, "CR0.PG cannot be cleared in 64-bit mode");
	if (!(val & CR0_WP) && (s->cr4 & CR4_CET))
		return refuse(why, "CR0.WP = 0 with CR4.CET = 1");
	*load = (val & CR0_DEFINED_BITS) | CR0_ET;
	return true;
}

bool cr4_write_check(const struct cr_state *s, uint64_t val, uint64_t allowed, const char **why)
{
	bool lma = s->efer & EFER_LMA;

	if (val & ~allowed)
		return refuse(why, "a reserved CR4 bit (or one of a feature not given to the guest)");
	if (lma && !(val & CR4_PAE))
		return refuse(why, "CR4.PAE cannot be cleared in IA-32e mode");
	if (lma && ((val ^ s->cr4) & CR4_LA57))
		return refuse(why, "CR4.LA57 cannot change in IA-32e mode");
	if (!(s->cr4 & CR4_PCIDE) && (val & CR4_PCIDE) && (!lma || (s->cr3 & CR3_PCID_MASK)))
		return refuse(why, "CR4.PCIDE = 1 needs IA-32e mode and CR3[11:0] = 0");
	if ((val & CR4_CET) && !(s->cr0 & CR0_WP))
		return refuse(why, "CR4.CET = 1 needs CR0.WP = 1");
	return true;
}
