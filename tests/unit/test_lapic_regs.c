/*
 * tests/unit/test_lapic_regs.c - host unit tests for vmm/dev/lapic_regs.c,
 * the register model of chronovisor's virtual local APIC.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * Each test states the SDM rule it checks (SDM Vol. 3A, chapter "Advanced
 * Programmable Interrupt Controller (APIC)", sections cited by title), so a
 * failure names the rule that broke.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/msr.h"
#include "vmm/dev/lapic_regs.h"

const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

static uint32_t rd(const struct lapic_regs *r, unsigned off)
{
	uint32_t v = 0xDEADBEEF;

	assert_true(lapic_reg_read(r, off, &v));
	return v;
}

static void enabled_xapic(struct lapic_regs *r, uint32_t id)
{
	lapic_regs_reset(r, id, false, true);
	assert_int_equal(lapic_reg_write(r, APIC_REG_SVR, APIC_SVR_ENABLE | 0xFF), LAPIC_FX_NONE);
}

static unsigned x2(uint32_t msr)
{
	return lapic_x2apic_offset(msr);
}

/* "Local APIC State After Power-Up or Reset" */
static void test_reset_state(void **state)
{
	struct lapic_regs r;

	lapic_regs_reset(&r, 3, false, true);
	assert_int_equal(rd(&r, APIC_REG_ID), 3u << 24);
	assert_int_equal(rd(&r, APIC_REG_VERSION), LAPIC_VERSION_VALUE);
	assert_int_equal(rd(&r, APIC_REG_SVR), 0xFF);
	assert_int_equal(rd(&r, APIC_REG_DFR), 0xFFFFFFFF);
	assert_int_equal(rd(&r, APIC_REG_TPR), 0);
	assert_int_equal(rd(&r, APIC_REG_PPR), 0);
	for (unsigned off = APIC_REG_LVT_TIMER; off <= APIC_REG_LVT_ERROR; off += 16)
		assert_int_equal(rd(&r, off), APIC_LVT_MASKED);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(&r, APIC_REG_IRR + 16 * i), 0);
		assert_int_equal(rd(&r, APIC_REG_ISR + 16 * i), 0);
	}
	/* x2APIC mode: a 32-bit ID and the derived logical ID */
	lapic_regs_reset(&r, 0x13, true, true);
	assert_int_equal(rd(&r, APIC_REG_ID), 0x13);
	assert_int_equal(rd(&r, APIC_REG_LDR), (1u << 16) | (1u << 3));
}

/* "Processor Priority Register (PPR)": PPR = TPR if TPR[7:4] >= ISRV[7:4],
 * else ISRV[7:4] << 4. */
static void test_ppr_priority_classes(void **state)
{
	struct lapic_regs r;

	enabled_xapic(&r, 0);
	assert_true(lapic_accept_irq(&r, 0x61, false));
	lapic_ack(&r, 0x61);
	lapic_reg_write(&r, APIC_REG_TPR, 0x52);
	assert_int_equal(lapic_ppr(&r), 0x60);
	lapic_reg_write(&r, APIC_REG_TPR, 0x75);
	assert_int_equal(lapic_ppr(&r), 0x75);
	lapic_reg_write(&r, APIC_REG_TPR, 0x6F);
	assert_int_equal(lapic_ppr(&r), 0x6F);
	assert_int_equal(rd(&r, APIC_REG_PPR), 0x6F);
	/* TPR keeps bits 7:0 only */
	lapic_reg_write(&r, APIC_REG_TPR, 0x1234);
	assert_int_equal(rd(&r, APIC_REG_TPR), 0x34);
}

/* An interrupt is presented only if its class is above PPR's class, and
 * only by a software-enabled APIC. */
static void test_deliverable_against_tpr(void **state)
{
	struct lapic_regs r;

	lapic_regs_reset(&r, 0, false, true);
	assert_false(lapic_accept_irq(&r, 0x52, false));    /* software-disabled */
	assert_int_equal(lapic_deliverable(&r), -1);
	enabled_xapic(&r, 0);
	assert_true(lapic_accept_irq(&r, 0x41, false));
	assert_true(lapic_accept_irq(&r, 0x52, false));
	assert_int_equal(lapic_deliverable(&r), 0x52);
	assert_int_equal(rd(&r, APIC_REG_IRR + 0x20), (1u << 1) | (1u << 18));
	lapic_reg_write(&r, APIC_REG_TPR, 0x50);            /* class 5 not above 5 */
	assert_int_equal(lapic_deliverable(&r), -1);
	assert_int_equal(lapic_blocked_by_tpr(&r), 0x52);
	lapic_reg_write(&r, APIC_REG_TPR, 0x4F);
	assert_int_equal(lapic_deliverable(&r), 0x52);
	assert_int_equal(lapic_blocked_by_tpr(&r), -1);
}

/* "End-Of-Interrupt (EOI)": the highest ISR bit goes; nesting by class. */
static void test_ack_eoi_nesting(void **state)
{
	struct lapic_regs r;

	enabled_xapic(&r, 0);
	lapic_accept_irq(&r, 0x41, false);
	lapic_accept_irq(&r, 0x52, false);
	lapic_ack(&r, 0x52);
	assert_int_equal(lapic_ppr(&r), 0x50);
	assert_int_equal(lapic_deliverable(&r), -1);        /* 0x41: class 4 below 5 */
	assert_int_equal(lapic_blocked_by_tpr(&r), -1);     /* held by the ISR, not the TPR */
	lapic_accept_irq(&r, 0x80, false);
	assert_int_equal(lapic_deliverable(&r), 0x80);      /* a higher class nests */
	lapic_ack(&r, 0x80);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_EOI, 0), LAPIC_FX_EOI);
	assert_int_equal(lapic_highest(r.isr), 0x52);       /* 0x80 went first */
	assert_int_equal(lapic_eoi(&r), 0x52);
	assert_int_equal(lapic_deliverable(&r), 0x41);
	lapic_ack(&r, 0x41);
	assert_int_equal(lapic_eoi(&r), 0x41);
	assert_int_equal(lapic_eoi(&r), -1);                /* nothing in service */
	/* same vector twice while pending: one IRR bit (edge interrupts merge) */
	lapic_accept_irq(&r, 0x90, false);
	lapic_accept_irq(&r, 0x90, false);
	lapic_ack(&r, 0x90);
	assert_int_equal(lapic_deliverable(&r), -1);
	/* level-triggered acceptance sets TMR, edge clears it */
	lapic_accept_irq(&r, 0xA0, true);
	assert_int_equal(rd(&r, APIC_REG_TMR + 0x50), 1u);
	lapic_accept_irq(&r, 0xA0, false);
	assert_int_equal(rd(&r, APIC_REG_TMR + 0x50), 0u);
}

/* "Error Handling": vectors 0-15 are illegal; ESR shows errors after a
 * write; the LVT error entry raises its interrupt. */
static void test_esr_and_error_interrupt(void **state)
{
	struct lapic_regs r;

	enabled_xapic(&r, 0);
	assert_false(lapic_accept_irq(&r, 7, false));
	assert_int_equal(rd(&r, APIC_REG_ESR), 0);          /* not before a write */
	lapic_reg_write(&r, APIC_REG_ESR, 0);
	assert_int_equal(rd(&r, APIC_REG_ESR), APIC_ESR_RECV_ILLEGAL);
	lapic_reg_write(&r, APIC_REG_ESR, 0);
	assert_int_equal(rd(&r, APIC_REG_ESR), 0);
	assert_int_equal(lapic_highest(r.irr), -1);         /* LVT error masked */
	lapic_reg_write(&r, APIC_REG_LVT_ERROR, 0xE3);
	lapic_error(&r, APIC_ESR_SEND_ILLEGAL);
	assert_int_equal(lapic_highest(r.irr), 0xE3);
	/* xAPIC: a write to a reserved offset is an illegal register address */
	assert_int_equal(lapic_reg_write(&r, 0x040, 1), LAPIC_FX_NONE);
	lapic_reg_write(&r, APIC_REG_ESR, 0);
	assert_int_equal(rd(&r, APIC_REG_ESR), APIC_ESR_SEND_ILLEGAL | APIC_ESR_ILLEGAL_REG);
	assert_int_equal(rd(&r, 0x040), 0);
}

/* "Local APIC State After It Has Been Software Disabled": LVT masks set and
 * kept while disabled. */
static void test_software_disable_masks_lvt(void **state)
{
	struct lapic_regs r;

	enabled_xapic(&r, 0);
	lapic_reg_write(&r, APIC_REG_LVT_TIMER, 0x40);
	lapic_reg_write(&r, APIC_REG_LVT_LINT0, 0x700);
	assert_int_equal(rd(&r, APIC_REG_LVT_TIMER), 0x40);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_SVR, 0xFF), LAPIC_FX_SW_DISABLE);
	assert_int_equal(rd(&r, APIC_REG_LVT_TIMER), 0x40 | APIC_LVT_MASKED);
	assert_int_equal(rd(&r, APIC_REG_LVT_LINT0), 0x700 | APIC_LVT_MASKED);
	lapic_reg_write(&r, APIC_REG_LVT_TIMER, 0x41);
	assert_int_equal(rd(&r, APIC_REG_LVT_TIMER), 0x41 | APIC_LVT_MASKED);
	/* SVR keeps bits 9:0; bit 12 (EOI broadcast suppression) is not offered */
	lapic_reg_write(&r, APIC_REG_SVR, 0x11FF);
	assert_int_equal(rd(&r, APIC_REG_SVR), 0x1FF);
}

/* "Local Vector Table": writable fields per entry; read-only delivery
 * status and remote IRR; the timer mode field. */
static void test_lvt_masks_and_timer_mode(void **state)
{
	struct lapic_regs r;

	enabled_xapic(&r, 0);
	lapic_reg_write(&r, APIC_REG_LVT_LINT1, 0xFFFFFFFF);
	assert_int_equal(rd(&r, APIC_REG_LVT_LINT1), 0x1A7FF);
	lapic_reg_write(&r, APIC_REG_LVT_ERROR, 0xFFFFFFFF);
	assert_int_equal(rd(&r, APIC_REG_LVT_ERROR), 0x100FF);
	lapic_reg_write(&r, APIC_REG_LVT_PERF, 0xFFFFFFFF);
	assert_int_equal(rd(&r, APIC_REG_LVT_PERF), 0x107FF);
	/* TSC-deadline offered: mode 10b kept; a change of mode is a timer event */
	assert_int_equal(lapic_reg_write(&r, APIC_REG_LVT_TIMER, (2u << 17) | 0x30), LAPIC_FX_TIMER);
	assert_int_equal(lapic_timer_mode(&r), APIC_TIMER_TSC_DEADLINE);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_LVT_TIMER, (2u << 17) | 0x31), LAPIC_FX_NONE);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_LVT_TIMER, (1u << 17) | 0x31), LAPIC_FX_TIMER);
	assert_int_equal(lapic_timer_mode(&r), APIC_TIMER_PERIODIC);
	/* not offered: bit 18 is reserved and dropped */
	lapic_regs_reset(&r, 0, false, false);
	lapic_reg_write(&r, APIC_REG_SVR, APIC_SVR_ENABLE);
	lapic_reg_write(&r, APIC_REG_LVT_TIMER, (2u << 17) | 0x30);
	assert_int_equal(lapic_timer_mode(&r), APIC_TIMER_ONESHOT);
	assert_int_equal(rd(&r, APIC_REG_LVT_TIMER), 0x30);
}

/* "x2APIC Register Availability" and "Reserved Bit Checking". */
static void test_x2apic_gp_rules(void **state)
{
	struct lapic_regs r;
	uint32_t v;

	lapic_regs_reset(&r, 2, true, true);
	assert_int_equal(lapic_reg_write(&r, x2(0x80F), APIC_SVR_ENABLE | 0xFF), LAPIC_FX_NONE);
	/* write-only registers cannot be read */
	assert_false(lapic_reg_read(&r, x2(0x80B), &v));    /* EOI */
	assert_false(lapic_reg_read(&r, x2(0x83F), &v));    /* SELF IPI */
	/* registers that do not exist in x2APIC mode */
	assert_false(lapic_reg_read(&r, x2(0x809), &v));    /* APR */
	assert_false(lapic_reg_read(&r, x2(0x80C), &v));    /* RRD */
	assert_false(lapic_reg_read(&r, x2(0x80E), &v));    /* DFR */
	assert_false(lapic_reg_read(&r, x2(0x831), &v));    /* ICR high */
	assert_false(lapic_reg_read(&r, x2(0x82F), &v));    /* CMCI: not offered */
	assert_false(lapic_reg_read(&r, x2(0x804), &v));    /* reserved */
	assert_int_equal(lapic_reg_write(&r, x2(0x80E), 0), LAPIC_FX_GP);
	assert_int_equal(lapic_reg_write(&r, x2(0x804), 0), LAPIC_FX_GP);
	/* read-only registers cannot be written */
	assert_int_equal(lapic_reg_write(&r, x2(0x802), 2), LAPIC_FX_GP);   /* ID */
	assert_int_equal(lapic_reg_write(&r, x2(0x803), 0), LAPIC_FX_GP);   /* version */
	assert_int_equal(lapic_reg_write(&r, x2(0x80A), 0), LAPIC_FX_GP);   /* PPR */
	assert_int_equal(lapic_reg_write(&r, x2(0x80D), 0), LAPIC_FX_GP);   /* LDR */
	assert_int_equal(lapic_reg_write(&r, x2(0x810), 0), LAPIC_FX_GP);   /* ISR */
	assert_int_equal(lapic_reg_write(&r, x2(0x827), 0), LAPIC_FX_GP);   /* IRR */
	assert_int_equal(lapic_reg_write(&r, x2(0x839), 0), LAPIC_FX_GP);   /* TMCCT */
	/* EOI and ESR take only 0 */
	assert_int_equal(lapic_reg_write(&r, x2(0x80B), 1), LAPIC_FX_GP);
	assert_int_equal(lapic_reg_write(&r, x2(0x80B), 0), LAPIC_FX_EOI);
	assert_int_equal(lapic_reg_write(&r, x2(0x828), 1), LAPIC_FX_GP);
	assert_int_equal(lapic_reg_write(&r, x2(0x828), 0), LAPIC_FX_NONE);
	/* reserved bits, and bits 63:32 of a 32-bit register */
	assert_int_equal(lapic_reg_write(&r, x2(0x808), 0x100), LAPIC_FX_GP);
	assert_int_equal(lapic_reg_write(&r, x2(0x808), 1ull << 32), LAPIC_FX_GP);
	assert_int_equal(lapic_reg_write(&r, x2(0x808), 0x20), LAPIC_FX_TPR);
	assert_int_equal(lapic_reg_write(&r, x2(0x80F), 0x1000 | APIC_SVR_ENABLE), LAPIC_FX_GP);
	assert_int_equal(lapic_reg_write(&r, x2(0x832), 0x700), LAPIC_FX_GP);  /* timer has no DM */
	assert_int_equal(lapic_reg_write(&r, x2(0x83E), 0x4), LAPIC_FX_GP);    /* TDCR bit 2 */
	assert_int_equal(lapic_reg_write(&r, x2(0x83F), 0x1FF), LAPIC_FX_GP);
	assert_int_equal(lapic_reg_write(&r, x2(0x83F), 0x45), LAPIC_FX_SELF_IPI);
	assert_int_equal(r.self_ipi_vector, 0x45);
	/* the 64-bit ICR: delivery status (bit 12) does not exist */
	assert_int_equal(lapic_write_icr64(&r, 0x1000 | 0x40), LAPIC_FX_GP);
	assert_int_equal(lapic_write_icr64(&r, (5ull << 32) | 0x4040), LAPIC_FX_SEND_IPI);
	assert_int_equal(r.icr_high, 5);
	assert_int_equal(r.icr_low, 0x4040);
	/* xAPIC mode never faults: the same accesses are dropped or read 0 */
	enabled_xapic(&r, 2);
	assert_true(lapic_reg_read(&r, APIC_REG_EOI, &v));
	assert_int_equal(v, 0);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_ID, 0x7000000), LAPIC_FX_NONE);
	assert_int_equal(rd(&r, APIC_REG_ID), 2u << 24);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_TPR, 0x100), LAPIC_FX_TPR);
	assert_int_equal(rd(&r, APIC_REG_TPR), 0);
}

/* "x2APIC State Transitions": xAPIC -> x2APIC keeps the state, derives LDR. */
static void test_enter_x2apic(void **state)
{
	struct lapic_regs r;

	enabled_xapic(&r, 0x21);
	lapic_reg_write(&r, APIC_REG_LDR, 0x01000000);
	lapic_reg_write(&r, APIC_REG_TPR, 0x30);
	lapic_regs_enter_x2apic(&r);
	assert_int_equal(rd(&r, APIC_REG_ID), 0x21);
	assert_int_equal(rd(&r, APIC_REG_LDR), (2u << 16) | (1u << 1));
	assert_int_equal(rd(&r, APIC_REG_TPR), 0x30);
	assert_true(lapic_sw_enabled(&r));
}

/* "Determining IPI Destination", "Logical Destination Mode in x2APIC Mode". */
static void test_destinations(void **state)
{
	struct lapic_regs a, b;

	enabled_xapic(&a, 1);
	enabled_xapic(&b, 2);
	/* physical */
	assert_true(lapic_match_dest(&a, 1, false, false));
	assert_false(lapic_match_dest(&b, 1, false, false));
	assert_true(lapic_match_dest(&b, 0xFF, false, false));
	/* flat logical: a bit of the 8-bit mask */
	lapic_reg_write(&a, APIC_REG_LDR, 0x01000000);
	lapic_reg_write(&b, APIC_REG_LDR, 0x02000000);
	assert_true(lapic_match_dest(&a, 0x03, true, false));
	assert_true(lapic_match_dest(&b, 0x03, true, false));
	assert_false(lapic_match_dest(&b, 0x01, true, false));
	assert_true(lapic_match_dest(&b, 0xFF, true, false));
	/* cluster logical: cluster in 7:4, member bits 3:0 */
	lapic_reg_write(&a, APIC_REG_DFR, 0x0FFFFFFF);
	lapic_reg_write(&b, APIC_REG_DFR, 0x0FFFFFFF);
	assert_int_equal(rd(&a, APIC_REG_DFR), 0x0FFFFFFF);
	lapic_reg_write(&a, APIC_REG_LDR, 0x11000000);      /* cluster 1, member 1 */
	lapic_reg_write(&b, APIC_REG_LDR, 0x22000000);      /* cluster 2, member 2 */
	assert_true(lapic_match_dest(&a, 0x13, true, false));
	assert_false(lapic_match_dest(&b, 0x13, true, false));
	assert_true(lapic_match_dest(&b, 0x23, true, false));
	assert_false(lapic_match_dest(&b, 0x21, true, false));
	/* x2APIC: 32-bit physical IDs, cluster logical, broadcast */
	lapic_regs_reset(&a, 0x11, true, true);
	assert_true(lapic_match_dest(&a, 0x11, false, true));
	assert_false(lapic_match_dest(&a, 0x111, false, true));
	assert_true(lapic_match_dest(&a, 0xFFFFFFFF, false, true));
	assert_true(lapic_match_dest(&a, (1u << 16) | 0x2, true, true));
	assert_false(lapic_match_dest(&a, (1u << 16) | 0x1, true, true));
	assert_false(lapic_match_dest(&a, (0u << 16) | 0x2, true, true));
	assert_true(lapic_match_dest(&a, 0xFFFFFFFF, true, true));
}

/* "Interrupt Command Register (ICR)": writable fields; the low write sends. */
static void test_icr_xapic(void **state)
{
	struct lapic_regs r;

	enabled_xapic(&r, 0);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_ICR_HIGH, 0x03FFFFFF), LAPIC_FX_NONE);
	assert_int_equal(rd(&r, APIC_REG_ICR_HIGH), 0x03000000);
	assert_int_equal(lapic_reg_write(&r, APIC_REG_ICR_LOW, 0xFFFFFFFF), LAPIC_FX_SEND_IPI);
	assert_int_equal(rd(&r, APIC_REG_ICR_LOW), 0x000CCFFF);   /* delivery status reads idle */
}

/* "APIC Timer": the divide configuration and the count. */
static void test_timer_arithmetic(void **state)
{
	static const struct { uint32_t tdcr, div; } table[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(lapic_timer_divisor(table[i].tdcr), table[i].div);
	assert_int_equal(lapic_timer_count_after(1000, 1, 0), 1000);
	assert_int_equal(lapic_timer_count_after(1000, 1, 999), 1);
	assert_int_equal(lapic_timer_count_after(1000, 1, 1000), 0);
	assert_int_equal(lapic_timer_count_after(1000, 16, 16 * 10 + 15), 990);
	assert_int_equal(lapic_timer_count_after(0xFFFFFFFF, 128, UINT64_MAX), 0);
	assert_int_equal(lapic_timer_count_after(5, 2, 9), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_ppr_priority_classes),
		cmocka_unit_test(test_deliverable_against_tpr),
		cmocka_unit_test(test_ack_eoi_nesting),
		cmocka_unit_test(test_esr_and_error_interrupt),
		cmocka_unit_test(test_software_disable_masks_lvt),
		cmocka_unit_test(test_lvt_masks_and_timer_mode),
		cmocka_unit_test(test_x2apic_gp_rules),
		cmocka_unit_test(test_enter_x2apic),
		cmocka_unit_test(test_destinations),
		cmocka_unit_test(test_icr_xapic),
		cmocka_unit_test(test_timer_arithmetic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
