/*
 * vmm/time/vtsc.h - each vCPU's virtual TSC, applied to its VMCS.
 *
 * Context: VMX root. The arithmetic is vmm/tsc_math.[ch]; this file decides
 * when it runs: at VM creation, when a vCPU is loaded on a pCPU, and when
 * the guest writes IA32_TSC or IA32_TSC_ADJUST.
 */
#ifndef CV_VTSC_H
#define CV_VTSC_H

#include "vmm/time/tsc_math.h"
#include "lib/types.h"

struct vcpu;

/* The reference timeline: this pCPU's TSC minus its measured skew. */
uint64_t ref_now(void);

/* "Now" as the tsc= policy knows it: the reference timeline for percpu;
 * for none and kvm2633, which know nothing of skew, this pCPU's raw TSC
 * (as KVM's guest_write_tsc used the local host_tsc). */
uint64_t vtsc_policy_ref(const struct vcpu *v);

/* The host TSC frequency in kHz (calibrated at boot; 0 if unknown). */
uint64_t host_tsc_khz(void);

/* The reference instant the hypervisor booted at (HC_CLOCK counts from it). */
extern uint64_t boot_ref_tsc;

/* A new vCPU: its TSC reads 0 now and runs at mult (TSC_MULT_ONE: host rate). */
void vtsc_vcpu_init(struct vcpu *v, uint64_t mult);

/* The vCPU's VMCS was just made current on this pCPU: write TSC_OFFSET
 * (and TSC_MULTIPLIER) for this pCPU by the tsc= policy, run the guard,
 * and update the clock-error statistic. */
void vtsc_load(struct vcpu *v);

/* The vCPU leaves this pCPU: remember the host and guest TSC now (the
 * kvm2633 rule and the percpu guard compare against them). */
void vtsc_put(struct vcpu *v);

/* v->tsc changed while v is loaded here (guest WRMSR): rewrite TSC_OFFSET. */
void vtsc_offset_changed(struct vcpu *v);

/* What RDTSC in the guest would return now. */
uint64_t vtsc_guest_now(const struct vcpu *v);

/* Whether the host CPU has IA32_TSC_ADJUST (CPUID.7.0:EBX[1]); guests see
 * the MSR, always virtual, only then. */
bool host_has_tsc_adjust(void);

/* The guest's TSC frequency in kHz (host rate scaled by its multiplier). */
uint64_t vtsc_guest_khz(const struct vcpu *v);

#endif
