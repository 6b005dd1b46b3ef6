/*
 * kernel/percpu.h - per-physical-CPU data, reached through the GS base.
 *
 * Context: kernel, VMX root. Each pCPU's IA32_GS_BASE points at its own
 * struct percpu, whose first field points at itself, so this_cpu() is one
 * load (gs:0) and never needs the APIC ID.
 */
#ifndef CV_PERCPU_H
#define CV_PERCPU_H

#include "lib/types.h"

struct vcpu;

#define MAX_CPUS          256     /* x2APIC machines have more than 255 APIC IDs */

struct percpu {
	struct percpu *self;          /* offset 0: this_cpu() loads it via gs:0 */
	uint32_t cpu_id;              /* dense index 0..MAX_CPUS-1; 0 is the boot CPU */
	uint32_t apic_id;
	bool online;
	void *vmxon_region;           /* set once this pCPU is in VMX root operation */
	struct vcpu *current_vcpu;    /* the vCPU whose VMCS is current here, or NULL */
	const void *last_vm;          /* the VM whose vCPU ran here last (IBPB on a change) */
	uint64_t ibpb_count;          /* IBPBs issued on this pCPU */
	/* Host events no guest owns (kernel/trap.c, vmm/exits_core.c): counted,
	 * never fatal, reported at the end of the run. */
	uint64_t nmis_root;           /* NMIs taken through the host IDT (VMX root) */
	uint64_t nmis_guest;          /* NMIs that arrived during guest execution (NMI exiting) */
	uint64_t stray_irqs;          /* host interrupts with no owner (acknowledged on exit, EOI'd) */
	uint64_t stray_seen[4];       /* which stray vectors were already reported (bit = vector) */
	struct vcpu *fpu_owner;       /* the vCPU whose FPU and debug registers are loaded here
				       * (vmm/core/guest_fpu.c), or NULL */
	uint64_t xcr0;                /* XCR0 as last written here (kernel/fpu.c) */
	struct vcpu *handed_over;     /* the vCPU this pCPU handed to an idle one at its last
				       * exit and is still putting away (vmm/sched.c), or NULL */
	bool dr_init;                 /* DR0-DR3 are 0 and DR6 is DR6_INIT here: what the last
				       * save or restore of them found or wrote (vmm/core/guest_fpu) */
	bool tlb_clean;               /* no guest ran here since an INVVPID of every VPID
				       * (vmm/sched.c, when idle; vmm/run.c:vcpu_load) */
};

extern struct percpu percpu[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Point IA32_GS_BASE at percpu[id]. Before it runs, this_cpu() is invalid:
 * percpu_ready() tells whether this CPU has done it. */
void percpu_init(uint32_t id);
bool percpu_ready(void);

#endif
