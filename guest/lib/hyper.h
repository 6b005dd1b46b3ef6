/*
 * guest/lib/hyper.h - is chronovisor underneath, and hypercalls to it.
 *
 * Context: guest, 64-bit mode.
 * Detection (what the hypervisor must provide; docs/design.md, "Guests"):
 *   CPUID.1:ECX[31] = 1 (hypervisor present), and CPUID leaf 0x40000000:
 *   EAX = highest hypervisor leaf (>= 0x40000000),
 *   EBX, ECX, EDX = "chro", "novi", "sor\0" (the 12 bytes "chronovisor\0").
 *   Leaf 0x40000010, when EAX reaches it: EAX = guest TSC frequency in kHz.
 * Hypercalls: VMCALL with RAX = number, RDI, RSI, RDX = arguments, result in
 * RAX (vmm/core/hypercall_abi.h, the shared ABI). Bare, VMCALL raises #UD, and under
 * another hypervisor it means something else: the hc_* wrappers return
 * HC_ENOSYS without executing VMCALL unless on_chronovisor().
 */
#ifndef GUEST_HYPER_H
#define GUEST_HYPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/core/hypercall_abi.h"

#define CPUID_HV_BASE           0x40000000
#define CPUID_HV_TSC_KHZ        0x40000010
#define CHRONOVISOR_SIG_EBX     0x6f726863u   /* "chro" */
#define CHRONOVISOR_SIG_ECX     0x69766f6eu   /* "novi" */
#define CHRONOVISOR_SIG_EDX     0x00726f73u   /* "sor\0" */

bool hypervisor_present(void);        /* CPUID.1:ECX[31] */
bool on_chronovisor(void);            /* the bit and the signature; cached */
uint32_t chronovisor_max_leaf(void);  /* 0 when not on chronovisor */
uint32_t chronovisor_tsc_khz(void);   /* 0 when not offered */

/* Raw VMCALL, checked: returns HC_ENOSYS if the instruction itself faulted
 * (exception_vector() then says which). Use only when on_chronovisor(). */
int64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

/* Typed wrappers; HC_ENOSYS when not on chronovisor. */
int64_t hc_nop(void);
int64_t hc_write(const void *buf, size_t len);
int64_t hc_report(enum hc_report_kind kind, const char *name, size_t len);
int64_t hc_yield(void);
int64_t hc_counters(struct hc_counters *c);
/* Leave the pCPU for at least ticks guest TSC ticks; guest time keeps running,
 * so t1 = rdtsc(); hc_sleep(N); t2 = rdtsc() gives t2 >= t1 + N. 0 on success. */
int64_t hc_sleep(uint64_t ticks);
/* Nanoseconds since the hypervisor booted, from its reference clock (the
 * calibrated host TSC); >= 0, or HC_ENOSYS when not on chronovisor. */
int64_t hc_clock(void);
/* This vCPU's TSC as the hypervisor computes it (what RDTSC would return at the
 * VMCALL), as an unsigned value; HC_ENOSYS when not on chronovisor. */
uint64_t hc_guest_tsc(void);
/* HC_TSC_CHECK: RDTSC and, a few instructions later, VMCALL with the value
 * read. The hypervisor puts in *error the difference between that value and
 * the ideal clock at the VM exit (docs/hypercalls.md); *tsc gets the value.
 * 0 on success; HC_EAGAIN when the vCPU left its pCPU between the RDTSC and
 * the VMCALL (read again); HC_ENOSYS when not on chronovisor. */
int64_t hc_tsc_check(int64_t *error, uint64_t *tsc);

/* HC_EPT_EVICT: the page at gpa (4 KiB aligned) leaves the EPT until the
 * guest next touches it (a test of exits during event delivery). */
int64_t hc_ept_evict(uint64_t gpa);

#endif
