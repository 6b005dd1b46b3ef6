/*
 * kernel/fpu.c - saving and restoring the x87/SSE/AVX/AVX-512/PKRU state and
 * the debug registers DR0-DR3, DR6 of whichever guest ran on this pCPU.
 *
 * Context: kernel, VMX root, interrupts off. SDM Vol. 1, "Managing State
 * Using the XSAVE Feature Set" and "FXSAVE"; Vol. 3B, "Debug Registers".
 *
 * One format for every vCPU: the standard (uncompacted) XSAVE form of
 * xcr0_max. XSAVEOPT and XSAVES are not used: XSAVEOPT's "modified"
 * optimization tracks the last XRSTOR's address per logical processor, and
 * a guest's own XRSTOR in VMX non-root operation resets that tracking, so
 * it would seldom apply; XSAVES would add the compacted form and the
 * supervisor components, which guests are not given (CPUID.(0DH,1):EAX[3]
 * is hidden, vmm/dev/features.c). XSAVE's init optimization still applies.
 */
#include "kernel/fpu.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "lib/string.h"

struct fpu_host fpu_host;

#define LEAF_XSAVE               0xD
#define FXSAVE_AREA_SIZE         512
#define XSAVE_HEADER_OFFSET      512
#define XSAVE_HEADER_SIZE        64
#define LEGACY_FCW               0       /* x87 control word, 16 bits */
#define LEGACY_MXCSR             24      /* 32 bits */
#define FCW_INIT                 0x37F   /* as FNINIT leaves it */
#define MXCSR_INIT               0x1F80  /* every exception masked, round to nearest */
/* The user components chronovisor knows how to give a guest: x87, SSE,
 * AVX, AVX-512, PKRU. MPX (deprecated) and AMX (which needs XFD and the
 * tile configuration) are not switched and never shown. */
#define XCR0_SWITCHED  (XFEATURE_X87 | XFEATURE_SSE | XFEATURE_YMM | XFEATURE_AVX512 | \
			XFEATURE_PKRU)

void fpu_cpu_init(void)
{
	bool first = !fpu_host.xcr0_max;

	if (first) {
		struct cpuid_regs r = cpuid(CPUID_LEAF_FEATURES, 0);
		fpu_host.xsave = r.ecx & CPUID_1_ECX_XSAVE;
		fpu_host.xcr0_max = XFEATURE_X87 | XFEATURE_SSE;
		fpu_host.area_size = FXSAVE_AREA_SIZE;
		if (fpu_host.xsave) {
			struct cpuid_regs d = cpuid(LEAF_XSAVE, 0);
			uint64_t sup = ((uint64_t)d.edx << 32) | d.eax;
			fpu_host.xcr0_max = sup & XCR0_SWITCHED;
			/* AVX-512 is all three components or none (XSETBV #GPs otherwise) */
			if ((fpu_host.xcr0_max & XFEATURE_AVX512) != XFEATURE_AVX512 ||
			    !(fpu_host.xcr0_max & XFEATURE_YMM))
				fpu_host.xcr0_max &= ~XFEATURE_AVX512;
		}
	}
	/* SDM Vol. 3A, "Initializing SSE/SSE2/SSE3/SSSE3 Extensions": EM = 0,
	 * MP = 1, OSFXSR and OSXMMEXCPT. TS = 0: FXSAVE/XSAVE never #NM. */
	write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (fpu_host.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (fpu_host.xsave) {
		xsetbv(0, fpu_host.xcr0_max);
		this_cpu()->xcr0 = fpu_host.xcr0_max;
		if (first)      /* EBX: the area for the components XCR0 enables now */
			fpu_host.area_size = cpuid(LEAF_XSAVE, 0).ebx;
		if (fpu_host.area_size > FPU_AREA_MAX)
			panic("fpu: XSAVE area of %u bytes for XCR0 %#lx exceeds a page",
			      fpu_host.area_size, fpu_host.xcr0_max);
	}
	if (first)
		kprintf("[hv] fpu: guest x87/SSE%s state switched per vCPU with %s, XCR0 %#lx, "
			"%u bytes; DR0-DR3 and DR6 too\n",
			fpu_host.xcr0_max & XFEATURE_AVX512 ? "/AVX/AVX-512"
			: fpu_host.xcr0_max & XFEATURE_YMM ? "/AVX" : "",
			fpu_host.xsave ? "XSAVE/XRSTOR" : "FXSAVE/FXRSTOR (no XSAVE)",
			fpu_host.xcr0_max, fpu_host.area_size);
}

void fpu_area_init(void *area)
{
	uint8_t *a = area;

	memset(a, 0, fpu_host.area_size);
	*(uint16_t *)(a + LEGACY_FCW) = FCW_INIT;
	*(uint32_t *)(a + LEGACY_MXCSR) = MXCSR_INIT;
	/* XSAVE header: XSTATE_BV = 0 (every component in its init state),
	 * XCOMP_BV = 0 (standard form), the rest reserved 0 */
}


