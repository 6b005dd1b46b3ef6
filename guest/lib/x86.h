/*
 * guest/lib/x86.h - the x86 instructions a test guest uses, as inline functions.
 *
 * Context: guest, 64-bit mode, ring 0. Nothing here catches exceptions: the
 * checked forms (rdmsr_safe, wrmsr_safe, ...) live in guest/lib/trap.h.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include <stdbool.h>
#include <stdint.h>

/* CPUID bits the library and the tests look at (SDM Vol. 2A, "CPUID"). */
#define CPUID_1_ECX_VMX          (1u << 5)
#define CPUID_1_ECX_HYPERVISOR   (1u << 31)   /* "reserved for hypervisor use": set by VMMs */
#define CPUID_80000001_EDX_RDTSCP (1u << 27)
#define CPUID_80000001_EDX_LM    (1u << 29)

#define CR4_VMXE                 (1ull << 13)

/* MSRs (SDM Vol. 4, "Model-Specific Registers") */
#define MSR_IA32_APIC_BASE       0x0000001B
#define MSR_IA32_FEATURE_CONTROL 0x0000003A
#define MSR_IA32_VMX_BASIC       0x00000480
#define MSR_IA32_EFER            0xC0000080
#define MSR_IA32_TSC_AUX         0xC0000103

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* RDTSC is not ordered with earlier loads; callers that time code add lfence. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* LFENCE; RDTSC (Linux's rdtsc_ordered): the read waits for earlier
 * instructions, so two reads in a loop cannot pass each other. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline bool has_rdtscp(void)
{
	return cpuid(0x80000000).eax >= 0x80000001 &&
	       (cpuid(0x80000001).edx & CPUID_80000001_EDX_RDTSCP);
}

/* RDTSCP: TSC and IA32_TSC_AUX in *aux. #UD where has_rdtscp() is false. */
static inline uint64_t rdtscp(uint32_t *aux)
{
	uint32_t lo, hi, c;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	if (aux)
		*aux = c;
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void cli(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void pause(void)
{
	asm volatile("pause");
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif
