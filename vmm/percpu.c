/*
 * vmm/percpu.c - set up this pCPU's GS base so this_cpu() works.
 *
 * Context: kernel, each pCPU once at bring-up (the storage is in vmm/gdt.c
 * next to the TSSs it feeds).
 */
#include "vmm/percpu.h"
#include "vmm/arch.h"
#include "vmm/msr.h"

void percpu_init(uint32_t id)
{
	struct percpu *p = &percpu[id];

	p->self = p;
	p->cpu_id = id;
	p->online = true;
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)(uintptr_t)p);
}

bool percpu_ready(void)
{
	return rdmsr(MSR_IA32_GS_BASE) != 0;
}
