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

#define MAX_CPUS          16
#define EXC_STACK_SIZE    8192    /* IST stack for #DF, NMI, #MC */

struct percpu {
	struct percpu *self;          /* offset 0: this_cpu() loads it via gs:0 */
	uint32_t cpu_id;              /* dense index 0..MAX_CPUS-1; 0 is the boot CPU */
	uint32_t apic_id;
	bool online;
	void *vmxon_region;           /* set once this pCPU is in VMX root operation */
	struct vcpu *current_vcpu;    /* the vCPU whose VMCS is current here, or NULL */
	struct vcpu *fpu_owner;       /* the vCPU whose FPU and debug registers are loaded here
				       * (vmm/core/guest_fpu.c), or NULL */
	uint64_t xcr0;                /* XCR0 as last written here (kernel/fpu.c) */
	uint8_t exc_stack[EXC_STACK_SIZE] __attribute__((aligned(16)));
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
