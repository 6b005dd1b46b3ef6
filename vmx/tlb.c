/*
 * vmx/tlb.c - INVVPID for a vCPU that moved (see vmx/tlb.h).
 *
 * Context: VMX root, any pCPU. SDM Vol. 3C, "INVVPID - Invalidate
 * Translations Based on VPID", and Vol. 3D, "VPID and EPT Capabilities" for
 * which types the CPU supports.
 */
#include "vmx/tlb.h"
#include "vmx/vmx.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"

bool vmx_can_flush_vpid(void)
{
	return vmx_caps.have_ept_vpid && (vmx_caps.ept_vpid & VMX_VPID_INVVPID) &&
	       (vmx_caps.ept_vpid & (VMX_VPID_INVVPID_SINGLE_CONTEXT | VMX_VPID_INVVPID_ALL_CONTEXT));
}
