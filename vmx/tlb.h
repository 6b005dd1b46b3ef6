/*
 * vmx/tlb.h - flushing a guest's cached translations.
 *
 * Context: VMX root. With VPID, a pCPU keeps a guest's linear translations
 * across exits, tagged with its VPID (SDM Vol. 3C, "Virtual-Processor
 * Identifiers (VPIDs)"). A vCPU that moves to another pCPU and later comes
 * back may find entries there that its own INVLPGs elsewhere never reached,
 * so a vCPU loaded on a pCPU other than the last one gets its VPID flushed.
 */
#ifndef CV_TLB_H
#define CV_TLB_H

#include "lib/types.h"
#include "vmx/vmx.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"

/* Whether INVVPID can flush one VPID (or, failing that, all of them):
 * without it VPID must stay off. */
bool vmx_can_flush_vpid(void);

/* Invalidate every mapping tagged with vpid on this pCPU (checked; SDM
 * Vol. 3C, "INVVPID - Invalidate Translations Based on VPID"). Inline: it
 * is on the path of every move (docs/performance.md). */
static inline void vmx_flush_vpid(uint16_t vpid)
{
	if (vmx_caps.ept_vpid & VMX_VPID_INVVPID_SINGLE_CONTEXT)
		VMX_CHECK("invvpid single-context", vpid, invvpid(INVVPID_SINGLE_CONTEXT, vpid, 0));
	else
		VMX_CHECK("invvpid all-context", vpid, invvpid(INVVPID_ALL_CONTEXT, vpid, 0));
}

/* Invalidate the mappings of every VPID but the host's on this pCPU, when
 * INVVPID has that type (false otherwise, nothing done). An idle pCPU does
 * it once (vmm/sched.c): a vCPU it then takes needs no flush of its own,
 * as no guest ran there since. */
static inline bool vmx_flush_all_vpids(void)
{
	if (!(vmx_caps.ept_vpid & VMX_VPID_INVVPID_ALL_CONTEXT))
		return false;
	VMX_CHECK("invvpid all-context", 0, invvpid(INVVPID_ALL_CONTEXT, 0, 0));
	return true;
}

#endif
