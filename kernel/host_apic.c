/*
 * kernel/host_apic.c - this pCPU's local APIC in xAPIC or x2APIC mode: ID and
 * the INIT / STARTUP IPIs that start the APs.
 *
 * Context: kernel, any pCPU, interrupts off. Register layout: SDM Vol. 3A,
 * "Advanced Programmable Interrupt Controller (APIC)": "Local APIC Register
 * Address Map", "Local APIC ID", "Interrupt Command Register (ICR)"; in
 * x2APIC mode "x2APIC Register Address Space" (MSR 0x800 + offset / 16) and
 * "x2APIC Interrupt Command Register (ICR) Operation" (one 64-bit MSR, the
 * destination in bits 63:32, no delivery-status bit).
 */
#include "kernel/host_apic.h"
#include "lib/x86.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "lib/msr.h"
#include "lib/x86.h"

/* Register offsets, ICR fields: lib/x86.h (SDM Vol. 3A, "Local APIC
 * Register Address Map", "Interrupt Command Register (ICR)"). */
#define XAPIC_MAX_ID             0xFEu     /* 0xFF is the broadcast destination */
#define X2APIC_DEST_SHIFT        32
#define X2APIC_MAX_ID            0xFFFFFFFEu  /* 0xFFFFFFFF is broadcast */
#define X2APIC_MSR_OF(off)       (MSR_X2APIC_FIRST + (off) / APIC_REG_SLOT)
#define ICR_DELIVERY_INIT        (APIC_DM_INIT << APIC_DM_SHIFT)
#define ICR_DELIVERY_STARTUP     (APIC_DM_STARTUP << APIC_DM_SHIFT)

/* Polls of the delivery-status bit before giving up (microseconds on hardware). */
#define ICR_SEND_POLL_LIMIT      1000000u

static uint64_t apic_base_msr(void)
{
	return rdmsr(MSR_IA32_APIC_BASE);
}

bool host_apic_x2apic(void)
{
	return (apic_base_msr() & APIC_BASE_EXTD) != 0;
}

static volatile uint32_t *xapic_reg(uint32_t offset)
{
	return (volatile uint32_t *)phys_to_virt((apic_base_msr() & APIC_BASE_ADDR_MASK) + offset);
}

bool host_apic_usable(void)
{
	if (!(cpuid(CPUID_LEAF_FEATURES, 0).edx & CPUID_1_EDX_APIC)) {
		kprintf("[hv] apic: this CPU has no local APIC (CPUID.1:EDX.APIC[bit 9] = 0)\n");
		return false;
	}
	uint64_t base = apic_base_msr();
	if (!(base & APIC_BASE_ENABLE)) {
		kprintf("[hv] apic: the local APIC is disabled in IA32_APIC_BASE (%#lx)\n", base);
		return false;
	}
	if (!(base & APIC_BASE_EXTD) && (base & APIC_BASE_ADDR_MASK) >= 4 * GiB) {
		kprintf("[hv] apic: xAPIC registers at %#llx lie outside the 4 GiB identity map\n",
			base & APIC_BASE_ADDR_MASK);
		return false;
	}
	return true;
}

bool host_apic_enable_x2apic(void)
{
	uint64_t base = apic_base_msr();

	if (base & APIC_BASE_EXTD)
		return true;
	if (!(cpuid(CPUID_LEAF_FEATURES, 0).ecx & CPUID_1_ECX_X2APIC)) {
		kprintf("[hv] apic: x2apic=on, but this CPU has no x2APIC (CPUID.1:ECX[bit 21] = 0)\n");
		return false;
	}
	if (!(base & APIC_BASE_ENABLE)) {
		kprintf("[hv] apic: x2apic=on, but the local APIC is disabled (IA32_APIC_BASE %#lx)\n", base);
		return false;
	}
	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	return host_apic_x2apic();
}

uint32_t host_apic_id(void)
{
	if (host_apic_x2apic())
		return (uint32_t)rdmsr(X2APIC_MSR_OF(APIC_REG_ID));
	return *xapic_reg(APIC_REG_ID) >> APIC_XAPIC_ID_SHIFT;
}

uint32_t host_apic_max_id(void)
{
	return host_apic_x2apic() ? X2APIC_MAX_ID : XAPIC_MAX_ID;
}

/* Write the ICR (fixed destination mode "physical", no shorthand) and wait
 * until the APIC has sent the IPI. */
static bool send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	/* The target reads what we stored just before (the trampoline's
	 * parameters): make the stores globally visible first; a WRMSR to an
	 * x2APIC register is not serializing (SDM Vol. 3A, "x2APIC Register
	 * Address Space"). */
	__asm__ volatile("mfence" ::: "memory");
	if (host_apic_x2apic()) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << X2APIC_DEST_SHIFT) | icr_low);
		return true;
	}
	*xapic_reg(APIC_REG_ICR_HIGH) = apic_id << APIC_XAPIC_ID_SHIFT;
	*xapic_reg(APIC_REG_ICR_LOW) = icr_low;         /* this write sends it */
	for (uint32_t i = 0; i < ICR_SEND_POLL_LIMIT; i++) {
		if (!(*xapic_reg(APIC_REG_ICR_LOW) & APIC_DELIVERY_STATUS))
			return true;
		cpu_relax();
	}
	return false;
}

bool host_apic_send_init(uint32_t apic_id)
{
	return send_ipi(apic_id, ICR_DELIVERY_INIT | APIC_ICR_LEVEL_ASSERT);
}

bool host_apic_send_startup(uint32_t apic_id, uint8_t vector_page)
{
	return send_ipi(apic_id, ICR_DELIVERY_STARTUP | APIC_ICR_LEVEL_ASSERT | vector_page);
}

static uint32_t reg_read(uint32_t off)
{
	return host_apic_x2apic() ? (uint32_t)rdmsr(X2APIC_MSR_OF(off)) : *xapic_reg(off);
}

static void reg_write(uint32_t off, uint32_t val)
{
	if (host_apic_x2apic())
		wrmsr(X2APIC_MSR_OF(off), val);
	else
		*xapic_reg(off) = val;
}

void host_apic_sw_enable(void)
{
	reg_write(APIC_REG_TPR, 0);
	reg_write(APIC_REG_SVR, (reg_read(APIC_REG_SVR) & ~APIC_SVR_VECTOR_MASK) | APIC_SVR_ENABLE |
		  HOST_SPURIOUS_VECTOR);
}

/* send_ipi for the kicks and NMIs of a running system: it waits for the
 * previous IPI, not for this one, and needs no fence (no trampoline data). */
static void send_ipi_nowait(uint32_t apic_id, uint32_t icr_low)
{
	if (host_apic_x2apic()) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << X2APIC_DEST_SHIFT) | icr_low);
		return;
	}
	/* Each pCPU writes only its own APIC's ICR, with IF = 0: nothing
	 * interleaves. A previous IPI still being sent is waited for first
	 * (bounded: a stuck one is only a kick lost, which the slice bounds). */
	for (uint32_t i = 0; i < ICR_SEND_POLL_LIMIT &&
	     (*xapic_reg(APIC_REG_ICR_LOW) & APIC_DELIVERY_STATUS); i++)
		cpu_relax();
	*xapic_reg(APIC_REG_ICR_HIGH) = apic_id << APIC_XAPIC_ID_SHIFT;
	*xapic_reg(APIC_REG_ICR_LOW) = icr_low;
}

void host_apic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	send_ipi_nowait(apic_id, (APIC_DM_FIXED << APIC_DM_SHIFT) | APIC_ICR_LEVEL_ASSERT | vector);
}

void host_apic_send_nmi(uint32_t apic_id)
{
	send_ipi_nowait(apic_id, (APIC_DM_NMI << APIC_DM_SHIFT) | APIC_ICR_LEVEL_ASSERT);
}

void host_apic_eoi(void)
{
	reg_write(APIC_REG_EOI, 0);
}
