/*
 * vmm/dev/features.h - the one table of the CPU features a guest is given
 * (vmm/dev/features.c), and what follows from it: the CPUID bits, the CR4
 * bits a guest may set (the CR4 guest/host mask), the XCR0 components it
 * may enable, and which feature MSRs answer.
 *
 * Context: VMX root (features_init: at VM creation, boot CPU).
 */
#ifndef CV_DEV_FEATURES_H
#define CV_DEV_FEATURES_H

#include "vmm/core/vm.h"
#include "kernel/arch.h"

/* The features code asks about by name; the table has these and more. */
enum feature_id {
	FEAT_NONE = 0,
	/* CPUID.1:EDX */
	FEAT_VME, FEAT_DE, FEAT_PSE, FEAT_TSC, FEAT_PAE, FEAT_MCE, FEAT_APIC, FEAT_MTRR, FEAT_PGE,
	FEAT_MCA, FEAT_PSN, FEAT_DS, FEAT_ACPI, FEAT_FXSR, FEAT_SSE, FEAT_TM, FEAT_PBE,
	/* CPUID.1:ECX */
	FEAT_DTES64, FEAT_MONITOR, FEAT_DSCPL, FEAT_VMX, FEAT_SMX, FEAT_EST, FEAT_TM2, FEAT_SDBG,
	FEAT_XTPR, FEAT_PDCM, FEAT_PCID, FEAT_DCA, FEAT_X2APIC, FEAT_TSC_DEADLINE, FEAT_XSAVE,
	FEAT_AVX, FEAT_FMA, FEAT_F16C, FEAT_HYPERVISOR,
	/* CPUID.(7,0) */
	FEAT_FSGSBASE, FEAT_TSC_ADJUST, FEAT_SGX, FEAT_AVX2, FEAT_SMEP, FEAT_INVPCID, FEAT_RTM,
	FEAT_PQM, FEAT_MPX, FEAT_PQE, FEAT_AVX512, FEAT_SMAP, FEAT_PT, FEAT_AVX512_ECX, FEAT_VAVX,
	FEAT_UMIP, FEAT_PKU, FEAT_WAITPKG, FEAT_CET_SS, FEAT_TME, FEAT_LA57, FEAT_KL, FEAT_SGX_LC,
	FEAT_PKS, FEAT_UINTR, FEAT_CET_IBT, FEAT_AMX, FEAT_SPEC_CTRL, FEAT_L1D_FLUSH,
	FEAT_ARCH_CAP, FEAT_CORE_CAP, FEAT_SSBD, FEAT_LAM,
	/* CPUID.(0DH,1) */
	FEAT_XSAVEOPT, FEAT_XSAVEC, FEAT_XGETBV1, FEAT_XSAVES,
	/* CPUID.80000001H */
	FEAT_RDTSCP, FEAT_RDPID,
	NUM_FEATURES
};
_Static_assert(NUM_FEATURES <= VM_FEATURE_WORDS * 64, "a VM's feature set is vm->features");

enum feature_policy {
	FP_HOST,        /* shown where the host CPU has it (and what it needs is shown) */
	FP_EMULATED,    /* always shown: chronovisor emulates it */
	FP_HIDDEN,      /* never shown: it would not work, or could not be contained */
};

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

struct guest_feature {
	const char *name;             /* as cpuid_hide= and docs/features.md spell it */
	uint32_t leaf, sub;
	enum cpuid_reg reg;
	uint32_t mask;                /* its bit(s) in that register */
	enum feature_policy policy;
	enum feature_id needs;        /* shown only if this one is */
	uint64_t cr4;                 /* CR4 bits it enables: #GP when it is hidden */
	uint64_t xcr0;                /* XCR0 components it enables: #GP when hidden */
	const char *why;              /* why hidden, or how it is given */
};

extern const struct guest_feature guest_features[NUM_FEATURES];

/* contract=off (teaching aid, set by vmm/options.c): CPUID still hides what
 * the table hides, but CR4 only refuses VMXE, XSETBV takes any component
 * the host switches, and hidden features' MSRs answer: the guest can use
 * what it was told it does not have. */
extern bool features_contract;

/* The VM's feature set (vm->features) from the table, the host's CPUID,
 * and hide (a comma-separated list of names from cpuid_hide=; NULL: none).
 * False, with the bad name in err, when hide names no feature. */
bool features_init(struct vm *vm, const char *hide, char *err, size_t errlen);

/* Is f shown to this VM? And may the guest use it anyway: shown, or
 * contract=off (teaching aid)? */
static inline bool feature_shown(const struct vm *vm, enum feature_id f)
{
	return vm->features[f / 64] & BIT(f % 64);
}
bool feature_usable(const struct vm *vm, enum feature_id f);

/* Apply the table to the host's leaf (leaf, sub) as this vCPU sees it:
 * hidden bits cleared, emulated ones set; the dynamic bits (OSXSAVE,
 * OSPKE, APIC) from the vCPU's CR4 and IA32_APIC_BASE. */
void features_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *r);

/* CR4 bits the guest may set, and the guest/host mask that makes every
 * other one exit (SDM Vol. 3C, "Guest/Host Masks and Read Shadows for CR0
 * and CR4"): the fixed-1 bits of VMX operation and every bit it may not
 * set. The guest-visible CR4 of the current vCPU. */
uint64_t features_cr4_allowed(const struct vm *vm);
uint64_t features_cr4_mask(const struct vm *vm);
uint64_t guest_cr4(void);

/* XCR0 components the guest may enable (CPUID.(0DH,0):EDX:EAX). */
uint64_t features_xcr0_allowed(const struct vm *vm);

/* One line naming the hidden features, for the VM's start line. */
void features_describe(const struct vm *vm, char *buf, size_t len);

#endif
