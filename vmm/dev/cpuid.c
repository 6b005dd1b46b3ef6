/*
 * vmm/dev/cpuid.c - what CPUID tells a guest.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current. CPUID
 * always exits in VMX non-root operation (SDM Vol. 3C, "Instructions That
 * Cause VM Exits Unconditionally"). The guest sees the host's leaves with
 * the feature bits of the one feature table applied (vmm/dev/features.c:
 * what it must not use hidden, what chronovisor emulates shown, leaf 0xD
 * limited to the XCR0 components it may enable), the PMU's leaf 0xA
 * empty, and the chronovisor leaves at 0x40000000. The APIC IDs in leaves
 * 1, 0xB and 0x1F are the vCPU's own. IA32_MISC_ENABLE's "Limit CPUID
 * Maxval" is honoured (vmm/dev/msr_emul.c).
 */
#include "vmm/dev/cpuid.h"
#include "vmm/dev/features.h"
#include "vmm/core/vcpu.h"
#include "lib/x86.h"
#include "lib/msr.h"
#include "kernel/arch.h"
#include "vmm/core/hypercall_abi.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vmm/time/vtsc.h"

#define LEAF_FEATURES          0x1
#define LEAF_THERMAL_POWER     0x6
#define F6_EAX_ARAT            BIT(2)
#define LEAF_EXT_FEATURES      0x7
#define LEAF_PERFMON           0xA
#define LEAF_CACHE_PARAMS      0x4
#define L4_EAX_CORES_MASK      0xFC000000u
#define L4_EAX_SHARING_MASK    0x03FFC000u
#define LEAF_TOPOLOGY          0xB
#define TOPO_LEVEL_SMT         1
#define TOPO_LEVEL_CORE        2
#define TOPO_TYPE_SHIFT        8
#define LEAF_TOPOLOGY_V2       0x1F
#define LEAF_TSC_CRYSTAL       0x15
#define LEAF_CPU_FREQ          0x16
#define LEAF_HV_BASE           0x40000000
#define LEAF_HV_TSC_FREQ       0x40000010
#define LEAF_HV_LAST           LEAF_HV_TSC_FREQ
#define LEAF_LIMITED_MAX       2
#define LEAF_EXT_POWER         0x80000007
#define F87_EDX_INVARIANT_TSC  BIT(8)

/* CPUID.1:EBX: initial APIC ID in 31:24, logical processor count in 23:16 */
#define F1_EBX_APIC_ID_SHIFT   24
#define F1_EBX_COUNT_SHIFT     16
#define F1_EBX_LOW_MASK        0xFFFFu
/* CPUID.1:EDX */
#define F1_EDX_MTRR            BIT(12)
#define F1_EDX_ACPI            BIT(22)   /* thermal monitor and clock control MSRs */
#define F1_EDX_HTT             BIT(28)

/* "chronovisor" in EBX, ECX, EDX (little-endian "chro" "novi" "sor\0") */
#define HV_SIG_EBX             0x6f726863
#define HV_SIG_ECX             0x69766f6e
#define HV_SIG_EDX             0x00726f73

/* MONITOR/MWAIT are not given to guests: MWAIT would idle a pCPU the
 * scheduler counts on (vmm/exits_core.c:handle_mwait answers them). */
bool cpuid_guest_monitor(void)
{
	return false;
}

static struct cpuid_regs guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;

	if (leaf >= LEAF_HV_BASE && leaf <= 0x4FFFFFFF) {
		r = (struct cpuid_regs){ 0 };
		if (leaf == LEAF_HV_BASE) {
			r.eax = LEAF_HV_LAST;
			r.ebx = HV_SIG_EBX;
			r.ecx = HV_SIG_ECX;
			r.edx = HV_SIG_EDX;
		}
		if (leaf == LEAF_HV_TSC_FREQ) {
			/* EAX the TSC, EBX the APIC timer's input clock, in kHz:
			 * the virtual APIC timer counts the guest's TSC */
			r.eax = (uint32_t)vtsc_guest_khz(&v->clock);
			r.ebx = r.eax;
		}
		return r;
	}

	/* "Limit CPUID Maxval": leaf 0 reports at most 2, and a basic leaf
	 * above the maximum answers as the highest one (SDM Vol. 2A, "CPUID") */
	if (v->misc_enable & MISC_ENABLE_LIMIT_CPUID) {
		if (leaf > LEAF_LIMITED_MAX && leaf < LEAF_HV_BASE)
			leaf = LEAF_LIMITED_MAX;
	}
	r = cpuid(leaf, sub);
	features_cpuid(v, leaf, sub, &r);
	switch (leaf) {
	case 0:
		if (v->misc_enable & MISC_ENABLE_LIMIT_CPUID)
			r.eax = MIN(r.eax, LEAF_LIMITED_MAX);
		break;
	case LEAF_FEATURES:
		/* One package (socket) per vCPU: one logical processor in it,
		 * no HTT. vCPUs are moved between pCPUs whose TSCs may
		 * disagree, which is what separate sockets are to an OS:
		 * Linux then runs its boot-time TSC sync check between every
		 * pair (arch/x86/kernel/tsc_sync.c; within one package it
		 * trusts TSC_ADJUST and skips it). */
		r.ebx = (r.ebx & F1_EBX_LOW_MASK) | (v->id << F1_EBX_APIC_ID_SHIFT) |
			(1u << F1_EBX_COUNT_SHIFT);
		r.edx &= ~(uint32_t)F1_EDX_HTT;
		break;
	case LEAF_PERFMON:
		r = (struct cpuid_regs){ 0 };      /* no PMU for guests */
		break;
	case LEAF_CACHE_PARAMS:
		/* one core and one thread per package: EAX[31:26] cores - 1 = 0,
		 * EAX[25:14] threads sharing the cache - 1 = 0 */
		r.eax &= ~(uint32_t)(L4_EAX_CORES_MASK | L4_EAX_SHARING_MASK);
		break;
	case LEAF_TOPOLOGY:
	case LEAF_TOPOLOGY_V2:
		/* SDM Vol. 3A, "Identifying Topology Using CPUID Leaf 0BH": the
		 * SMT and core levels each with shift 0 and 1 processor, so the
		 * package ID is the x2APIC ID (one package per vCPU, as leaf 1);
		 * sub-leaf 2 and beyond are invalid. */
		r = (struct cpuid_regs){ .edx = v->id };      /* the x2APIC ID of this (v)CPU */
		if (sub < 2) {
			r.ebx = 1;
			r.ecx = sub | ((sub == 0 ? TOPO_LEVEL_SMT : TOPO_LEVEL_CORE) << TOPO_TYPE_SHIFT);
		} else {
			r.ecx = sub;
		}
		break;
	case LEAF_TSC_CRYSTAL:
		/* TSC Hz = ECX * EBX / EAX. Bochs' models claim 3.5 GHz here while
		 * their TSC runs at `ips`; a guest trusting it keeps wrong time.
		 * Where the host has the leaf, it tells the guest's true rate. */
		if (r.eax || r.ebx || r.ecx) {
			r.eax = 1;
			r.ebx = 1;
			r.ecx = (uint32_t)MIN(vtsc_guest_khz(&v->clock) * 1000, 0xFFFFFFFFULL);
		}
		break;
	case LEAF_CPU_FREQ:
		/* base and maximum frequency in MHz, likewise the guest's TSC rate */
		if (r.eax) {
			r.eax = (uint32_t)(vtsc_guest_khz(&v->clock) / 1000);
			r.ebx = r.eax;
		}
		break;
	case LEAF_EXT_POWER:
		/* "Invariant TSC" promises one constant-rate clock; it holds for
		 * the guest only when chronovisor compensates pCPU skew (percpu).
		 * Under none or kvm2633 a move between skewed pCPUs breaks it. */
		if (v->clock.policy != TSC_POLICY_PERCPU)
			r.edx &= ~(uint32_t)F87_EDX_INVARIANT_TSC;
		break;
	}
	return r;
}


void handle_cpuid(struct vcpu *v)
{
	struct cpuid_regs r = guest_cpuid(v, (uint32_t)v->regs.rax, (uint32_t)v->regs.rcx);

	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vcpu_skip_instruction(v);
}
