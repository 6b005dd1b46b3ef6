/*
 * guest/lib/apic.c - local APIC access for the guest (see apic.h).
 *
 * Context: guest, 64-bit mode, any CPU, interrupts on or off. Each CPU's
 * mode is cached in its struct guest_cpu (guest/lib/cpu.h), so a register
 * access is one MMIO access or one MSR access, never an IA32_APIC_BASE read.
 */
#include <stdint.h>

#include "guest/lib/apic.h"
#include "guest/lib/cpu.h"
#include "guest/lib/trap.h"
#include "guest/lib/x86.h"

#define APIC_BASE_ADDR_MASK   0x000FFFFFFFFFF000ull
#define APIC_DEFAULT_BASE     0xFEE00000ull
#define X2APIC_MSR_ICR        X2APIC_MSR(APIC_ICR)   /* 0x830, 64 bits */
#define X2APIC_MSR_SELF_IPI   X2APIC_MSR(APIC_SELF_IPI)
#define XAPIC_ID_SHIFT        24
#define XAPIC_DEST_SHIFT      24                     /* ICR2 bits 31:24 */
#define APIC_REG_STRIDE       0x10                   /* ISR/IRR/TMR: one 32-bit register per 0x10 */
#define APIC_VECTOR_REGS      8

/* Polls of the delivery-status bit before apic_send_ipi gives up. On
 * hardware a send completes in well under a microsecond. */
#define ICR_IDLE_SPINS        1000000

static uint64_t mmio_base = APIC_DEFAULT_BASE;

static enum apic_mode mode_of(uint64_t base)
{
	if (!(base & APIC_BASE_EN))
		return APIC_MODE_DISABLED;
	return base & APIC_BASE_EXTD ? APIC_MODE_X2APIC : APIC_MODE_XAPIC;
}

void apic_init(void)
{
	struct guest_cpu *c = this_cpu();
	uint64_t v;

	if (c->apic_mode)
		return;
	if (rdmsr_safe(MSR_IA32_APIC_BASE, &v) == 0) {
		c->apic_mode = mode_of(v);
		if (v & APIC_BASE_ADDR_MASK)
			mmio_base = v & APIC_BASE_ADDR_MASK;
	} else {
		c->apic_mode = APIC_MODE_XAPIC;
	}
}

enum apic_mode apic_mode(void)
{
	apic_init();
	return (enum apic_mode)this_cpu()->apic_mode;
}

bool apic_x2apic_mode(void)
{
	return apic_mode() == APIC_MODE_X2APIC;
}

uint64_t apic_mmio_base(void)
{
	apic_init();
	return mmio_base;
}

bool apic_has_x2apic(void)
{
	return cpuid(1).ecx & CPUID_1_ECX_X2APIC;
}

static int write_base(uint64_t v)
{
	int r = wrmsr_safe(MSR_IA32_APIC_BASE, v);

	if (r == 0)
		this_cpu()->apic_mode = mode_of(v);
	return r;
}

int apic_set_mode(enum apic_mode m)
{
	uint64_t base;

	apic_init();
	if (rdmsr_safe(MSR_IA32_APIC_BASE, &base) < 0)
		return -1;
	base &= ~(APIC_BASE_EN | APIC_BASE_EXTD);
	switch (m) {
	case APIC_MODE_DISABLED:
		return write_base(base);
	case APIC_MODE_XAPIC:
		if (apic_mode() == APIC_MODE_X2APIC && write_base(base) < 0)
			return -1;      /* x2APIC -> disabled first */
		return apic_mode() == APIC_MODE_XAPIC ? 0 : write_base(base | APIC_BASE_EN);
	case APIC_MODE_X2APIC:
		if (!apic_has_x2apic())
			return -1;
		if (apic_mode() == APIC_MODE_DISABLED && write_base(base | APIC_BASE_EN) < 0)
			return -1;      /* disabled -> xAPIC first */
		return write_base(base | APIC_BASE_EN | APIC_BASE_EXTD);
	}
	return -1;
}

uint32_t apic_read(unsigned reg)
{
	if (apic_x2apic_mode())
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return mmio_read32(mmio_base + reg);
}

void apic_write(unsigned reg, uint32_t v)
{
	if (apic_x2apic_mode())
		wrmsr(X2APIC_MSR(reg), v);
	else
		mmio_write32(mmio_base + reg, v);
}

uint64_t apic_icr_read(void)
{
	if (apic_x2apic_mode())
		return rdmsr(X2APIC_MSR_ICR);
	return ((uint64_t)(apic_read(APIC_ICR2) >> XAPIC_DEST_SHIFT) << 32) | apic_read(APIC_ICR);
}

void apic_icr_write(uint64_t icr)
{
	if (apic_x2apic_mode()) {
		wrmsr(X2APIC_MSR_ICR, icr);
		return;
	}
	apic_write(APIC_ICR2, (uint32_t)(icr >> 32) << XAPIC_DEST_SHIFT);
	apic_write(APIC_ICR, (uint32_t)icr);   /* this write sends it */
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return apic_x2apic_mode() ? id : id >> XAPIC_ID_SHIFT;
}

void apic_sw_enable(void)
{
	apic_write(APIC_SVR, apic_read(APIC_SVR) | APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
}

void apic_sw_disable(void)
{
	apic_write(APIC_SVR, apic_read(APIC_SVR) & ~APIC_SVR_ENABLE);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_set_tpr(uint32_t tpr)
{
	apic_write(APIC_TPR, tpr);
}

uint32_t apic_tpr(void)
{
	return apic_read(APIC_TPR);
}

uint32_t apic_ppr(void)
{
	return apic_read(APIC_PPR);
}

static bool vector_test(unsigned base, unsigned vector)
{
	return apic_read(base + (vector / 32) * APIC_REG_STRIDE) & (1u << (vector % 32));
}

static int vector_highest(unsigned base)
{
	for (int i = APIC_VECTOR_REGS - 1; i >= 0; i--) {
		uint32_t v = apic_read(base + (unsigned)i * APIC_REG_STRIDE);

		if (v)
			return i * 32 + 31 - __builtin_clz(v);
	}
	return -1;
}

bool apic_isr_test(unsigned vector)
{
	return vector_test(APIC_ISR, vector);
}

bool apic_irr_test(unsigned vector)
{
	return vector_test(APIC_IRR, vector);
}

int apic_isr_highest(void)
{
	return vector_highest(APIC_ISR);
}

int apic_irr_highest(void)
{
	return vector_highest(APIC_IRR);
}

uint32_t apic_esr(void)
{
	apic_write(APIC_ESR, 0);
	return apic_read(APIC_ESR);
}

/* Writes the ICR; in xAPIC mode waits (bounded) for delivery status idle. */
static bool send(uint64_t icr)
{
	apic_icr_write(icr);
	if (apic_x2apic_mode())
		return true;    /* x2APIC: no delivery-status bit */
	for (unsigned i = 0; i < ICR_IDLE_SPINS; i++) {
		if (!(apic_read(APIC_ICR) & APIC_ICR_BUSY))
			return true;
		pause();
	}
	return false;
}

bool apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	return send(((uint64_t)dest << 32) | icr_low);
}

bool apic_ipi_fixed(uint32_t dest, unsigned vector)
{
	return apic_send_ipi(dest, APIC_ICR_DM_FIXED | APIC_ICR_LEVEL_ASSERT | APIC_ICR_VECTOR(vector));
}

bool apic_ipi_all_but_self(unsigned vector)
{
	return send(APIC_ICR_DEST_ALL_BUT_SELF | APIC_ICR_DM_FIXED | APIC_ICR_LEVEL_ASSERT |
		    APIC_ICR_VECTOR(vector));
}

bool apic_self_ipi(unsigned vector)
{
	return send(APIC_ICR_DEST_SELF | APIC_ICR_DM_FIXED | APIC_ICR_LEVEL_ASSERT |
		    APIC_ICR_VECTOR(vector));
}

void apic_x2apic_self_ipi(unsigned vector)
{
	wrmsr(X2APIC_MSR_SELF_IPI, vector & 0xFFu);
}

bool apic_ipi_nmi(uint32_t dest)
{
	return apic_send_ipi(dest, APIC_ICR_DM_NMI | APIC_ICR_LEVEL_ASSERT);
}

/* The de-assert is what the SDM's MP start-up sequence sends on old CPUs;
 * x2APIC has no INIT level de-assert ("Interrupt Command Register (ICR)"),
 * so it is sent in xAPIC mode only. */
bool apic_ipi_init(uint32_t dest)
{
	if (!apic_send_ipi(dest, APIC_ICR_DM_INIT | APIC_ICR_LEVEL_ASSERT | APIC_ICR_TRIGGER_LEVEL))
		return false;
	if (apic_x2apic_mode())
		return true;
	return apic_send_ipi(dest, APIC_ICR_DM_INIT | APIC_ICR_TRIGGER_LEVEL);
}

bool apic_ipi_startup(uint32_t dest, uint8_t page)
{
	return apic_send_ipi(dest, APIC_ICR_DM_STARTUP | page);
}
