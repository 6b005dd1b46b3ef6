/*
 * vmm/dev/msr_emul.c - RDMSR/WRMSR of the MSRs that exit (the MSR bitmap lets
 * only the guest-owned ones through, see vmm/vm_create.c).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 * ECX = MSR, EDX:EAX = value (SDM Vol. 2B, "RDMSR" and "WRMSR"). The local
 * APIC's MSRs (IA32_APIC_BASE, IA32_TSC_DEADLINE, the x2APIC range) belong
 * to vmm/dev/lapic.c, whose #GPs are architectural and not reported. The
 * MSRs of a feature answer only when the feature table shows it
 * (vmm/dev/features.c: TSC_ADJUST, MCA). Any other MSR not emulated here
 * raises #GP in the guest, as on a CPU that lacks it (IA32_DS_AREA, the
 * MTRRs: their features are hidden); each is counted and reported once per
 * VM.
 */
#include "vmm/dev/msr_emul.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/features.h"
#include "vmm/dev/lapic.h"
#include "lib/x86.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/msr.h"
#include "vmm/time/vtsc.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "kernel/percpu.h"

/* IA32_MISC_ENABLE bits a guest may change; writing any other bit with a
 * value it does not have raises #GP, as writing a reserved bit does. */
#define MISC_ENABLE_WRITABLE  (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_LIMIT_CPUID)

/* Machine check (SDM Vol. 3B, "Machine-Check MSRs"), shown with MCA:
 * IA32_MCG_CAP says VCPU_MCE_BANKS banks and nothing else (no MCG_CTL, no
 * CMCI, no LMCE); IA32_MCG_STATUS keeps RIPV, EIPV, MCIP; each bank's CTL
 * keeps what is written; STATUS, ADDR and MISC read 0 (no error is ever
 * reported) and accept only 0 ("writing 1s ... causes a general-protection
 * exception"). Anything else of MCA is #GP, as on a CPU with these banks. */
#define MCG_STATUS_WRITABLE   0x7ULL
#define MC_BANK_REGS          4                /* CTL, STATUS, ADDR, MISC */
#define MC_REG_CTL            0

/* An MCA MSR: true with *val (read) or the write done; false for #GP. */
static bool mca_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	if (msr == MSR_IA32_MCG_CAP) {
		*val = VCPU_MCE_BANKS;
		return !write;
	}
	if (msr == MSR_IA32_MCG_STATUS) {
		if (!write) {
			*val = v->mcg_status;
			return true;
		}
		if (*val & ~MCG_STATUS_WRITABLE)
			return false;
		v->mcg_status = *val;
		return true;
	}
	uint32_t i = msr - MSR_IA32_MC0_CTL;
	if (msr < MSR_IA32_MC0_CTL || i >= VCPU_MCE_BANKS * MC_BANK_REGS)
		return false;
	if (i % MC_BANK_REGS == MC_REG_CTL) {
		if (write)
			v->mc_ctl[i / MC_BANK_REGS] = *val;
		else
			*val = v->mc_ctl[i / MC_BANK_REGS];
		return true;
	}
	if (write)
		return *val == 0;
	*val = 0;
	return true;
}

static bool is_mca_msr(uint32_t msr)
{
	return msr == MSR_IA32_MCG_CAP || msr == MSR_IA32_MCG_STATUS ||
	       (msr >= MSR_IA32_MC0_CTL && msr < MSR_IA32_MC0_CTL + VCPU_MCE_BANKS * MC_BANK_REGS);
}

static void gp_unhandled(struct vcpu *v, uint32_t msr, bool write, uint64_t val)
{
	struct vm *vm = v->vm;

	spin_lock(&vm->lock);
	vm->unhandled_msr++;
	if (report_once_msr(&vm->reported, msr) == REPORT_ONCE_PRINT) {
		if (write)
			kprintf("[hv] vm%u: WRMSR %#x <- %#lx not emulated: #GP (reported once per MSR)\n",
				vm->id, msr, val);
		else
			kprintf("[hv] vm%u: RDMSR %#x not emulated: #GP (reported once per MSR)\n",
				vm->id, msr);
	}
	spin_unlock(&vm->lock);
	vcpu_inject_exception(v, VEC_GP, true, 0);
}

/* What the APIC said of an MSR the common switch does not know: true to
 * finish the instruction; false when a #GP is queued instead (the APIC
 * refused it, or the MSR is nobody's). */
static bool lapic_msr_answer(struct vcpu *v, enum lapic_msr_result r, uint32_t msr, bool write,
			     uint64_t val)
{
	switch (r) {
	case LAPIC_MSR_OK:
		return true;
	case LAPIC_MSR_GP:
		vcpu_inject_exception(v, VEC_GP, true, 0);
		return false;
	case LAPIC_MSR_NOT_MINE:
		break;
	}
	gp_unhandled(v, msr, write, val);
	return false;
}

void handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	struct vm *vm = v->vm;
	uint64_t val;

	switch (msr) {
	case MSR_IA32_TIME_STAMP_COUNTER:
		val = vtsc_guest_now(&v->clock);          /* what RDTSC returns right now */
		break;
	case MSR_IA32_TSC_ADJUST:
		if (!feature_usable(vm, FEAT_TSC_ADJUST))
			goto unhandled;
		val = v->clock.tsc.adjust;
		break;
	case MSR_IA32_PAT:
		val = vm->pat;
		break;
	case MSR_IA32_MISC_ENABLE:
		val = v->misc_enable;
		break;
	case MSR_IA32_BIOS_SIGN_ID:
		val = 0;
		break;
	default:
		if (is_mca_msr(msr) && feature_usable(vm, FEAT_MCA)) {
			if (!mca_msr(v, msr, false, &val)) {
				vcpu_inject_exception(v, VEC_GP, true, 0);
				return;
			}
			break;
		}
		/* The APIC's MSRs (APIC base, TSC deadline, x2APIC), asked only
		 * after the common ones: RDMSR IA32_TSC is the path the bench
		 * times. */
		if (!lapic_msr_answer(v, lapic_msr_read(v, msr, &val), msr, false, 0))
			return;
		break;
	}
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	vcpu_skip_instruction(v);
	return;
unhandled:
	gp_unhandled(v, msr, false, 0);
}


/* A linear address the CPU takes (SDM Vol. 1, "Canonical Addressing"):
 * bits 63 down to the top implemented bit all equal, for the host's
 * linear-address width (CPUID.80000008H:EAX[15:8]; 48 when not shown). */
static bool canonical(uint64_t a)
{
	static uint32_t bits;

	if (!bits) {
		uint32_t max = cpuid(CPUID_LEAF_EXT_MAX, 0).eax;
		bits = max >= CPUID_LEAF_ADDR_SIZES ? (cpuid(CPUID_LEAF_ADDR_SIZES, 0).eax >> 8) & 0xFF : 48;
		if (bits < 48 || bits > 64)
			bits = 48;
	}
	int shift = 64 - (int)bits;
	return (uint64_t)((int64_t)(a << shift) >> shift) == a;
}

/*
 * A write to a travelling MSR (vmm/core/vm.h): it exits so that v->msrs
 * always holds the value and no pCPU has to save it when the vCPU leaves
 * (vmm/run.c). The pCPU's MSR is written here too (it is v's while v is
 * loaded), and this pCPU becomes the only one that holds the new values.
 * The #GP rules are the CPU's (SDM Vol. 4, "IA-32 Architectural MSRs"):
 * the address MSRs take canonical addresses only, IA32_FMASK and
 * IA32_TSC_AUX have bits 63:32 reserved; the host's WRMSR must never
 * fault on a guest's value. Returns false when a #GP was queued.
 */
static bool travelling_write(struct vcpu *v, enum travelling_msr i, uint64_t val)
{
	switch (i) {
	case TMSR_KERNEL_GS_BASE:
	case TMSR_LSTAR:
	case TMSR_CSTAR:
		if (!canonical(val))
			goto gp;
		break;
	case TMSR_FMASK:
	case TMSR_TSC_AUX:
		if (val >> 32)
			goto gp;
		break;
	case TMSR_STAR:
	case NUM_TRAVELLING_MSRS:
		break;
	}
	if (i == TMSR_TSC_AUX && !vmx_ctls.rdtscp) {
		/* hidden with RDTSCP (vmm/dev/cpuid.c): no such MSR here */
		gp_unhandled(v, travelling_msrs[i], true, val);
		return false;
	}
	wrmsr(travelling_msrs[i], val);
	v->msrs[i] = val;
	cpuset_clear_all(&v->msrs_held);
	cpuset_add(&v->msrs_held, this_cpu()->cpu_id);
	return true;
gp:
	vcpu_inject_exception(v, VEC_GP, true, 0);
	return false;
}

void handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	struct vm *vm = v->vm;
	uint64_t old_now;

	switch (msr) {
	case MSR_IA32_TIME_STAMP_COUNTER:
		/* SDM Vol. 3B, "Time-Stamp Counter Adjustment": the new TSC, and
		 * TSC_ADJUST moves by the same delta. The APIC timer's host
		 * instants follow (a TSC deadline is a TSC value). */
		old_now = vtsc_guest_now(&v->clock);
		tsc_write_tsc(&v->clock.tsc, val, vtsc_policy_ref(&v->clock));
		vtsc_offset_changed(&v->clock);
		lapic_guest_tsc_changed(v, old_now, vtsc_guest_now(&v->clock));
		break;
	case MSR_IA32_TSC_ADJUST:
		if (!feature_usable(vm, FEAT_TSC_ADJUST)) {
			gp_unhandled(v, msr, true, val);
			return;
		}
		old_now = vtsc_guest_now(&v->clock);
		tsc_write_adjust(&v->clock.tsc, val);
		vtsc_offset_changed(&v->clock);
		lapic_guest_tsc_changed(v, old_now, vtsc_guest_now(&v->clock));
		break;
	case MSR_IA32_PAT:
		vm->pat = val;
		break;
	case MSR_IA32_MISC_ENABLE:
		if ((val ^ v->misc_enable) & ~MISC_ENABLE_WRITABLE) {
			vcpu_inject_exception(v, VEC_GP, true, 0);
			return;
		}
		v->misc_enable = val;
		break;
	case MSR_IA32_BIOS_SIGN_ID:
		break;                  /* accepted and ignored, as Linux expects */
	case MSR_IA32_KERNEL_GS_BASE:
	case MSR_IA32_STAR:
	case MSR_IA32_LSTAR:
	case MSR_IA32_CSTAR:
	case MSR_IA32_FMASK:
	case MSR_IA32_TSC_AUX:
		for (unsigned i = 0; i < NUM_TRAVELLING_MSRS; i++)
			if (travelling_msrs[i] == msr && !travelling_write(v, (enum travelling_msr)i, val))
				return;
		break;
	default:
		if (is_mca_msr(msr) && feature_usable(vm, FEAT_MCA)) {
			if (!mca_msr(v, msr, true, &val)) {
				vcpu_inject_exception(v, VEC_GP, true, 0);
				return;
			}
			break;
		}
		if (!lapic_msr_answer(v, lapic_msr_write(v, msr, val), msr, true, val))
			return;
		break;
	}
	vcpu_skip_instruction(v);
}
