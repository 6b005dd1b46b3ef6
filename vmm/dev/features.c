/*
 * vmm/dev/features.c - the one table of the CPU features a guest is given,
 * and everything derived from it (vmm/dev/features.h; docs/features.md).
 *
 * Context: VMX root. features_init at VM creation (boot CPU); the rest on
 * the pCPU where the vCPU's VMCS is current.
 *
 * "CPUID is the contract": a feature shown in CPUID works, a feature hidden
 * faults as on a CPU without it (SDM Vol. 2A, "CPUID"; each instruction's
 * #UD condition). Hiding a CPUID bit alone is not enough where the guest
 * could use the feature anyway, so each row also names what enforces it:
 *   - its CR4 bits: in the CR4 guest/host mask, and MOV to CR4 setting one
 *     raises #GP (SDM Vol. 3A, "Control Registers": reserved CR4 bits);
 *   - its XCR0 components: XSETBV enabling one raises #GP (SDM Vol. 2B,
 *     "XSETBV"; vmm/dev/xsetbv.c);
 *   - its MSRs: vmm/dev/msr_emul.c answers them only when it is shown.
 * Bits the table does not list are the host's, passed through.
 * Instructions that VMX cannot make fault (HLE/RTM prefixes, SSE4, AES...)
 * are shown only where the host has them, so they work.
 */
#include "vmm/dev/features.h"
#include "kernel/fpu.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/dev/lapic_state.h"
#include "vmx/caps.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define LEAF_1    0x1
#define LEAF_7    0x7
#define LEAF_D    0xD
#define LEAF_EXT1 0x80000001

#define ROW(id, nm, lf, sb, rg, bits, pol, nd, c4, x0, w) \
	[id] = { .name = nm, .leaf = lf, .sub = sb, .reg = rg, .mask = bits, .policy = pol, \
		 .needs = nd, .cr4 = c4, .xcr0 = x0, .why = w }

bool features_contract = true;

const struct guest_feature guest_features[NUM_FEATURES] = {
	/* CPUID.1:EDX */
	ROW(FEAT_VME, "vme", LEAF_1, 0, CPUID_EDX, BIT(1), FP_HOST, FEAT_NONE, CR4_VME | CR4_PVI, 0,
	    "virtual-8086 extensions"),
	ROW(FEAT_DE, "de", LEAF_1, 0, CPUID_EDX, BIT(2), FP_HOST, FEAT_NONE, CR4_DE, 0,
	    "debugging extensions (I/O breakpoints)"),
	ROW(FEAT_PSE, "pse", LEAF_1, 0, CPUID_EDX, BIT(3), FP_HOST, FEAT_NONE, CR4_PSE, 0,
	    "4 MiB pages"),
	ROW(FEAT_TSC, "tsc", LEAF_1, 0, CPUID_EDX, BIT(4), FP_HOST, FEAT_NONE, CR4_TSD, 0,
	    "RDTSC, offset per vCPU (docs/tsc.md)"),
	ROW(FEAT_PAE, "pae", LEAF_1, 0, CPUID_EDX, BIT(6), FP_HOST, FEAT_NONE, CR4_PAE, 0,
	    "PAE paging"),
	ROW(FEAT_MCE, "mce", LEAF_1, 0, CPUID_EDX, BIT(7), FP_HOST, FEAT_NONE, CR4_MCE, 0,
	    "CR4.MCE; no machine check is ever injected"),
	ROW(FEAT_APIC, "apic", LEAF_1, 0, CPUID_EDX, BIT(9), FP_EMULATED, FEAT_NONE, 0, 0,
	    "the virtual local APIC (vmm/dev/lapic.c); reads 0 while IA32_APIC_BASE.EN is clear"),
	ROW(FEAT_MTRR, "mtrr", LEAF_1, 0, CPUID_EDX, BIT(12), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "MTRR MSRs are not emulated (EPT decides memory types; PAT is given)"),
	ROW(FEAT_PGE, "pge", LEAF_1, 0, CPUID_EDX, BIT(13), FP_HOST, FEAT_NONE, CR4_PGE, 0,
	    "global pages"),
	ROW(FEAT_MCA, "mca", LEAF_1, 0, CPUID_EDX, BIT(14), FP_HOST, FEAT_MCE, 0, 0,
	    "IA32_MCG_CAP/STATUS and 2 emulated banks that never report an error"),
	ROW(FEAT_PSN, "psn", LEAF_1, 0, CPUID_EDX, BIT(18), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "processor serial number"),
	ROW(FEAT_DS, "ds", LEAF_1, 0, CPUID_EDX, BIT(21), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "debug store (IA32_DS_AREA): no PMU for guests"),
	ROW(FEAT_ACPI, "acpi", LEAF_1, 0, CPUID_EDX, BIT(22), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "thermal monitor and clock control MSRs"),
	ROW(FEAT_FXSR, "fxsr", LEAF_1, 0, CPUID_EDX, BIT(24), FP_HOST, FEAT_NONE, CR4_OSFXSR, 0,
	    "FXSAVE/FXRSTOR; x87/SSE state per vCPU (vmm/core/guest_fpu.c)"),
	ROW(FEAT_SSE, "sse", LEAF_1, 0, CPUID_EDX, BIT(25), FP_HOST, FEAT_FXSR, CR4_OSXMMEXCPT, 0,
	    "SSE; XMM registers and MXCSR per vCPU"),
	ROW(FEAT_TM, "tm", LEAF_1, 0, CPUID_EDX, BIT(29), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "thermal monitor"),
	ROW(FEAT_PBE, "pbe", LEAF_1, 0, CPUID_EDX, BIT(31), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "pending break enable"),
	/* CPUID.1:ECX */
	ROW(FEAT_DTES64, "dtes64", LEAF_1, 0, CPUID_ECX, BIT(2), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "64-bit debug store: no PMU"),
	ROW(FEAT_MONITOR, "monitor", LEAF_1, 0, CPUID_ECX, BIT(3), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "MONITOR/MWAIT could stop a pCPU"),
	ROW(FEAT_DSCPL, "ds_cpl", LEAF_1, 0, CPUID_ECX, BIT(4), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "CPL-qualified debug store: no PMU"),
	ROW(FEAT_VMX, "vmx", LEAF_1, 0, CPUID_ECX, BIT(5), FP_HIDDEN, FEAT_NONE, CR4_VMXE, 0,
	    "no nested VMX: VMX instructions end the VM"),
	ROW(FEAT_SMX, "smx", LEAF_1, 0, CPUID_ECX, BIT(6), FP_HIDDEN, FEAT_NONE, CR4_SMXE, 0,
	    "safer mode (GETSEC)"),
	ROW(FEAT_EST, "est", LEAF_1, 0, CPUID_ECX, BIT(7), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "SpeedStep MSRs"),
	ROW(FEAT_TM2, "tm2", LEAF_1, 0, CPUID_ECX, BIT(8), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "thermal monitor 2"),
	ROW(FEAT_SDBG, "sdbg", LEAF_1, 0, CPUID_ECX, BIT(11), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "IA32_DEBUG_INTERFACE"),
	ROW(FEAT_XTPR, "xtpr", LEAF_1, 0, CPUID_ECX, BIT(14), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "xTPR update control"),
	ROW(FEAT_PDCM, "pdcm", LEAF_1, 0, CPUID_ECX, BIT(15), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "IA32_PERF_CAPABILITIES: no PMU"),
	ROW(FEAT_PCID, "pcid", LEAF_1, 0, CPUID_ECX, BIT(17), FP_HOST, FEAT_NONE, CR4_PCIDE, 0,
	    "process-context identifiers"),
	ROW(FEAT_DCA, "dca", LEAF_1, 0, CPUID_ECX, BIT(18), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "direct cache access"),
	ROW(FEAT_X2APIC, "x2apic", LEAF_1, 0, CPUID_ECX, BIT(21), FP_EMULATED, FEAT_NONE, 0, 0,
	    "x2APIC mode of the virtual APIC"),
	ROW(FEAT_TSC_DEADLINE, "tsc_deadline", LEAF_1, 0, CPUID_ECX, BIT(24), FP_EMULATED,
	    FEAT_NONE, 0, 0, "TSC-deadline mode of the virtual APIC timer"),
	ROW(FEAT_XSAVE, "xsave", LEAF_1, 0, CPUID_ECX, BIT(26), FP_HOST, FEAT_FXSR, CR4_OSXSAVE,
	    XFEATURE_X87 | XFEATURE_SSE, "XSAVE/XRSTOR/XSETBV/XGETBV; XCR0 per vCPU"),
	ROW(FEAT_AVX, "avx", LEAF_1, 0, CPUID_ECX, BIT(28), FP_HOST, FEAT_XSAVE, 0, XFEATURE_YMM,
	    "YMM registers per vCPU"),
	ROW(FEAT_FMA, "fma", LEAF_1, 0, CPUID_ECX, BIT(12), FP_HOST, FEAT_AVX, 0, 0,
	    "VEX-encoded: needs AVX"),
	ROW(FEAT_F16C, "f16c", LEAF_1, 0, CPUID_ECX, BIT(29), FP_HOST, FEAT_AVX, 0, 0,
	    "VEX-encoded: needs AVX"),
	ROW(FEAT_HYPERVISOR, "hypervisor", LEAF_1, 0, CPUID_ECX, BIT(31), FP_EMULATED, FEAT_NONE,
	    0, 0, "leaves 0x40000000 and 0x40000010 name chronovisor"),
	/* CPUID.(7,0) */
	ROW(FEAT_FSGSBASE, "fsgsbase", LEAF_7, 0, CPUID_EBX, BIT(0), FP_HOST, FEAT_NONE,
	    CR4_FSGSBASE, 0, "RDFSBASE and friends"),
	ROW(FEAT_TSC_ADJUST, "tsc_adjust", LEAF_7, 0, CPUID_EBX, BIT(1), FP_HOST, FEAT_NONE, 0, 0,
	    "IA32_TSC_ADJUST, the vCPU's own (vmm/dev/msr_emul.c)"),
	ROW(FEAT_SGX, "sgx", LEAF_7, 0, CPUID_EBX, BIT(2), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "enclaves"),
	ROW(FEAT_AVX2, "avx2", LEAF_7, 0, CPUID_EBX, BIT(5), FP_HOST, FEAT_AVX, 0, 0,
	    "VEX-encoded: needs AVX"),
	ROW(FEAT_SMEP, "smep", LEAF_7, 0, CPUID_EBX, BIT(7), FP_HOST, FEAT_NONE, CR4_SMEP, 0,
	    "supervisor-mode execution prevention"),
	ROW(FEAT_INVPCID, "invpcid", LEAF_7, 0, CPUID_EBX, BIT(10), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "\"enable INVPCID\" is off: INVPCID raises #UD"),
	ROW(FEAT_RTM, "rtm", LEAF_7, 0, CPUID_EBX, BIT(11), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "transactional memory"),
	ROW(FEAT_PQM, "pqm", LEAF_7, 0, CPUID_EBX, BIT(12), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "resource monitoring MSRs"),
	ROW(FEAT_MPX, "mpx", LEAF_7, 0, CPUID_EBX, BIT(14), FP_HIDDEN, FEAT_NONE, 0,
	    XFEATURE_BNDREGS | XFEATURE_BNDCSR, "deprecated; its XCR0 bits are not switched"),
	ROW(FEAT_PQE, "pqe", LEAF_7, 0, CPUID_EBX, BIT(15), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "resource allocation MSRs"),
	ROW(FEAT_AVX512, "avx512", LEAF_7, 0, CPUID_EBX,
	    BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31),
	    FP_HOST, FEAT_AVX, 0, XFEATURE_AVX512, "AVX-512 F/DQ/IFMA/PF/ER/CD/BW/VL; k0-7, ZMM0-31 per vCPU"),
	ROW(FEAT_SMAP, "smap", LEAF_7, 0, CPUID_EBX, BIT(20), FP_HOST, FEAT_NONE, CR4_SMAP, 0,
	    "supervisor-mode access prevention"),
	ROW(FEAT_PT, "pt", LEAF_7, 0, CPUID_EBX, BIT(25), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "processor trace"),
	ROW(FEAT_AVX512_ECX, "avx512_ecx", LEAF_7, 0, CPUID_ECX,
	    BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14), FP_HOST, FEAT_AVX512, 0, 0,
	    "AVX-512 VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ: need AVX-512"),
	ROW(FEAT_VAVX, "vaes_vpclmul", LEAF_7, 0, CPUID_ECX, BIT(9) | BIT(10), FP_HOST, FEAT_AVX,
	    0, 0, "VEX-encoded: need AVX"),
	ROW(FEAT_UMIP, "umip", LEAF_7, 0, CPUID_ECX, BIT(2), FP_HOST, FEAT_NONE, CR4_UMIP, 0,
	    "user-mode instruction prevention"),
	ROW(FEAT_PKU, "pku", LEAF_7, 0, CPUID_ECX, BIT(3), FP_HOST, FEAT_XSAVE, CR4_PKE,
	    XFEATURE_PKRU, "protection keys; PKRU per vCPU (switched with XSAVE)"),
	ROW(FEAT_WAITPKG, "waitpkg", LEAF_7, 0, CPUID_ECX, BIT(5), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "UMWAIT/TPAUSE could stop a pCPU"),
	ROW(FEAT_CET_SS, "cet_ss", LEAF_7, 0, CPUID_ECX, BIT(7), FP_HIDDEN, FEAT_NONE, CR4_CET, 0,
	    "shadow stacks need supervisor XSAVE state"),
	ROW(FEAT_TME, "tme", LEAF_7, 0, CPUID_ECX, BIT(13), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "memory encryption MSRs"),
	ROW(FEAT_LA57, "la57", LEAF_7, 0, CPUID_ECX, BIT(16), FP_HOST, FEAT_NONE, CR4_LA57, 0,
	    "5-level paging"),
	ROW(FEAT_KL, "keylocker", LEAF_7, 0, CPUID_ECX, BIT(23), FP_HIDDEN, FEAT_NONE, CR4_KL, 0,
	    "key locker"),
	ROW(FEAT_SGX_LC, "sgx_lc", LEAF_7, 0, CPUID_ECX, BIT(30), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "enclaves"),
	ROW(FEAT_PKS, "pks", LEAF_7, 0, CPUID_ECX, BIT(31), FP_HIDDEN, FEAT_NONE, CR4_PKS, 0,
	    "supervisor protection keys (IA32_PKRS)"),
	ROW(FEAT_UINTR, "uintr", LEAF_7, 0, CPUID_EDX, BIT(5), FP_HIDDEN, FEAT_NONE, CR4_UINTR, 0,
	    "user interrupts"),
	ROW(FEAT_CET_IBT, "cet_ibt", LEAF_7, 0, CPUID_EDX, BIT(20), FP_HIDDEN, FEAT_NONE, CR4_CET,
	    0, "indirect branch tracking"),
	ROW(FEAT_AMX, "amx", LEAF_7, 0, CPUID_EDX, BIT(22) | BIT(24) | BIT(25), FP_HIDDEN,
	    FEAT_NONE, 0, XFEATURE_AMX, "tile state is not switched"),
	ROW(FEAT_SPEC_CTRL, "spec_ctrl", LEAF_7, 0, CPUID_EDX, BIT(26) | BIT(27), FP_HIDDEN,
	    FEAT_NONE, 0, 0, "IA32_SPEC_CTRL/PRED_CMD are not emulated"),
	ROW(FEAT_L1D_FLUSH, "l1d_flush", LEAF_7, 0, CPUID_EDX, BIT(28), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "IA32_FLUSH_CMD is not emulated"),
	ROW(FEAT_ARCH_CAP, "arch_capabilities", LEAF_7, 0, CPUID_EDX, BIT(29), FP_HIDDEN,
	    FEAT_NONE, 0, 0, "IA32_ARCH_CAPABILITIES is not emulated"),
	ROW(FEAT_CORE_CAP, "core_capabilities", LEAF_7, 0, CPUID_EDX, BIT(30), FP_HIDDEN,
	    FEAT_NONE, 0, 0, "IA32_CORE_CAPABILITIES is not emulated"),
	ROW(FEAT_SSBD, "ssbd", LEAF_7, 0, CPUID_EDX, BIT(31), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "IA32_SPEC_CTRL is not emulated"),
	ROW(FEAT_LAM, "lam", LEAF_7, 1, CPUID_EAX, BIT(26), FP_HIDDEN, FEAT_NONE, CR4_LAM_SUP, 0,
	    "linear-address masking"),
	/* CPUID.(0DH,1):EAX */
	ROW(FEAT_XSAVEOPT, "xsaveopt", LEAF_D, 1, CPUID_EAX, BIT(0), FP_HOST, FEAT_XSAVE, 0, 0,
	    "XSAVEOPT"),
	ROW(FEAT_XSAVEC, "xsavec", LEAF_D, 1, CPUID_EAX, BIT(1), FP_HOST, FEAT_XSAVE, 0, 0,
	    "XSAVEC (compacted form)"),
	ROW(FEAT_XGETBV1, "xgetbv1", LEAF_D, 1, CPUID_EAX, BIT(2), FP_HOST, FEAT_XSAVE, 0, 0,
	    "XGETBV with ECX = 1 (XINUSE)"),
	ROW(FEAT_XSAVES, "xsaves", LEAF_D, 1, CPUID_EAX, BIT(3), FP_HIDDEN, FEAT_NONE, 0, 0,
	    "\"enable XSAVES/XRSTORS\" is off (#UD); no IA32_XSS"),
	/* CPUID.80000001H:EDX */
	ROW(FEAT_RDTSCP, "rdtscp", LEAF_EXT1, 0, CPUID_EDX, BIT(27), FP_HOST, FEAT_NONE, 0, 0,
	    "RDTSCP with the vCPU's TSC_AUX; hidden: \"enable RDTSCP\" off for the VM (#UD)"),
	ROW(FEAT_RDPID, "rdpid", LEAF_7, 0, CPUID_ECX, BIT(22), FP_HOST, FEAT_RDTSCP, 0, 0,
	    "RDPID reads TSC_AUX; #UD without \"enable RDTSCP\""),
};

static uint32_t *reg_of(struct cpuid_regs *r, enum cpuid_reg reg)
{
	switch (reg) {
	case CPUID_EAX: return &r->eax;
	case CPUID_EBX: return &r->ebx;
	case CPUID_ECX: return &r->ecx;
	case CPUID_EDX: return &r->edx;
	}
	return &r->eax;
}

/* Does the host have f, and can chronovisor give it? */
static bool host_has(const struct guest_feature *f)
{
	uint32_t max = f->leaf >= LEAF_EXT1 ? cpuid(LEAF_EXT1 & 0x80000000u, 0).eax
					     : cpuid(0, 0).eax;
	if (f->leaf > max)
		return false;
	struct cpuid_regs r = cpuid(f->leaf, f->sub);
	if (!(*reg_of(&r, f->reg) & f->mask))
		return false;
	if (f->xcr0 & ~fpu_host.xcr0_max)
		return false;           /* a component kernel/fpu.c does not switch */
	if (f == &guest_features[FEAT_XSAVE])
		return fpu_host.xsave;
	if (f == &guest_features[FEAT_RDTSCP])
		return vmx_ctls.rdtscp;
	return true;
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *e = p;
		while (*e && *e != ',')
			e++;
		if ((size_t)(e - p) == n && !strncmp(p, name, n))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

bool features_init(struct vm *vm, const char *hide, char *err, size_t errlen)
{
	/* every name in hide must be a feature */
	for (const char *p = hide; p && *p;) {
		const char *e = p;
		while (*e && *e != ',')
			e++;
		bool known = false;
		for (unsigned i = 1; i < NUM_FEATURES; i++)
			known |= strlen(guest_features[i].name) == (size_t)(e - p) &&
				 !strncmp(guest_features[i].name, p, (size_t)(e - p));
		if (!known) {
			cv_snprintf(err, errlen, "cpuid_hide=: no feature '%.*s' (docs/features.md "
				    "lists them)", (int)(e - p), p);
			return false;
		}
		p = *e ? e + 1 : e;
	}
	for (unsigned w = 0; w < VM_FEATURE_WORDS; w++)
		vm->features[w] = 0;
	/* in table order: what a row needs comes before it */
	for (unsigned i = 1; i < NUM_FEATURES; i++) {
		const struct guest_feature *f = &guest_features[i];
		bool shown;
		switch (f->policy) {
		case FP_EMULATED:
			shown = true;
			break;
		case FP_HOST:
			shown = host_has(f) && (f->needs == FEAT_NONE || feature_shown(vm, f->needs));
			break;
		default:
			shown = false;
			break;
		}
		if (shown && in_list(hide, f->name) && f->policy != FP_EMULATED)
			shown = false;
		if (shown)
			vm->features[i / 64] |= BIT(i % 64);
	}
	return true;
}

bool feature_usable(const struct vm *vm, enum feature_id f)
{
	return feature_shown(vm, f) || !features_contract;
}

uint64_t features_xcr0_allowed(const struct vm *vm)
{
	if (!feature_shown(vm, FEAT_XSAVE))
		return features_contract ? 0 : fpu_host.xcr0_max;
	if (!features_contract)
		return fpu_host.xcr0_max;
	uint64_t x = 0;
	for (unsigned i = 1; i < NUM_FEATURES; i++)
		if (feature_shown(vm, (enum feature_id)i))
			x |= guest_features[i].xcr0;
	return x & fpu_host.xcr0_max;
}

uint64_t features_cr4_allowed(const struct vm *vm)
{
	if (!features_contract)          /* the old rule: only VMXE refused */
		return vmx_caps.cr4_fixed1 & ~(uint64_t)CR4_VMXE;
	uint64_t c = CR4_PCE;           /* RDPMC at CPL > 0: every CPU has the bit */
	for (unsigned i = 1; i < NUM_FEATURES; i++)
		if (feature_shown(vm, (enum feature_id)i))
			c |= guest_features[i].cr4;
	return c & vmx_caps.cr4_fixed1;
}

uint64_t features_cr4_mask(const struct vm *vm)
{
	if (!features_contract)
		return vmx_cr4_fixed1_bits();
	return ~features_cr4_allowed(vm) | vmx_cr4_fixed1_bits();
}

uint64_t guest_cr4(void)
{
	uint64_t mask = vmcs_readnat(CR4_GUEST_HOST_MASK);

	return (vmcs_readnat(GUEST_CR4) & ~mask) | (vmcs_readnat(CR4_READ_SHADOW) & mask);
}

/* CPUID.(0DH, sub) for a VM with XSAVE shown: only its components
 * (SDM Vol. 1, "Enumeration of CPU Support for XSAVE Instructions and
 * XSAVE-Supported Features"). */
#define XSAVE_LEGACY_AND_HEADER 576
static void xsave_leaf(struct vcpu *v, uint32_t sub, struct cpuid_regs *r)
{
	uint64_t allowed = features_xcr0_allowed(v->vm);

	if (sub == 0) {
		uint32_t cur = XSAVE_LEGACY_AND_HEADER, all = XSAVE_LEGACY_AND_HEADER;
		for (uint32_t i = 2; i < 64; i++) {
			if (!(allowed & BIT(i)))
				continue;
			struct cpuid_regs c = cpuid(LEAF_D, i);
			uint32_t end = c.ebx + c.eax;       /* offset + size */
			all = MAX(all, end);
			if (v->xcr0 & BIT(i))
				cur = MAX(cur, end);
		}
		r->eax = (uint32_t)allowed;
		r->edx = (uint32_t)(allowed >> 32);
		r->ebx = cur;
		r->ecx = all;
	} else if (sub == 1) {
		/* EAX from the table; EBX: the compacted size for XCR0 (no
		 * IA32_XSS: XSAVES is hidden); ECX:EDX: no supervisor bits */
		uint32_t size = XSAVE_LEGACY_AND_HEADER;
		for (uint32_t i = 2; i < 64; i++) {
			if (!(v->xcr0 & BIT(i)))
				continue;
			struct cpuid_regs c = cpuid(LEAF_D, i);
			if (c.ecx & BIT(1))                 /* 64-byte aligned when compacted */
				size = ALIGN_UP(size, 64);
			size += c.eax;
		}
		r->ebx = size;
		r->ecx = r->edx = 0;
	} else if (sub < 64 && (allowed & BIT(sub))) {
		/* the host's size and offset of a component the guest has */
	} else {
		*r = (struct cpuid_regs){ 0 };
	}
}

/* Whole leaves that describe one feature: all 0 when it is hidden. */
static const struct {
	uint32_t leaf;
	enum feature_id f;
} feature_leaves[] = {
	{ 0xF, FEAT_PQM }, { 0x10, FEAT_PQE }, { 0x12, FEAT_SGX }, { 0x14, FEAT_PT },
	{ 0x19, FEAT_KL }, { 0x1D, FEAT_AMX }, { 0x1E, FEAT_AMX },
};

/* Leaf 6 (thermal and power management): only ARAT, "the APIC timer
 * always runs", which the virtual APIC's does; HWP, the thermal sensor
 * and the rest need MSRs that are not emulated. */
#define LEAF_POWER      0x6
#define LEAF6_EAX_ARAT  BIT(2)

void features_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	struct vm *vm = v->vm;

	for (unsigned i = 0; i < ARRAY_SIZE(feature_leaves); i++)
		if (feature_leaves[i].leaf == leaf && !feature_shown(vm, feature_leaves[i].f))
			*r = (struct cpuid_regs){ 0 };
	if (leaf == LEAF_POWER)
		*r = (struct cpuid_regs){ .eax = r->eax & LEAF6_EAX_ARAT };

	if (leaf == LEAF_D) {
		if (!feature_shown(vm, FEAT_XSAVE)) {
			*r = (struct cpuid_regs){ 0 };
			return;
		}
		xsave_leaf(v, sub, r);
	}
	for (unsigned i = 1; i < NUM_FEATURES; i++) {
		const struct guest_feature *f = &guest_features[i];
		if (f->leaf != leaf || f->sub != sub)
			continue;
		uint32_t *reg = reg_of(r, f->reg);
		if (!feature_shown(vm, (enum feature_id)i))
			*reg &= ~f->mask;
		else if (f->policy == FP_EMULATED)
			*reg |= f->mask;
	}
	/* the bits that follow the vCPU's own state */
	if (leaf == LEAF_1) {
		r->ecx &= ~(uint32_t)CPUID_1_ECX_OSXSAVE;
		if (feature_shown(vm, FEAT_XSAVE) && (guest_cr4() & CR4_OSXSAVE))
			r->ecx |= CPUID_1_ECX_OSXSAVE;
		/* SDM Vol. 3A, "Local APIC Status and Location": with
		 * IA32_APIC_BASE.EN clear, CPUID.1:EDX.APIC reads 0 */
		if (!(lapic_of(v)->base & APIC_BASE_ENABLE))
			r->edx &= ~(uint32_t)CPUID_1_EDX_APIC;
	} else if (leaf == LEAF_7 && sub == 0) {
		r->ecx &= ~(uint32_t)CPUID_7_ECX_OSPKE;
		if (feature_shown(vm, FEAT_PKU) && (guest_cr4() & CR4_PKE))
			r->ecx |= CPUID_7_ECX_OSPKE;
	}
}

void features_describe(const struct vm *vm, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 1; i < NUM_FEATURES && n < len; i++) {
		const struct guest_feature *f = &guest_features[i];
		if (feature_shown(vm, (enum feature_id)i) || f->policy == FP_HIDDEN ||
		    !host_has(f))
			continue;       /* shown, never shown, or not on this CPU */
		n += (size_t)cv_snprintf(buf + n, len - n, "%s%s", n ? "," : "", f->name);
	}
	if (!buf[0])
		cv_snprintf(buf, len, "none");
}
