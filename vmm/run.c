/*
 * vmm/run.c - the loop that enters a vCPU, handles its exits, and ends.
 *
 * Context: VMX root, interrupts off. Loading a vCPU on a pCPU is VMPTRLD plus
 * the host-state fields of that pCPU; putting it away is VMCLEAR on the same
 * pCPU (SDM Vol. 3C, "Software Use of Virtual-Machine Control Structures"),
 * after which the next entry must be VMLAUNCH again. `loaded_on` is asserted
 * so that a VMCS is never current on two pCPUs at once.
 *
 * Every entry arms the VMX-preemption timer: it returns control to us even
 * from a guest that spins with interrupts off (Bochs 2.7 does not deliver
 * host interrupts as exits then, see docs/platform.md), so slices end and the
 * watchdog works, and it wakes the vCPU for its APIC timer (vmm/inject.c).
 * Which vCPU runs where is vmm/sched.c's business.
 *
 * A vCPU's life events are taken here, where it is loaded but not running:
 * an INIT (reset, back to wait-for-SIPI), a SIPI (real mode at the
 * vector's page), the end of a HLT (vmm/exits_core.c:vcpu_hlt_resume).
 */
#include "vmm/run.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/percpu.h"
#include "lib/msr.h"
#include "vmm/break.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic.h"
#include "vmm/exit.h"
#include "vmm/inject.h"
#include "vmm/options.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"
#include "vmx/tlb.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx.h"

/* The guest-owned MSRs that VMX does not switch and the host never uses:
 * they stay in the pCPU while the vCPU runs there and travel with it. */
static const uint32_t travelling_msrs[NUM_TRAVELLING_MSRS] = {
	MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR,
	MSR_IA32_FMASK, MSR_IA32_TSC_AUX,
};

static void vcpu_load(struct vcpu *v, uint64_t slice_ticks, bool every_exit)
{
	uint32_t me = this_cpu()->cpu_id;
	uint64_t pa = virt_to_phys(v->vmcs);

	/* Never current on two pCPUs: whoever ran it last VMCLEARed it. */
	assert(v->loaded_on == -1);
	VMX_CHECK("vmptrld", pa, vmptrld(pa));
	v->loaded_on = (int32_t)me;
	this_cpu()->current_vcpu = v;
	vmcs_write_host_state();
	vtsc_load(&v->clock);
	write_cr2(v->regs.cr2);       /* the entry stub leaves CR2 alone */
	for (unsigned i = 0; i < NUM_TRAVELLING_MSRS; i++)
		if (travelling_msrs[i] != MSR_IA32_TSC_AUX || vmx_ctls.rdtscp)
			wrmsr(travelling_msrs[i], v->msrs[i]);

	/* Deadlines in this pCPU's own TSC, which the exit stub reads. */
	v->watchdog_deadline = v->vm->watchdog_ref == UINT64_MAX
		? UINT64_MAX : ref_to_host(me, v->vm->watchdog_ref);
	uint64_t slice_end = rdtsc() + slice_ticks;
	v->slice_end = slice_end;
	v->leave_tsc = every_exit ? 0 : MIN(slice_end, v->watchdog_deadline);
	v->migrated_in = v->last_pcpu >= 0 && v->last_pcpu != (int32_t)me;
	if (v->migrated_in) {
		v->migrations++;
		if (vmx_ctls.vpid)
			vmx_flush_vpid(v->vpid);
	}
}

static void vcpu_put(struct vcpu *v)
{
	uint64_t pa = virt_to_phys(v->vmcs);
	uint32_t me = this_cpu()->cpu_id;

	assert(v->loaded_on == (int32_t)me);
	v->regs.cr2 = read_cr2();
	for (unsigned i = 0; i < NUM_TRAVELLING_MSRS; i++)
		if (travelling_msrs[i] != MSR_IA32_TSC_AUX || vmx_ctls.rdtscp)
			v->msrs[i] = rdmsr(travelling_msrs[i]);
	vtsc_put(&v->clock);
	/* the exit that made it leave, on the reference timeline */
	v->put_ref = host_to_ref(me, v->regs.exit_tsc);
	VMX_CHECK("vmclear", pa, vmclear(pa));
	v->loaded_on = -1;
	v->launched = false;
	v->last_pcpu = (int32_t)me;
	this_cpu()->current_vcpu = NULL;
}

/* INIT (SDM Vol. 3A, "MP Initialization Protocol Algorithm"): the APIC and
 * every pending event are reset; the vCPU waits for a SIPI, unless one came
 * already (vmm/sched.c:give_back finishes the move under the lock). */
static void take_init(struct vcpu *v)
{
	spin_lock(&vcpu_state_lock);
	__atomic_and_fetch(&v->ev_pending, ~(uint32_t)(EV_INIT | EV_NMI), __ATOMIC_SEQ_CST);
	v->halted = v->parked = v->sleeping = false;
	v->to_wait_sipi = !v->pending_sipi;
	spin_unlock(&vcpu_state_lock);
	lapic_init_signal(v);
	inject_reset(v);
}

void vcpu_run_slice(struct vcpu *v, uint64_t slice_ticks, bool every_exit)
{
	uint32_t rate = vmx_misc_preemption_timer_rate(vmx_caps.misc);

	vcpu_load(v, slice_ticks, every_exit);
	if (__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & EV_INIT)
		take_init(v);
	if (v->to_wait_sipi)
		goto put;
	if (v->pending_sipi) {
		vmcs_init_realmode(&v->regs, v->sipi_vector);
		inject_reset(v);
		v->pending_sipi = false;
	}
	lapic_timer_load(v);
	if ((v->halted || v->parked) && !vcpu_hlt_resume(v))
		goto put;               /* nothing to take yet: back to sleep */
	/* With "save VMX-preemption timer value" off, exits leave this field
	 * alone and every entry restarts the timer from it (vmm/inject.c
	 * shortens it while the APIC timer is armed). */
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, (uint32_t)MIN(slice_ticks >> rate, UINT32_MAX));
	v->ptimer_short = false;
	if (!v->break_applied) {
		break_apply(v, (enum break_kind)hv_opts.brk);
		v->break_applied = true;
	}
	if (v->vm->state == VM_RUNNING) {
		vcpu_prepare_entry(v);
		int r = vmx_run(&v->regs, v->launched, vmm_handle_exit);
		if (r != 0)
			vmm_entry_failed(v, r);     /* VMLAUNCH/VMRESUME failed */
	}
	if (__atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & EV_INIT)
		take_init(v);
put:
	vcpu_put(v);
}
