/*
 * guest/lib/apic.h - the local APIC: register access in xAPIC and x2APIC
 * mode, mode switches, EOI, TPR/PPR/ISR/IRR/ESR, IPIs.
 *
 * Context: guest, 64-bit mode, any CPU; the functions touch only the calling
 * CPU's APIC. Interrupts may be on: nothing here takes a lock.
 * Registers: SDM Vol. 3A, "Local APIC Register Address Map" (xAPIC: MMIO at
 * IA32_APIC_BASE, normally 0xFEE00000, mapped uncached by entry.asm) and
 * "x2APIC Register Address Space" (MSR 0x800 + offset / 16; the ICR is one
 * 64-bit MSR, 0x830). The register offsets below are the xAPIC ones;
 * apic_read/apic_write take them in both modes.
 *
 * Mode: each CPU's own, as its IA32_APIC_BASE says (bit 11 EN, bit 10
 * EXTD), read once per CPU by apic_init() and cached in this_cpu()
 * (guest/lib/cpu.h): an AP comes up in xAPIC mode whatever the boot CPU
 * did. Only apic_set_mode() changes it ("x2APIC State Transitions": xAPIC
 * -> x2APIC directly, x2APIC -> xAPIC only through disabled, which resets
 * every register but the ID; INIT keeps the mode). A CPU whose
 * IA32_APIC_BASE read raises #GP is taken to be in xAPIC mode at 0xFEE00000.
 *
 * Under chronovisor each xAPIC page access and each x2APIC MSR access
 * exits; none of this belongs in a measurement loop.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets (xAPIC MMIO; x2APIC MSR = 0x800 + offset / 16) */
#define APIC_ID                  0x020
#define APIC_VERSION             0x030
#define APIC_TPR                 0x080
#define APIC_APR                 0x090   /* xAPIC only */
#define APIC_PPR                 0x0A0
#define APIC_EOI                 0x0B0   /* write-only */
#define APIC_RRD                 0x0C0   /* xAPIC only */
#define APIC_LDR                 0x0D0   /* read-only in x2APIC mode */
#define APIC_DFR                 0x0E0   /* xAPIC only */
#define APIC_SVR                 0x0F0
#define APIC_ISR                 0x100   /* 8 registers, 0x10 apart: vectors 32*i .. 32*i+31 */
#define APIC_TMR                 0x180
#define APIC_IRR                 0x200
#define APIC_ESR                 0x280
#define APIC_LVT_CMCI            0x2F0
#define APIC_ICR                 0x300   /* x2APIC: 64 bits, MSR 0x830 */
#define APIC_ICR2                0x310   /* xAPIC only: destination in 31:24 */
#define APIC_LVT_TIMER           0x320
#define APIC_LVT_THERMAL         0x330
#define APIC_LVT_PMC             0x340
#define APIC_LVT_LINT0           0x350
#define APIC_LVT_LINT1           0x360
#define APIC_LVT_ERROR           0x370
#define APIC_TMICT               0x380   /* timer initial count */
#define APIC_TMCCT               0x390   /* timer current count, read-only */
#define APIC_TDCR                0x3E0   /* timer divide configuration */
#define APIC_SELF_IPI            0x3F0   /* x2APIC only, write-only: MSR 0x83F */

#define X2APIC_MSR_BASE          0x800u
#define X2APIC_MSR(reg)          (X2APIC_MSR_BASE + ((reg) >> 4))
#define MSR_IA32_TSC_DEADLINE    0x6E0u

/* CPUID.1:ECX */
#define CPUID_1_ECX_X2APIC       (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

/* IA32_APIC_BASE */
#define APIC_BASE_BSP            (1ull << 8)
#define APIC_BASE_EXTD           (1ull << 10)  /* x2APIC mode */
#define APIC_BASE_EN             (1ull << 11)  /* APIC globally enabled */

/* SVR */
#define APIC_SVR_ENABLE          (1u << 8)      /* software enable */
#define APIC_SPURIOUS_VECTOR     0xFFu          /* what apic_sw_enable() sets */

/* ICR low bits (SDM Vol. 3A, "Interrupt Command Register (ICR)") */
#define APIC_ICR_VECTOR(v)       ((uint32_t)(v) & 0xFFu)
#define APIC_ICR_DM_FIXED        (0u << 8)
#define APIC_ICR_DM_NMI          (4u << 8)
#define APIC_ICR_DM_INIT         (5u << 8)
#define APIC_ICR_DM_STARTUP      (6u << 8)
#define APIC_ICR_DEST_LOGICAL    (1u << 11)
#define APIC_ICR_BUSY            (1u << 12)   /* delivery status: send pending (xAPIC only) */
#define APIC_ICR_LEVEL_ASSERT    (1u << 14)
#define APIC_ICR_TRIGGER_LEVEL   (1u << 15)
#define APIC_ICR_DEST_SELF       (1u << 18)   /* destination shorthands, bits 19:18 */
#define APIC_ICR_DEST_ALL        (2u << 18)
#define APIC_ICR_DEST_ALL_BUT_SELF (3u << 18)

/* LVT bits (SDM Vol. 3A, "Local Vector Table") */
#define APIC_LVT_VECTOR_MASK     0xFFu
#define APIC_LVT_DM_NMI          (4u << 8)
#define APIC_LVT_DM_EXTINT       (7u << 8)
#define APIC_LVT_PENDING         (1u << 12)   /* delivery status */
#define APIC_LVT_MASKED          (1u << 16)
#define APIC_LVT_TIMER_ONESHOT   (0u << 17)
#define APIC_LVT_TIMER_PERIODIC  (1u << 17)
#define APIC_LVT_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_LVT_TIMER_MODE_MASK (3u << 17)

/* ESR bits ("Error Handling") */
#define APIC_ESR_SEND_ILLEGAL_VECTOR    (1u << 5)
#define APIC_ESR_RECEIVE_ILLEGAL_VECTOR (1u << 6)
#define APIC_ESR_ILLEGAL_REGISTER       (1u << 7)

enum apic_mode {
	APIC_MODE_DISABLED = 1,         /* EN = 0 */
	APIC_MODE_XAPIC = 2,            /* EN = 1, EXTD = 0 */
	APIC_MODE_X2APIC = 3,           /* EN = 1, EXTD = 1 */
};

/* Reads IA32_APIC_BASE once per CPU; later calls are cheap. */
void apic_init(void);
bool apic_x2apic_mode(void);
enum apic_mode apic_mode(void);
uint64_t apic_mmio_base(void);
/* CPUID.1:ECX[21]: the CPU can do x2APIC mode. */
bool apic_has_x2apic(void);
/*
 * Moves this CPU's APIC to mode m through legal transitions only: to x2APIC
 * from xAPIC directly (from disabled through xAPIC); to xAPIC from x2APIC
 * through disabled, which resets the APIC (software-disabled, LVTs masked).
 * Returns 0, or -1 when a WRMSR faulted or x2APIC is asked for on a CPU
 * without it (the mode is then whatever IA32_APIC_BASE says).
 */
int apic_set_mode(enum apic_mode m);

/* Any register by its xAPIC offset, in the current mode (32 bits; the ICR
 * is the exception: use apic_icr_read/apic_icr_write). Unchecked: a register
 * that does not exist in x2APIC mode raises #GP. */
uint32_t apic_read(unsigned reg);
void apic_write(unsigned reg, uint32_t v);
/* The ICR as x2APIC has it: destination in bits 63:32 (xAPIC: ICR2 bits
 * 31:24 move there). Writing sends the IPI. */
uint64_t apic_icr_read(void);
void apic_icr_write(uint64_t icr);

/* This CPU's APIC ID: xAPIC ID register bits 31:24, or the 32-bit x2APIC ID. */
uint32_t apic_id(void);
/* Software-enable the APIC (SVR bit 8, spurious vector 0xFF), as the SDM's
 * MP initialization has the BSP do before it sends IPIs. */
void apic_sw_enable(void);
void apic_sw_disable(void);

/* End of interrupt: clears the highest-priority bit in the ISR. */
void apic_eoi(void);
/* Task priority: a vector is delivered only when its class (vector >> 4)
 * is above the PPR's class. */
void apic_set_tpr(uint32_t tpr);
uint32_t apic_tpr(void);
uint32_t apic_ppr(void);
/* Bit vector of the in-service, request and trigger-mode registers. */
bool apic_isr_test(unsigned vector);
bool apic_irr_test(unsigned vector);
/* Highest vector set in the ISR or IRR, -1 when none. */
int apic_isr_highest(void);
int apic_irr_highest(void);
/* Error status: writes the ESR (which latches the errors seen since the
 * last write, as the SDM asks before each read), then reads it. */
uint32_t apic_esr(void);

/* Sends the IPI described by icr_low to physical APIC ID dest, then waits
 * (bounded) until the xAPIC says it was sent. false if it never did. */
bool apic_send_ipi(uint32_t dest, uint32_t icr_low);
/* Fixed interrupt to physical APIC ID dest / to every CPU but this one. */
bool apic_ipi_fixed(uint32_t dest, unsigned vector);
bool apic_ipi_all_but_self(unsigned vector);
/* To this CPU: the ICR's "self" shorthand. */
bool apic_self_ipi(unsigned vector);
/* x2APIC only: the SELF IPI register (MSR 0x83F). */
void apic_x2apic_self_ipi(unsigned vector);
bool apic_ipi_nmi(uint32_t dest);
/* INIT (level assert, then in xAPIC mode the de-assert older CPUs want;
 * x2APIC has none) and STARTUP
 * with the trampoline at page << 12 (below 1 MiB). */
bool apic_ipi_init(uint32_t dest);
bool apic_ipi_startup(uint32_t dest, uint8_t page);

#endif
