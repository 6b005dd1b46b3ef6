/*
 * kernel/percpu.c - set up this pCPU's GS base so this_cpu() works.
 *
 * Context: kernel, each pCPU once at bring-up (the storage is in kernel/gdt.c
 * next to the TSSs it feeds).
 */
#include "kernel/percpu.h"
#include "kernel/arch.h"
#include "lib/msr.h"

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
