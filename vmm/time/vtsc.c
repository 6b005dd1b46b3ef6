/*
 * vmm/time/vtsc.c - the virtual TSC of each vCPU, and TSC_OFFSET in its VMCS.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current (except
 * vtsc_vcpu_init, at creation). Equations: vmm/time/tsc_math.h.
 *
 * TSC_OFFSET is written on the pCPU that owns the VMCS, right when the
 * vCPU is loaded there or when the guest changed its own TSC, and only when
 * the value differs from the one last written (NOVA's "hazard" idea): a
 * VMWRITE on every exit would be pure overhead on the exit path.
 */
#include "vmm/time/vtsc.h"
#include "kernel/arch.h"
#include "kernel/percpu.h"
#include "kernel/pit.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/options.h"
#include "vmm/core/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_defs.h"

uint64_t boot_ref_tsc;

uint64_t ref_now(void)
{
	return rdtsc() - (uint64_t)tsc_skew[this_cpu()->cpu_id];
}

uint64_t vtsc_policy_ref(const struct vcpu *v)
{
	return v->vm->tsc_policy == TSC_POLICY_PERCPU ? ref_now() : rdtsc();
}

uint64_t host_tsc_khz(void)
{
	return tsc_khz;
}

void vtsc_vcpu_init(struct vcpu *v, uint64_t mult)
{
	/* One timeline per VM: every vCPU counts from the VM's creation (and
	 * INIT/SIPI leave the TSC alone, SDM Vol. 3A, "IA-32 Processor States
	 * Following Power-up, Reset, or INIT"). */
	if (v->id == 0)
		v->vm->tsc_base_ref = ref_now();
	tsc_init(&v->tsc, v->vm->tsc_base_ref, mult);
}

static void write_offset(struct vcpu *v, uint64_t offset)
{
	if (v->tsc_offset_valid && v->tsc_offset == offset)
		return;
	vmcs_write64(TSC_OFFSET, offset);
	v->tsc_offset = offset;
	v->tsc_offset_valid = true;
}

/*
 * Loading v on pCPU p, by policy (DESIGN.md, "Policies"):
 *   none     TSC_OFFSET = off[v]: the guest sees ref + skew[p] + off[v], so
 *            its clock jumps by the skew difference at every move (the bug).
 *   kvm2633  as KVM 2.6.33's vmx_vcpu_load: off[v], raised by
 *            last_host_tsc - tsc_now when this pCPU's TSC is below the one
 *            recorded when v last left a pCPU (arch.host_tsc, saved in
 *            __vcpu_clear); the raise stays in the offset for good.
 *   percpu   TSC_OFFSET = off[v] - scale(skew[p]), then the monotonic guard:
 *            if the guest would read less than it last read when it left,
 *            off[v] is raised just enough, and counted. The guard's floor is
 *            reset by the guest's own TSC writes, so a guest may still move
 *            its own TSC backwards.
 * The clock error is the guest's clock minus the ideal one, which runs on
 * the true reference timeline (the injected skew, known by construction,
 * not the measured one) with off[v] as the guest itself set it.
 */
void vtsc_load(struct vcpu *v)
{
	uint32_t me = this_cpu()->cpu_id;
	struct vtsc *t = &v->tsc;
	uint64_t offset;

	if (t->mult != TSC_MULT_ONE)
		vmcs_write64(TSC_MULTIPLIER, t->mult);
	v->tsc_offset_valid = false;     /* a freshly loaded VMCS: write it */

	switch (v->vm->tsc_policy) {
	case TSC_POLICY_NONE:
		offset = t->off;
		break;
	case TSC_POLICY_KVM2633: {
		uint64_t tsc_this = rdtsc();
		if (v->last_pcpu >= 0 && tsc_this < v->last_host_tsc) {
			uint64_t delta = v->last_host_tsc - tsc_this;
			t->off += delta;
			v->corrections++;
			v->correction_ticks += delta;
		}
		offset = t->off;
		break;
	}
	case TSC_POLICY_PERCPU:
	default:
		offset = tsc_offset_compensated(t, tsc_skew[me]);
		if (v->last_pcpu >= 0) {
			uint64_t would_read = tsc_scale(rdtsc(), t->mult) + offset;
			if ((int64_t)(would_read - v->last_guest_tsc) < 0) {
				uint64_t delta = v->last_guest_tsc - would_read;
				t->off += delta;
				offset += delta;
				v->corrections++;
				v->correction_ticks += delta;
			}
		}
		break;
	}
	write_offset(v, offset);

	/* guest clock - ideal clock = offset + scale(injected[p]) - (off - corrections) */
	int64_t err = (int64_t)(offset + (uint64_t)tsc_scale_signed(tsc_skew_injected[me], t->mult) -
				(t->off - v->correction_ticks));
	if (err < 0)
		err = -err;
	if (err > v->max_clock_error)
		v->max_clock_error = err;
}

void vtsc_put(struct vcpu *v)
{
	v->last_host_tsc = rdtsc();
	v->last_guest_tsc = tsc_scale(v->last_host_tsc, v->tsc.mult) + v->tsc_offset;
}

void vtsc_offset_changed(struct vcpu *v)
{
	uint64_t offset = v->vm->tsc_policy == TSC_POLICY_PERCPU
		? tsc_offset_compensated(&v->tsc, tsc_skew[this_cpu()->cpu_id]) : v->tsc.off;
	write_offset(v, offset);
	/* The guest set its own clock: the guard must not undo that. */
	v->last_guest_tsc = vtsc_guest_now(v);
}

uint64_t vtsc_guest_now(const struct vcpu *v)
{
	/* Exactly what the CPU computes for RDTSC in the guest. */
	return tsc_scale(rdtsc(), v->tsc.mult) + v->tsc_offset;
}

uint64_t vtsc_guest_khz(const struct vcpu *v)
{
	/* tsc_khz= exactly as asked: the multiplier realises it to within
	 * 2^-48, and rounding host_khz * mult down would say one kHz less. */
	if (v->vm->tsc_khz)
		return v->vm->tsc_khz;
	return tsc_scale(host_tsc_khz(), v->tsc.mult);
}
