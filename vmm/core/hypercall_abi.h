/*
 * vmm/core/hypercall_abi.h - the hypercall ABI between chronovisor and its guests.
 *
 * Context: shared, unchanged, by the hypervisor (vmm/) and the guest library
 * (guest/). Plain C with no dependencies beyond <stdint.h>.
 *
 * A guest calls the hypervisor with VMCALL (SDM Vol. 3C, "VMCALL" causes a
 * VM exit in VMX non-root operation):
 *   RAX = hypercall number, RDI, RSI, RDX = arguments; result in RAX.
 *   Every other register is preserved. Pointers are guest-physical addresses
 *   (the guest library identity-maps its memory, so its pointers are GPAs).
 *   A negative result is an error (HC_E*). An unknown number returns
 *   HC_ENOSYS; it never ends the VM or the hypervisor.
 */
#ifndef CV_HYPERCALL_H
#define CV_HYPERCALL_H

#include <stdint.h>

enum hypercall_nr {
	HC_NOP = 0,          /* does nothing, returns 0: for measuring the round trip */
	HC_WRITE = 1,        /* RDI = string GPA, RSI = length (<= HC_WRITE_MAX): console output as [vmN] */
	HC_REPORT = 2,       /* RDI = HC_REPORT_*, RSI = name GPA, RDX = name length: one test result */
	HC_YIELD = 3,        /* give up the pCPU; guest time keeps running */
	HC_COUNTERS = 4,     /* RDI = GPA of struct hc_counters, RSI = its size: this vCPU's counters */
	HC_SLEEP = 5,        /* RDI = guest TSC ticks: leave the pCPU at least that long; guest time runs on */
	HC_CLOCK = 6,        /* returns nanoseconds since the hypervisor booted, from its reference clock */
	HC_GUEST_TSC = 7,    /* returns this vCPU's TSC as the hypervisor computes it (unsigned 64-bit) */
	HC_TSC_CHECK = 8,    /* RDI = guest TSC read by the RDTSC just before this VMCALL, RSI = that
			      * RDTSC's address (at most HC_TSC_CHECK_WINDOW bytes before the VMCALL),
			      * RDX = GPA of an int64_t that gets RDI minus the ideal clock at this exit;
			      * returns 0, or HC_EAGAIN when the vCPU left its pCPU in between */
	HC_EPT_EVICT = 9,    /* RDI = GPA of a page of guest RAM: it leaves the VM's EPT until the
			      * VM next touches it (an EPT violation maps it back, on the pCPU it
			      * happens on; other pCPUs may still hold the translation). A test
			      * device: an IDT or a stack on that page makes the next event's
			      * delivery exit. One page at a time: evicting another maps the first
			      * back. Returns 0 */
	HC_NR_COUNT
};

#define HC_WRITE_MAX      4096
#define HC_NAME_MAX       128
#define HC_TSC_CHECK_WINDOW 64

enum hc_report_kind { HC_REPORT_FAIL = 0, HC_REPORT_PASS = 1, HC_REPORT_SKIP = 2 };

/* Errors (returned in RAX as negative numbers) */
#define HC_ENOSYS   (-38LL)  /* unknown hypercall number */
#define HC_EFAULT   (-14LL)  /* a pointer outside the guest's RAM */
#define HC_EINVAL   (-22LL)  /* a bad argument (length, kind, size) */
#define HC_EPERM    (-1LL)   /* VMCALL from CPL > 0: only the guest kernel may call */
#define HC_EAGAIN   (-11LL)  /* HC_TSC_CHECK: the vCPU was off its pCPU between read and call */

/* Exit reasons are numbered as in SDM Vol. 3D, appendix "VMX Basic Exit Reasons". */
#define HC_EXIT_REASONS   80

struct hc_counters {
	uint64_t exits_total;
	uint64_t hypercalls;
	uint64_t exits_by_reason[HC_EXIT_REASONS];
	/* the vCPU's TSC story (vmm/time/vtsc.c): */
	uint64_t migrations;          /* loads on a pCPU other than the last one */
	uint64_t tsc_corrections;     /* percpu guard raises, or kvm2633 backwards fixes */
	uint64_t tsc_correction_ticks;/* ticks those added to its offset */
	uint64_t max_clock_error;     /* largest |guest clock - ideal clock| of an offset in force */
};

#endif
