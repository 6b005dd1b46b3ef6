/*
 * guest/lib/apic.c - local APIC access for the guest (see apic.h).
 *
 * Context: guest, 64-bit mode, any CPU, interrupts off.
 * Under chronovisor each access to the xAPIC page exits (it is emulated by
 * vmm/dev/lapic.c) and each x2APIC MSR access exits: this code touches the APIC
 * only while starting CPUs, never in a measurement loop.
 */
#include <stdint.h>

#include "guest/lib/apic.h"
#include "guest/lib/trap.h"
#include "guest/lib/x86.h"

#define APIC_BASE_EXTD        (1ull << 10)    /* x2APIC mode */
#define APIC_BASE_ADDR_MASK   0x000FFFFFFFFFF000ull
#define APIC_DEFAULT_BASE     0xFEE00000ull

#define APIC_REG_ID           0x020
#define APIC_REG_SVR          0x0F0
#define APIC_REG_ICR_LOW      0x300
#define APIC_REG_ICR_HIGH     0x310
#define X2APIC_MSR(reg)       (0x800u + ((reg) >> 4))
#define X2APIC_MSR_ICR        0x830u           /* 64-bit: destination in 63:32 */

#define SVR_APIC_ENABLE       (1u << 8)
#define SVR_SPURIOUS_VECTOR   0xFFu
#define XAPIC_ID_SHIFT        24

/* Polls of the delivery-status bit before apic_send_ipi gives up. On
 * hardware a send completes in well under a microsecond. */
#define ICR_IDLE_SPINS        1000000

static bool probed, x2apic;
static uint64_t mmio_base = APIC_DEFAULT_BASE;

void apic_init(void)
{
	uint64_t v;

	if (probed)
		return;
	if (rdmsr_safe(MSR_IA32_APIC_BASE, &v) == 0) {
		x2apic = v & APIC_BASE_EXTD;
		if (v & APIC_BASE_ADDR_MASK)
			mmio_base = v & APIC_BASE_ADDR_MASK;
	}
	probed = true;
}

bool apic_x2apic_mode(void)
{
	apic_init();
	return x2apic;
}

uint64_t apic_mmio_base(void)
{
	apic_init();
	return mmio_base;
}

static uint32_t apic_read(unsigned reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return mmio_read32(mmio_base + reg);
}

static void apic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(reg), v);
	else
		mmio_write32(mmio_base + reg, v);
}

uint32_t apic_id(void)
{
	apic_init();
	return x2apic ? apic_read(APIC_REG_ID) : apic_read(APIC_REG_ID) >> XAPIC_ID_SHIFT;
}

void apic_sw_enable(void)
{
	apic_init();
	apic_write(APIC_REG_SVR, apic_read(APIC_REG_SVR) | SVR_APIC_ENABLE | SVR_SPURIOUS_VECTOR);
}

bool apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	apic_init();
	if (x2apic) {
		/* x2APIC: one WRMSR sends it; there is no delivery-status bit. */
		wrmsr(X2APIC_MSR_ICR, ((uint64_t)dest << 32) | icr_low);
		return true;
	}
	apic_write(APIC_REG_ICR_HIGH, dest << XAPIC_ID_SHIFT);
	apic_write(APIC_REG_ICR_LOW, icr_low);   /* this write sends it */
	for (unsigned i = 0; i < ICR_IDLE_SPINS; i++) {
		if (!(apic_read(APIC_REG_ICR_LOW) & APIC_ICR_BUSY))
			return true;
		pause();
	}
	return false;
}
