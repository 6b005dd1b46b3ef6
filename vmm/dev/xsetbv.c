/*
 * vmm/dev/xsetbv.c - XSETBV: the guest's XCR0, per vCPU.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current. XSETBV
 * always exits in VMX non-root operation (SDM Vol. 3C, "Instructions That
 * Cause VM Exits Unconditionally"). The checks are XSETBV's own (SDM Vol.
 * 2B, "XSETBV", protected-mode exceptions): #UD with CR4.OSXSAVE = 0, #GP(0)
 * at CPL > 0, for an XCR other than 0, and for an XCR0 value the rules of
 * SDM Vol. 1, "Extended Control Register 0 (XCR0)" forbid or that sets a
 * component the guest is not given (CPUID.(0DH,0):EDX:EAX, from the feature
 * table: vmm/dev/features.c). The CPU checks #UD and CPL itself before the
 * exit; they are checked again here so that no path depends on it. A
 * value that passes is the vCPU's XCR0 and is written to the pCPU at once
 * (vmm/core/guest_fpu.c); it travels with the vCPU.
 */
#include "vmm/dev/xsetbv.h"
#include "lib/x86.h"

#ifndef CV_HOST_TEST
#include "vmm/core/guest_fpu.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/features.h"
#include "vmx/vmcs.h"

#define AR_DPL_SHIFT 5
#define AR_DPL_MASK  3u
#endif

bool xcr0_valid(uint64_t xcr0, uint64_t allowed)
{
	if (xcr0 & ~allowed)
		return false;                   /* a component it is not given */
	if (!(xcr0 & XFEATURE_X87))
		return false;                   /* bit 0 is always 1 */
	if ((xcr0 & XFEATURE_YMM) && !(xcr0 & XFEATURE_SSE))
		return false;                   /* AVX needs SSE */
	uint64_t mpx = xcr0 & (XFEATURE_BNDREGS | XFEATURE_BNDCSR);
	if (mpx && mpx != (XFEATURE_BNDREGS | XFEATURE_BNDCSR))
		return false;                   /* MPX: both or neither */
	uint64_t avx512 = xcr0 & XFEATURE_AVX512;
	if (avx512 && (avx512 != XFEATURE_AVX512 || !(xcr0 & XFEATURE_YMM)))
		return false;                   /* AVX-512: all three, and AVX */
	uint64_t amx = xcr0 & XFEATURE_AMX;
	if (amx && amx != XFEATURE_AMX)
		return false;                   /* AMX: both or neither */
	return true;
}

#ifndef CV_HOST_TEST
void handle_xsetbv(struct vcpu *v)
{
	uint32_t ss_ar = vmcs_read32(GUEST_SS_AR_BYTES);
	uint64_t val = ((v->regs.rdx & 0xFFFFFFFFULL) << 32) | (uint32_t)v->regs.rax;

	if (!(guest_cr4() & CR4_OSXSAVE)) {
		vcpu_inject_exception(v, VEC_UD, false, 0);
		return;
	}
	if (((ss_ar >> AR_DPL_SHIFT) & AR_DPL_MASK) != 0 || (uint32_t)v->regs.rcx != 0 ||
	    !xcr0_valid(val, features_xcr0_allowed(v->vm))) {
		vcpu_inject_exception(v, VEC_GP, true, 0);
		return;
	}
	guest_fpu_set_xcr0(v, val);
	vcpu_skip_instruction(v);
}
#endif
