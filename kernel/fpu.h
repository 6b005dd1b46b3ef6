/*
 * kernel/fpu.h - the x87/SSE/AVX register file and the debug registers, as
 * the hypervisor switches them between vCPUs (kernel/fpu.c).
 *
 * Context: kernel, VMX root, interrupts off. The hypervisor itself is built
 * -mgeneral-regs-only and never touches the x87, SSE or AVX registers, nor
 * DR0-DR3/DR6: what they hold belongs to the guest last run here. So these
 * save and restore guest state only (vmm/core/guest_fpu.c decides when).
 */
#ifndef CV_FPU_H
#define CV_FPU_H

#include "lib/types.h"
#include "kernel/percpu.h"
#include "lib/x86.h"

/* Bytes of the XSAVE area for every component chronovisor switches, or of
 * the FXSAVE area (512) on a CPU without XSAVE. At most FPU_AREA_MAX. */
#define FPU_AREA_MAX   4096
#define FPU_AREA_ALIGN 64

struct fpu_host {
	bool xsave;             /* CPUID.1:ECX.XSAVE: XSAVE/XRSTOR/XSETBV, else FXSAVE */
	uint64_t xcr0_max;      /* the user components switched (x87 SSE AVX AVX-512 PKRU) */
	uint32_t area_size;     /* XSAVE area for xcr0_max (CPUID.(0DH,0):EBX with it set) */
};

extern struct fpu_host fpu_host;

/* On every pCPU, before its VMXON: CR0.EM and TS off, CR0.MP on, CR4.OSFXSR
 * and OSXMMEXCPT, and with XSAVE CR4.OSXSAVE and XCR0 = xcr0_max (SDM
 * Vol. 1, "Enabling the XSAVE Feature Set and XSAVE-Enabled Features").
 * The first call also fills fpu_host. The VMCS's HOST_CR4 must be read
 * after it (vmx/vmcs_setup.c). */
void fpu_cpu_init(void);

/* An area in its initial state (every component init, MXCSR 0x1F80, FCW
 * 0x37F): XRSTOR/FXRSTOR of it gives a guest the registers of a CPU just
 * after RESET (SDM Vol. 3A, "Processor State After Reset"; x87 as FNINIT). */
void fpu_area_init(void *area);

/* XSAVE (or FXSAVE) / XRSTOR (or FXRSTOR) of every switched component.
 * With XSAVE, XCR0 must be xcr0_max (fpu_set_xcr0): XSAVE saves only what
 * XCR0 enables (SDM Vol. 1, "Operation of XSAVE"). area: FPU_AREA_ALIGN
 * aligned, fpu_host.area_size bytes. */
static inline void fpu_save(void *area)
{
	uint64_t m = fpu_host.xcr0_max;

	if (fpu_host.xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)m),
				 "d"((uint32_t)(m >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static inline void fpu_restore(const void *area)
{
	uint64_t m = fpu_host.xcr0_max;

	if (fpu_host.xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)m),
				 "d"((uint32_t)(m >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

static inline void xsetbv(uint32_t idx, uint64_t val)
{
	__asm__ volatile("xsetbv" ::"c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

/* XSETBV(0, val) (XCR0), skipped when XCR0 already is val on pCPU cpu
 * (this one), and recorded. Inline: every slice switch and move comes
 * here, twice. */
static inline void fpu_set_xcr0_on(struct percpu *cpu, uint64_t val)
{
	if (cpu->xcr0 != val && fpu_host.xsave) {
		xsetbv(0, val);
		cpu->xcr0 = val;
	}
}

static inline void fpu_set_xcr0(uint64_t val)
{
	fpu_set_xcr0_on(this_cpu(), val);
}

/* DR0-DR3 and DR6. */
static inline void dr_save(uint64_t dr[5])
{
	__asm__ volatile("mov %%dr0, %0" : "=r"(dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(dr[3]));
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr[4]));
}

/* Are these DR0-DR3 and DR6 the values after INIT (SDM Vol. 3A, "IA-32
 * Processor States Following Power-up, Reset, or INIT")? */
static inline bool dr_at_init(const uint64_t dr[5])
{
	return !(dr[0] | dr[1] | dr[2] | dr[3]) && dr[4] == DR6_INIT;
}

static inline void dr_restore(const uint64_t dr[5])
{
	__asm__ volatile("mov %0, %%dr0" ::"r"(dr[0]));
	__asm__ volatile("mov %0, %%dr1" ::"r"(dr[1]));
	__asm__ volatile("mov %0, %%dr2" ::"r"(dr[2]));
	__asm__ volatile("mov %0, %%dr3" ::"r"(dr[3]));
	__asm__ volatile("mov %0, %%dr6" ::"r"(dr[4]));
}

#endif
