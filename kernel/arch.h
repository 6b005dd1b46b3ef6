/*
 * kernel/arch.h - thin inline wrappers for the x86-64 instructions the VMM uses.
 *
 * Context: kernel only (VMX root or boot). Never include from host-tested code.
 * MSR numbers live in lib/msr.h, VMX controls in vmx/vmx_defs.h.
 */
#ifndef CV_ARCH_H
#define CV_ARCH_H

#include "lib/types.h"
#include "lib/x86.h"
#include "lib/msr.h"

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#ifdef CV_FAKE_VMCS
/* The fuzz harnesses run the device model as a Linux program, where RDMSR
 * and WRMSR fault: a table stands in for the pCPU's MSRs (tests/fuzz/fake_vmm.c). */
uint64_t fake_rdmsr(uint32_t msr);
void fake_wrmsr(uint32_t msr, uint64_t val);
static inline uint64_t rdmsr(uint32_t msr)
{
	return fake_rdmsr(msr);
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	fake_wrmsr(msr, val);
}
#else
/* RDMSR/WRMSR of an MSR that does not exist raise #GP (SDM Vol. 2B, RDMSR):
 * callers read only MSRs whose presence CPUID or a capability MSR shows. */
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)val),
			 "d"((uint32_t)(val >> 32)) : "memory");
}
#endif

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* RDTSC that neither runs ahead of earlier loads and stores nor lets later
 * instructions run before it (SDM Vol. 2B, RDTSC: "MFENCE;LFENCE" before,
 * "LFENCE" after). Every timestamp that bounds a memory event uses it. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ volatile("mfence; lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Whether this CPU has IA32_TSC_ADJUST (CPUID.(EAX=7,ECX=0):EBX[1]; SDM
 * Vol. 3B, "Time-Stamp Counter Adjustment"). */
static inline bool cpu_has_tsc_adjust(void)
{
	static int8_t cached = -1;      /* CPUID is slow (and exits when nested): ask once */

	if (cached < 0)
		cached = cpuid(0, 0).eax >= CPUID_LEAF_EXT_FEATURES &&
			 (cpuid(CPUID_LEAF_EXT_FEATURES, 0).ebx & CPUID_7_EBX_TSC_ADJUST);
	return cached;
}

/* Physical-address width, CPUID.80000008H:EAX[7:0]; 36 where the leaf is
 * missing (SDM Vol. 3A, "Physical Address Space": MAXPHYADDR). */
static inline uint32_t cpu_phys_addr_bits(void)
{
	static uint32_t bits;

	if (!bits)
		bits = cpuid(CPUID_MAX_EXT_LEAF, 0).eax >= CPUID_LEAF_ADDR_SIZES
			? cpuid(CPUID_LEAF_ADDR_SIZES, 0).eax & 0xffu : 36;
	return bits;
}

/* Whether this CPU has IA32_PRED_CMD.IBPB (CPUID.(EAX=7,ECX=0):EDX[26],
 * "IBRS and IBPB"; Intel, "Speculative Execution Side Channel Mitigations"). */
static inline bool cpu_has_ibpb(void)
{
	static int8_t cached = -1;

	if (cached < 0)
		cached = cpuid(0, 0).eax >= CPUID_LEAF_EXT_FEATURES &&
			 (cpuid(CPUID_LEAF_EXT_FEATURES, 0).edx & CPUID_7_EDX_IBRS_IBPB);
	return cached;
}

/* Indirect branch prediction barrier: branch targets predicted before it
 * cannot steer indirect branches after it. Only where cpu_has_ibpb(). */
static inline void ibpb(void)
{
	wrmsr(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR_ACCESS(n)                                                    \
	static inline uint64_t read_cr##n(void)                                \
	{                                                                      \
		uint64_t v;                                                    \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));              \
		return v;                                                      \
	}                                                                      \
	static inline void write_cr##n(uint64_t v)                             \
	{                                                                      \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");       \
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)
#undef DEFINE_CR_ACCESS

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }

/* Stop this CPU for good: interrupts off, halt in a loop (NMIs wake hlt). */
static inline NORETURN void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif
