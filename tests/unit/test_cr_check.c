/*
 * tests/unit/test_cr_check.c - the #GP rules of MOV to CR0/CR4 (vmm/core/cr_check.c).
 *
 * Context: host unit test (cmocka).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "lib/msr.h"
#include "lib/x86.h"
#include "vmm/core/cr_check.h"

#define CR0_LONG  (CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG)
#define CR4_CET_T (1ULL << 23)

static const struct cr_state long64 = {
	.cr0 = CR0_LONG, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA, .cs_l = true,
};
static const struct cr_state prot32 = { .cr0 = CR0_PE | CR0_ET | CR0_NE };

static void cr0_refused(const struct cr_state *s, uint64_t val, const char *rule)
{
	uint64_t load = 0xdead;
	const char *why = NULL;

	assert_false(cr0_write_check(s, val, &load, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, rule));
	assert_int_equal(load, 0xdead);
}

static void test_cr0_gp(void **state)
{
	cr0_refused(&long64, CR0_LONG | (1ULL << 32), "63:32");
	cr0_refused(&long64, CR0_LONG & ~CR0_PE, "PG = 1 needs CR0.PE");
	cr0_refused(&long64, CR0_LONG | CR0_NW, "NW = 1 needs CR0.CD");
	cr0_refused(&long64, CR0_LONG & ~CR0_PG, "64-bit mode");
	struct cr_state lme = prot32;
	lme.efer = EFER_LME;
	cr0_refused(&lme, prot32.cr0 | CR0_PG, "PAE");
	struct cr_state cet = long64;
	cet.cr4 |= CR4_CET_T;
	cr0_refused(&cet, CR0_LONG & ~CR0_WP, "CET");
}

static void test_cr0_ok(void **state)
{
	uint64_t load = 0;

	/* reserved bits 31:0 are dropped, ET forced to 1 */
	assert_true(cr0_write_check(&long64, (CR0_LONG | BIT(7)) & ~CR0_ET, &load, NULL));
	assert_int_equal(load, CR0_LONG);
	assert_true(cr0_write_check(&long64, CR0_LONG | CR0_CD | CR0_NW, &load, NULL));
	/* paging off in compatibility mode is not 64-bit mode */
	struct cr_state compat = long64;
	compat.cs_l = false;
	assert_true(cr0_write_check(&compat, CR0_LONG & ~CR0_PG, &load, NULL));
	/* real mode */
	assert_true(cr0_write_check(&prot32, CR0_ET, &load, NULL));
}

static void test_cr4(void **state)
{
	uint64_t allowed = 0x3727FF & ~CR4_VMXE;
	const char *why = NULL;

	assert_true(cr4_write_check(&long64, CR4_PAE | CR4_PSE, allowed, &why));
	assert_false(cr4_write_check(&long64, CR4_PAE | CR4_VMXE, allowed, &why));
	assert_non_null(strstr(why, "reserved"));
	assert_false(cr4_write_check(&long64, CR4_PAE | (1ULL << 40), allowed, &why));
	assert_false(cr4_write_check(&long64, 0, allowed, &why));
	assert_non_null(strstr(why, "PAE"));
	assert_false(cr4_write_check(&long64, CR4_PAE | CR4_LA57, allowed | CR4_LA57, &why));
	assert_non_null(strstr(why, "LA57"));
	struct cr_state pcid = long64;
	pcid.cr3 = 0x2001;      /* CR3[11:0] != 0 */
	assert_false(cr4_write_check(&pcid, CR4_PAE | CR4_PCIDE, allowed, &why));
	pcid.cr3 = 0x2000;
	assert_true(cr4_write_check(&pcid, CR4_PAE | CR4_PCIDE, allowed, &why));
	assert_false(cr4_write_check(&prot32, CR4_PCIDE, allowed, &why));
	struct cr_state nowp = prot32;
	assert_false(cr4_write_check(&nowp, CR4_CET_T, allowed | CR4_CET_T, &why));
	assert_non_null(strstr(why, "CET"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_gp),
		cmocka_unit_test(test_cr0_ok),
		cmocka_unit_test(test_cr4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
