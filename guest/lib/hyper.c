/*
 * guest/lib/hyper.c - chronovisor detection and hypercall wrappers.
 *
 * Context: guest, 64-bit mode. Pointers passed to the hypervisor are guest-
 * physical addresses: the guest identity-maps its memory, so its pointers are.
 */
#include "guest/lib/hyper.h"
#include "guest/lib/trap.h"
#include "guest/lib/x86.h"

static int chronovisor_state = -1;    /* -1 unknown, 0 no, 1 yes */
static uint32_t hv_max_leaf;

bool hypervisor_present(void)
{
	return cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR;
}

bool on_chronovisor(void)
{
	if (chronovisor_state < 0) {
		struct cpuid_regs r = { 0 };

		if (hypervisor_present())
			r = cpuid(CPUID_HV_BASE);
		chronovisor_state = r.eax >= CPUID_HV_BASE && r.ebx == CHRONOVISOR_SIG_EBX &&
				    r.ecx == CHRONOVISOR_SIG_ECX && r.edx == CHRONOVISOR_SIG_EDX;
		hv_max_leaf = chronovisor_state ? r.eax : 0;
	}
	return chronovisor_state;
}

uint32_t chronovisor_max_leaf(void)
{
	return on_chronovisor() ? hv_max_leaf : 0;
}

uint32_t chronovisor_tsc_khz(void)
{
	return chronovisor_max_leaf() >= CPUID_HV_TSC_KHZ ? cpuid(CPUID_HV_TSC_KHZ).eax : 0;
}

int64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t ret = nr;

	exception_clear();
	asm volatile("1: vmcall\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : "+a"(ret)
		     : "D"(a0), "S"(a1), "d"(a2)
		     : "memory");
	return exception_vector() >= 0 ? HC_ENOSYS : (int64_t)ret;
}

int64_t hc_nop(void)
{
	return on_chronovisor() ? hypercall(HC_NOP, 0, 0, 0) : HC_ENOSYS;
}

int64_t hc_write(const void *buf, size_t len)
{
	return on_chronovisor() ? hypercall(HC_WRITE, (uintptr_t)buf, len, 0) : HC_ENOSYS;
}

int64_t hc_report(enum hc_report_kind kind, const char *name, size_t len)
{
	return on_chronovisor() ? hypercall(HC_REPORT, kind, (uintptr_t)name, len) : HC_ENOSYS;
}

int64_t hc_yield(void)
{
	return on_chronovisor() ? hypercall(HC_YIELD, 0, 0, 0) : HC_ENOSYS;
}

int64_t hc_counters(struct hc_counters *c)
{
	return on_chronovisor() ? hypercall(HC_COUNTERS, (uintptr_t)c, sizeof(*c), 0) : HC_ENOSYS;
}

int64_t hc_sleep(uint64_t ticks)
{
	return on_chronovisor() ? hypercall(HC_SLEEP, ticks, 0, 0) : HC_ENOSYS;
}

int64_t hc_clock(void)
{
	return on_chronovisor() ? hypercall(HC_CLOCK, 0, 0, 0) : HC_ENOSYS;
}

int64_t hc_ept_evict(uint64_t gpa)
{
	return on_chronovisor() ? hypercall(HC_EPT_EVICT, gpa, 0, 0) : HC_ENOSYS;
}

uint64_t hc_guest_tsc(void)
{
	return (uint64_t)(on_chronovisor() ? hypercall(HC_GUEST_TSC, 0, 0, 0) : HC_ENOSYS);
}

/* Straight-line from the RDTSC to the VMCALL: the hypervisor tells a sample
 * that straddles the vCPU's return to a pCPU by the guest RIP it resumed at,
 * which must then lie between the two (vmm/dev/hypercall.c:hc_tsc_check).
 * RSI holds the RDTSC's address; the bias (ticks from the RDTSC to the
 * hypervisor's exit-time TSC read) is fixed by this exact sequence. */
int64_t hc_tsc_check(int64_t *error, uint64_t *tsc)
{
	uint64_t ret, read, rip, rdx;

	if (!on_chronovisor())
		return HC_ENOSYS;
	exception_clear();
	asm volatile("lea 1f(%%rip), %%rsi\n\t"
		     "lfence\n\t"
		     "1: rdtsc\n\t"
		     "shl $32, %%rdx\n\t"
		     "or %%rdx, %%rax\n\t"
		     "mov %%rax, %%rdi\n\t"
		     "mov %[err], %%rdx\n\t"
		     "mov %[nr], %%eax\n\t"
		     "2: vmcall\n\t"
		     "3:\n\t"
		     EX_TABLE_ENTRY("2b", "3b")
		     : "=&a"(ret), "=&D"(read), "=&S"(rip), "=&d"(rdx)
		     : [err] "r"(error), [nr] "i"(HC_TSC_CHECK)
		     : "memory");
	(void)rip;
	(void)rdx;
	if (exception_vector() >= 0)
		return HC_ENOSYS;
	*tsc = read;
	return (int64_t)ret;
}
