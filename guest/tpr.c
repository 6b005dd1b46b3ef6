/*
 * guest/tpr.c - CR8 and the local APIC's TPR are one register.
 *
 * Context: test guest, one CPU, 64-bit mode (CR8 exists only there),
 * interrupts on; bare on Bochs or under chronovisor, which keeps CR8 either
 * by exiting on every MOV to/from CR8 (apicv=off) or in the TPR shadow of a
 * virtual-APIC page with the TPR threshold (apicv=on): both must pass.
 *
 * Rules checked, in xAPIC and then x2APIC mode (SDM Vol. 3A, "Task Priority
 * Register (TPR)", "Interaction of Task Priorities between CR8 and APIC"):
 *   - MOV CR8 <- n sets TPR[7:4] = n and TPR[3:0] = 0; the APIC's TPR and
 *     PPR read it back;
 *   - a TPR written through the APIC reads back from CR8 as TPR[7:4];
 *   - an interrupt whose class is not above CR8 waits in the IRR; one above
 *     it is taken at once;
 *   - lowering CR8 below a waiting interrupt's class delivers it right
 *     after the MOV (with the TPR shadow: the TPR-below-threshold exit);
 *   - MOV CR8 with a reserved bit (63:4) set raises #GP.
 *
 * Arguments: mode=xapic|x2apic|both (default both);
 *   sabotage=cr8  lower CR8 one class too little: the held interrupt is
 *                 not delivered and the check must FAIL (negative control).
 * Output: PASS/FAIL lines and SUMMARY (guest/lib/report.h).
 */
#include "guest/lib/apic.h"
#include "guest/lib/guest.h"
#include "guest/lib/irq.h"

#define VEC_LOW    0x65          /* class 6 */
#define VEC_HIGH   0x75          /* class 7 */
#define CR8_BAD    0x10          /* bit 4: reserved */

static volatile unsigned taken_low, taken_high;
static bool sabotage;

static void low_handler(struct trap_frame *f)
{
	taken_low++;
	apic_eoi();
}

static void high_handler(struct trap_frame *f)
{
	taken_high++;
	apic_eoi();
}

static inline void write_cr8(uint64_t v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline uint64_t read_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v) : : "memory");
	return v;
}

static int write_cr8_safe(uint64_t v)
{
	exception_clear();
	asm volatile("1: mov %0, %%cr8\n\t"
		     "2:\n\t"
		     EX_TABLE_ENTRY("1b", "2b")
		     : : "r"(v) : "memory");
	return exception_vector();
}

static void check_mode(const char *name)
{
	report_prefix_push(name);

	write_cr8(5);
	report(apic_tpr() == 0x50 && apic_ppr() == 0x50 && read_cr8() == 5,
	       "MOV CR8 <- 5: TPR %#x, PPR %#x, CR8 reads %lu", apic_tpr(), apic_ppr(), read_cr8());
	apic_set_tpr(0x7C);
	report(read_cr8() == 7, "TPR 0x7c written through the APIC: CR8 reads %lu (want 7)",
	       read_cr8());
	apic_set_tpr(0x5A);
	write_cr8(5);
	report(apic_tpr() == 0x50, "MOV CR8 <- 5 clears TPR[3:0]: TPR %#x (want 0x50)", apic_tpr());

	/* held back by CR8, delivered when it drops */
	taken_low = taken_high = 0;
	write_cr8(6);
	apic_self_ipi(VEC_LOW);
	apic_self_ipi(VEC_HIGH);
	unsigned low_held = taken_low, high_now = taken_high;
	report(low_held == 0 && apic_irr_test(VEC_LOW), "CR8 = 6: vector %#x (class 6) waits in the "
	       "IRR (taken %u)", VEC_LOW, low_held);
	report(high_now == 1, "CR8 = 6: vector %#x (class 7) is taken at once (%u)", VEC_HIGH,
	       high_now);
	write_cr8(sabotage ? 6 : 5);
	unsigned low_after = taken_low;       /* read by the very next instruction */
	report(low_after == 1 && !apic_irr_test(VEC_LOW),
	       "MOV CR8 <- 5: the waiting %#x is delivered right after the MOV (%u)", VEC_LOW,
	       low_after);
	write_cr8(0);
	if (sabotage) {
		/* leave nothing pending for the next mode */
		taken_low = 0;
	}

	int vec = write_cr8_safe(CR8_BAD);
	report(vec == VEC_GP, "MOV CR8 <- %#x (reserved bit 4) raises #GP (%s)", CR8_BAD,
	       vec < 0 ? "no exception" : exception_name((unsigned)vec));
	report(read_cr8() == 0, "CR8 unchanged by the faulting MOV (%lu)", read_cr8());
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	const char *mode = arg_get("mode"), *sab = arg_get("sabotage");

	if (!mode)
		mode = "both";
	sabotage = sab && !strcmp(sab, "cr8");
	if ((sab && !sabotage) || (strcmp(mode, "both") && strcmp(mode, "xapic") &&
				   strcmp(mode, "x2apic")))
		report_abort("tpr: bad arguments mode=%s sabotage=%s", mode, sab ? sab : "");
	irq_register(VEC_LOW, low_handler);
	irq_register(VEC_HIGH, high_handler);
	irq_enable();
	if (strcmp(mode, "x2apic")) {
		apic_set_mode(APIC_MODE_XAPIC);
		apic_sw_enable();
		check_mode("xapic");
	}
	if (strcmp(mode, "xapic")) {
		if (!apic_has_x2apic() || apic_set_mode(APIC_MODE_X2APIC) != 0) {
			report_skip("x2apic (CPU lacks x2APIC: CPUID.1:ECX[21] = 0)");
		} else {
			apic_sw_enable();
			check_mode("x2apic");
		}
	}
	unsigned last;
	uint64_t unexpected = irq_unexpected(&last);
	report(unexpected == 0, "tpr: no other interrupt (%lu, last vector %#x)", unexpected, last);
	report_summary();
}
