/*
 * vmm/dev/hypercall.c - VMCALL from a guest (the ABI is vmm/core/hypercall_abi.h).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 * Arguments are checked against the guest's RAM before use: a bad pointer
 * or length is an error code for the guest, never a fault in the host.
 */
#include "vmm/dev/hypercall.h"
#include "vmm/dev/io.h"
#include "vmm/core/vcpu.h"
#include "kernel/pit.h"
#include "vmm/time/tsc_sync.h"
#include "kernel/console.h"
#include "vmm/core/hypercall_abi.h"
#include "lib/string.h"
#include "vmm/time/vtsc.h"
#include "vmx/ept.h"
#include "vmx/exit_reasons.h"
#include "vmx/vmcs.h"

#define AR_DPL_SHIFT   5
#define AR_DPL_MASK    3u

static __attribute__((noinline)) int64_t hc_write(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	if (len > HC_WRITE_MAX)
		return HC_EINVAL;
	const char *s = gpa_to_hva(v->vm, gpa, len);
	if (!s)
		return HC_EFAULT;
	spin_lock(&v->vm->lock);
	for (uint64_t i = 0; i < len; i++)
		vm_console_putc(v->vm, &v->vm->com1, s[i]);
	spin_unlock(&v->vm->lock);
	return (int64_t)len;
}

static __attribute__((noinline)) int64_t hc_report(struct vcpu *v, uint64_t kind, uint64_t gpa, uint64_t len)
{
	struct vm *vm = v->vm;

	if (len > HC_NAME_MAX || kind > HC_REPORT_SKIP)
		return HC_EINVAL;
	if (!gpa_to_hva(vm, gpa, len))
		return HC_EFAULT;
	uint32_t *count = kind == HC_REPORT_PASS ? &vm->reports_pass
			: kind == HC_REPORT_FAIL ? &vm->reports_fail : &vm->reports_skip;
	__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
	return 0;
}

static __attribute__((noinline)) int64_t hc_counters(struct vcpu *v, uint64_t gpa, uint64_t size)
{
	if (size != sizeof(struct hc_counters))
		return HC_EINVAL;
	void *dst = gpa_to_hva(v->vm, gpa, size);
	if (!dst)
		return HC_EFAULT;
	/* Totals the exit path does not keep (it counts per reason only). */
	v->counters.exits_total = 0;
	for (uint32_t r = 0; r < HC_EXIT_REASONS; r++)
		v->counters.exits_total += v->counters.exits_by_reason[r];
	v->counters.hypercalls = v->counters.exits_by_reason[EXIT_REASON_VMCALL];
	v->counters.migrations = v->migrations;
	v->counters.tsc_corrections = v->clock.corrections;
	v->counters.tsc_correction_ticks = v->clock.correction_ticks;
	struct vtsc_sample sample;       /* (the offset in force now too) */
	vtsc_sample_take(&v->clock, &sample);
	vtsc_sample_take_late(&v->clock, &sample);
	vtsc_note_error(&v->clock, &sample, this_cpu()->cpu_id);
	v->counters.max_clock_error = (uint64_t)v->clock.max_clock_error;
	memcpy(dst, &v->counters, sizeof(v->counters));
	return (int64_t)size;
}

/*
 * HC_TSC_CHECK: the guest read its TSC (guest_read) with the RDTSC at
 * rdtsc_rip, then called; the error of that reading against the ideal clock
 * at this exit (vmm/time/vtsc.c:vtsc_guest_check) goes to *err_gpa. If the
 * current slice began between the RDTSC and the VMCALL (resume_rip in
 * (rdtsc_rip, VMCALL]), the reading was taken before the vCPU was put back
 * on a pCPU, perhaps another one, and compares two different moments: it is
 * refused with HC_EAGAIN and counted as dropped. The code from the RDTSC to
 * the VMCALL must be straight-line (guest/lib/hyper.c:hc_tsc_check).
 */
static __attribute__((noinline)) int64_t hc_tsc_check(struct vcpu *v, uint64_t guest_read,
						      uint64_t rdtsc_rip, uint64_t err_gpa)
{
	uint64_t resume = v->resume_rip;

	v->resume_rip = 0;        /* looked at: a later check needs a later resume */
	if (rdtsc_rip >= v->rip || v->rip - rdtsc_rip > HC_TSC_CHECK_WINDOW)
		return HC_EINVAL;
	void *dst = gpa_to_hva(v->vm, err_gpa, sizeof(int64_t));
	if (!dst)
		return HC_EFAULT;
	if (resume > rdtsc_rip && resume <= v->rip) {
		v->clock.guest_checks_dropped++;
		return HC_EAGAIN;
	}
	int64_t err = vtsc_guest_check(&v->clock, guest_read, v->regs.exit_tsc);
	memcpy(dst, &err, sizeof(err));
	return 0;
}

/* HC_EPT_EVICT (vmm/core/hypercall_abi.h): the page leaves the EPT; the
 * EPT violation at its next access maps it back
 * (vmm/exits_core.c:handle_ept_violation). INVEPT on this pCPU only: a
 * translation another pCPU cached stays usable there, so a test that needs
 * the exit runs its vCPU on one pCPU (SDM Vol. 3C, "Invalidation of TLBs and
 * Paging-Structure Caches"). */
static int64_t hc_ept_evict(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;

	if (gpa & (PAGE_SIZE - 1))
		return HC_EINVAL;
	if (gpa >= vm->ram_size)
		return HC_EFAULT;
	spin_lock(&vm->lock);
	if (vm->evicted)
		ept_set_rights(vm->ept_pml4, vm->evicted_gpa, EPT_RWX);   /* split already: no frame */
	vm->evicted = false;
	bool taken = ept_set_rights(vm->ept_pml4, gpa, 0);
	if (taken) {
		vm->evicted = true;
		vm->evicted_gpa = gpa;
		vm->evictions++;
	}
	spin_unlock(&vm->lock);
	if (!taken)
		return HC_EAGAIN;        /* no frame for the split: the page stays mapped */
	ept_flush_all();
	return 0;
}

/* Every hypercall but the null one, and every caller above CPL 0. */
static __attribute__((noinline)) void vmcall_slow(struct vcpu *v, uint32_t cpl)
{
	struct guest_regs *r = &v->regs;
	int64_t ret;

	if (cpl != 0) {
		ret = HC_EPERM;
		goto out;
	}
	switch (r->rax) {
	case HC_NOP:
		ret = 0;
		break;
	case HC_WRITE:
		ret = hc_write(v, r->rdi, r->rsi);
		break;
	case HC_REPORT:
		ret = hc_report(v, r->rdi, r->rsi, r->rdx);
		break;
	case HC_YIELD:
		vcpu_sleep(v, 0);          /* off the pCPU; back at the next chance */
		ret = 0;
		break;
	case HC_SLEEP:
		/* Capped (sleep_max=, docs/hypercalls.md): no single call keeps a
		 * vCPU off every pCPU for ever, and the conversion to host ticks
		 * cannot overflow. */
		vcpu_sleep(v, tsc_guest_to_host_ticks(v->vm->sleep_max && r->rdi > v->vm->sleep_max
						      ? v->vm->sleep_max : r->rdi, v->clock.tsc.mult));
		ret = 0;
		break;
	case HC_CLOCK:
		ret = (int64_t)tsc_ticks_to_ns(ref_now() - boot_ref_tsc, tsc_khz());
		break;
	case HC_COUNTERS:
		ret = hc_counters(v, r->rdi, r->rsi);
		break;
	/* LAB 6 BEGIN: HC_GUEST_TSC (labs/06-hypercall.md) */
	case HC_GUEST_TSC:
		/* What the guest's RDTSC would return right now: the CPU's
		 * scale(TSC) + TSC_OFFSET, as vtsc.c last wrote it. */
		ret = (int64_t)vtsc_guest_now(&v->clock);
		break;
	/* LAB 6 END */
	case HC_TSC_CHECK:
		ret = hc_tsc_check(v, r->rdi, r->rsi, r->rdx);
		break;
	case HC_EPT_EVICT:
		ret = hc_ept_evict(v, r->rdi);
		break;
	default:
		ret = HC_ENOSYS;
		break;
	}
out:
	r->rax = (uint64_t)ret;
	vcpu_skip_instruction(v);
}

/* HC_NOP from CPL 0 is the exit the bench measures whole: answered here with
 * nothing but the CPL check and the instruction's end. */
void handle_vmcall(struct vcpu *v)
{
	uint32_t ss_ar = vmcs_read32(GUEST_SS_AR_BYTES);

	/* CPL 0 is SS.DPL 0: one test of the two bits, no shift. */
	if (__builtin_expect((ss_ar & (AR_DPL_MASK << AR_DPL_SHIFT)) == 0 &&
			     v->regs.rax == HC_NOP, 1)) {
		v->regs.rax = 0;
		vcpu_skip_instruction(v);
		return;
	}
	vmcall_slow(v, (ss_ar >> AR_DPL_SHIFT) & AR_DPL_MASK);
}
