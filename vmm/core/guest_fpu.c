/*
 * vmm/core/guest_fpu.c - switching the x87/SSE/AVX/AVX-512/PKRU registers,
 * XCR0 and DR0-DR3/DR6 between vCPUs (vmm/core/guest_fpu.h).
 *
 * Context: VMX root, interrupts off, on the pCPU where the vCPU is loaded.
 *
 * VMX switches none of these (SDM Vol. 3C, "Loading Host State": only DR7
 * and IA32_DEBUGCTL, with the debug controls, which chronovisor sets), and
 * the hypervisor is built -mgeneral-regs-only and never uses them. So the
 * registers of the vCPU that ran last stay in the pCPU until the next
 * vCPU's are loaded. The switch is eager: every put saves (XSAVE of every
 * switched component, DR0-DR3, DR6), every load restores, except when the
 * vCPU comes back to the pCPU it left and nothing else was loaded there
 * since (percpu fpu_owner and v->fpu_cpu both say so). The debug registers
 * are not written either when both the vCPU's and the pCPU's are in their
 * INIT state (v->dr_init, percpu dr_init: what the last save found), as
 * they are for a guest that never used them. Saving at every put
 * is what lets the next slice start on any pCPU with no help from this
 * one (docs/design.md, "Scheduling and migration").
 *
 * XCR0: XSAVE and XRSTOR run with XCR0 = every switched component
 * (kernel/fpu.h: fpu_host.xcr0_max), so that a component the guest has
 * turned off in its XCR0 is still saved and restored as the CPU holds it;
 * the guest's own XCR0 is written just before it enters.
 */
#include "vmm/core/guest_fpu.h"
#include "kernel/fpu.h"
#include "kernel/mem.h"
#include "kernel/percpu.h"
#include "lib/x86.h"

bool guest_fpu_switch = true;

static void dr_reset(struct vcpu *v)
{
	for (int i = 0; i < 4; i++)
		v->dr[i] = 0;
	v->dr[4] = DR6_INIT;
	v->dr_init = true;
}

bool guest_fpu_init(struct vcpu *v)
{
	v->fpu_area = frames_try_alloc(1, 1);
	if (!v->fpu_area)
		return false;
	fpu_area_init(v->fpu_area);
	v->xcr0 = XFEATURE_X87;
	dr_reset(v);
	v->fpu_cpu = -1;
	return true;
}

void guest_fpu_put(struct vcpu *v)
{
	if (!guest_fpu_switch)
		return;
	fpu_set_xcr0(fpu_host.xcr0_max);
	fpu_save(v->fpu_area);
	dr_save(v->dr);
	/* what this pCPU's debug registers hold now, too */
	v->dr_init = this_cpu()->dr_init = dr_at_init(v->dr);
}

void guest_fpu_set_xcr0(struct vcpu *v, uint64_t xcr0)
{
	v->xcr0 = xcr0;
	fpu_set_xcr0(xcr0);
}

void guest_fpu_init_signal(struct vcpu *v)
{
	dr_reset(v);
	if (guest_fpu_switch) {
		dr_restore(v->dr);
		this_cpu()->dr_init = true;
	}
}
