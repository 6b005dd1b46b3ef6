/*
 * guest/lib/apic.h - the local APIC as the guest's SMP start-up uses it.
 *
 * Context: guest, 64-bit mode, any CPU, interrupts off.
 * Registers: SDM Vol. 3A, "Local APIC Register Address Map" (xAPIC: MMIO at
 * IA32_APIC_BASE, normally 0xFEE00000, mapped uncached by entry.asm) and
 * "x2APIC Register Address Space" (MSR 0x800 + offset / 16). The mode is
 * whatever IA32_APIC_BASE says (bit 10, EXTD); the library never switches
 * it. A CPU whose IA32_APIC_BASE read raises #GP is taken to be in xAPIC
 * mode at 0xFEE00000.
 * Used: ID (0x20), version (0x30), spurious-interrupt vector (0xF0),
 * ICR (0x300 low, 0x310 high; x2APIC: one 64-bit MSR 0x830).
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* ICR low bits (SDM Vol. 3A, "Interrupt Command Register (ICR)") */
#define APIC_ICR_DM_INIT         (5u << 8)
#define APIC_ICR_DM_STARTUP      (6u << 8)
#define APIC_ICR_BUSY            (1u << 12)   /* delivery status: send pending (xAPIC only) */
#define APIC_ICR_LEVEL_ASSERT    (1u << 14)
#define APIC_ICR_TRIGGER_LEVEL   (1u << 15)

/* Reads IA32_APIC_BASE once; later calls are cheap. */
void apic_init(void);
bool apic_x2apic_mode(void);
uint64_t apic_mmio_base(void);
/* This CPU's APIC ID: xAPIC ID register bits 31:24, or the 32-bit x2APIC ID. */
uint32_t apic_id(void);
/* Software-enable the APIC (SVR bit 8, spurious vector 0xFF), as the SDM's
 * MP initialization has the BSP do before it sends IPIs. */
void apic_sw_enable(void);
/* Sends the IPI described by icr_low to physical APIC ID dest, then waits
 * (bounded) until the xAPIC says it was sent. false if it never did. */
bool apic_send_ipi(uint32_t dest, uint32_t icr_low);

#endif
