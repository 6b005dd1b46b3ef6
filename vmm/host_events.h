/*
 * vmm/host_events.h - host NMIs and stray host interrupts: the nmi_test=
 * teaching aid that sends them, and the end-of-run report of how each pCPU
 * took them.
 *
 * Context: VMX root, interrupts off. The counting itself is done where the
 * events arrive: kernel/trap.c (an NMI in VMX root, through the host IDT),
 * vmm/exits_core.c (an NMI or a host interrupt during guest execution, as a
 * VM exit). None is ever fatal, and none is ever given to a guest.
 */
#ifndef CV_HOST_EVENTS_H
#define CV_HOST_EVENTS_H

#include "lib/types.h"

/* nmi_test=N, called by pCPU 0's scheduler loop between slices and while it
 * idles: every HOST_EVENTS_TEST_GAP ticks it sends one NMI to the next pCPU
 * in turn (itself included) and, to another pCPU, one fixed IPI with a
 * vector no host code owns (HOST_STRAY_TEST_VECTOR), until N of each are
 * sent. ncpus: the pCPUs the scheduler uses. */
#define HOST_EVENTS_TEST_GAP 200000ULL
void host_events_test_step(uint32_t me, uint32_t ncpus);

/* One line per kind, after every VM ended: NMIs taken in VMX root and
 * during guest execution, stray host interrupts acknowledged and EOI'd, and
 * what nmi_test= sent. Silent when nothing happened and nothing was sent. */
void host_events_report(uint32_t ncpus);

#endif
