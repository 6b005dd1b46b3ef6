/*
 * kernel/host_apic.h - this pCPU's own local APIC: its ID, and INIT / STARTUP IPIs.
 *
 * Context: kernel, any pCPU, interrupts off. The host's APIC, never a guest's
 * (that is vmm/dev/lapic.c). Works in xAPIC mode (registers in the 4 KiB page at
 * the IA32_APIC_BASE address, identity mapped) and in x2APIC mode (MSRs
 * 0x800 + register/16), chosen per call from IA32_APIC_BASE.EXTD, since UEFI
 * firmware may hand over with x2APIC on (SDM Vol. 3A, "Advanced Programmable
 * Interrupt Controller (APIC)", "Extended XAPIC (x2APIC)").
 */
#ifndef CV_HOST_APIC_H
#define CV_HOST_APIC_H

#include "lib/types.h"

/* Does this CPU have a local APIC (CPUID.1:EDX.APIC), globally enabled in
 * IA32_APIC_BASE, reachable by us? Prints why not when it is not. */
bool host_apic_usable(void);

/* True when this pCPU's APIC is in x2APIC mode. */
bool host_apic_x2apic(void);

/* Switch this pCPU's APIC from xAPIC to x2APIC mode (IA32_APIC_BASE.EXTD;
 * SDM Vol. 3A, "x2APIC State Transitions": xAPIC -> x2APIC is one WRMSR with
 * EN and EXTD set). False, with the reason printed, where CPUID.1:ECX.x2APIC
 * is 0 or the APIC is disabled. True at once if it is already on. */
bool host_apic_enable_x2apic(void);

/* This pCPU's APIC ID (8 bits in xAPIC mode, 32 in x2APIC mode). */
uint32_t host_apic_id(void);

/* The largest APIC ID an IPI can name in the current mode. */
uint32_t host_apic_max_id(void);

/* Send an INIT IPI (assert) to apic_id and wait until the APIC has sent it.
 * Returns false if the send never completed (xAPIC delivery status stuck). */
bool host_apic_send_init(uint32_t apic_id);

/* The vector of the IPI one pCPU sends another to make it leave its guest
 * (vmm/core/vcpu.c:vcpu_kick): high priority class, not a CPU exception,
 * not the spurious vector. A software choice, not an architectural one. */
#define KICK_VECTOR      0xF2
#define HOST_SPURIOUS_VECTOR 0xFF

/* Software-enable this pCPU's APIC (SVR bit 8, spurious vector 0xFF) with
 * TPR 0, so that it accepts fixed IPIs (an AP comes out of INIT with its
 * APIC software-disabled). The host still runs with IF = 0: such an IPI is
 * only ever taken as a VM exit ("external-interrupt exiting"). */
void host_apic_sw_enable(void);

/* Send a fixed IPI with this vector to apic_id (edge, physical destination);
 * does not wait for the delivery status. */
void host_apic_send_fixed(uint32_t apic_id, uint8_t vector);

/* Send an NMI to apic_id (nmi_test=, a teaching aid; the vector field is
 * ignored for NMI delivery: SDM Vol. 3A, "Interrupt Command Register"). */
void host_apic_send_nmi(uint32_t apic_id);

/* A vector no host code claims: nmi_test= sends fixed IPIs with it to show
 * that a stray host interrupt during guest execution is acknowledged,
 * logged once and EOI'd (vmm/exits_core.c:handle_external_interrupt). */
#define HOST_STRAY_TEST_VECTOR 0x41

/* EOI for the interrupt this pCPU acknowledged ("acknowledge interrupt on
 * exit" moved it to the ISR). */
void host_apic_eoi(void);

/* Send a STARTUP IPI: the target starts in real mode at vector_page << 12
 * (a page below 1 MiB). Same return convention. */
bool host_apic_send_startup(uint32_t apic_id, uint8_t vector_page);

#endif
