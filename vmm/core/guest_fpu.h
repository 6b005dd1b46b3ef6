/*
 * vmm/core/guest_fpu.h - each vCPU's own x87/SSE/AVX/AVX-512/PKRU registers,
 * XCR0 and debug registers DR0-DR3/DR6 (vmm/core/guest_fpu.c).
 *
 * Context: VMX root, interrupts off, on the pCPU where the vCPU is loaded
 * (guest_fpu_init: at creation, any pCPU).
 */
#ifndef CV_GUEST_FPU_H
#define CV_GUEST_FPU_H

#include "kernel/fpu.h"
#include "kernel/percpu.h"
#include "vmm/core/vm.h"

/* fpu_switch=off (teaching aid): no vCPU's state is saved or restored, so
 * VMs see each other's registers (docs/design.md, "FPU and debug registers"). */
extern bool guest_fpu_switch;

/* A vCPU's registers as after RESET: x87/SSE/AVX init, MXCSR 0x1F80,
 * XCR0 = 1, DR0-DR3 = 0, DR6 = 0xFFFF0FF0. False when no page was free. */
bool guest_fpu_init(struct vcpu *v);

/* Before v enters on this pCPU: its registers, unless they are still
 * here from its last slice and no other vCPU ran here since; then its
 * XCR0. Inline: every slice switch and move. */
static inline void guest_fpu_load(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();

	if (!guest_fpu_switch)
		return;         /* whatever the last guest left, XCR0 included: shared */
	if (cpu->fpu_owner != v || v->fpu_cpu != (int32_t)cpu->cpu_id) {
		fpu_set_xcr0_on(cpu, fpu_host.xcr0_max);
		fpu_restore(v->fpu_area);
		if (!(v->dr_init && cpu->dr_init)) {   /* (both in the INIT state: nothing to write) */
			dr_restore(v->dr);
			cpu->dr_init = v->dr_init;
		}
		cpu->fpu_owner = v;
		v->fpu_cpu = (int32_t)cpu->cpu_id;
	}
	fpu_set_xcr0_on(cpu, v->xcr0);
}

/* When v leaves this pCPU: save its registers (eagerly, so that it may run
 * anywhere next). */
void guest_fpu_put(struct vcpu *v);

/* The guest's XSETBV to XCR0 passed its checks (vmm/dev/xsetbv.c): take
 * it, in the vCPU and in this pCPU's XCR0. */
void guest_fpu_set_xcr0(struct vcpu *v, uint64_t xcr0);

/* INIT: DR0-DR3 = 0, DR6 = 0xFFFF0FF0, in the vCPU and on this pCPU where
 * it is loaded (SDM Vol. 3A, "Processor State After Reset": INIT leaves
 * the x87/SSE state and XCR0 alone). */
void guest_fpu_init_signal(struct vcpu *v);

#endif
