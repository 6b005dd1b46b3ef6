/*
 * guest/lib/tsc_freq.c - the TSC frequency from chronovisor, CPUID or the
 * PIT (the contract and the order are in tsc_freq.h).
 *
 * Context: guest, 64-bit mode, boot CPU.
 * PIT: Intel 8254 datasheet (mode 0, "interrupt on terminal count": OUT
 * goes high when the count reaches 0); port 0x61 bit 0 gates channel 2,
 * bit 1 drives the speaker, bit 5 reads channel 2's OUT (the IBM PC's
 * "system control port B").
 */
#include <stdint.h>

#include "guest/lib/hyper.h"
#include "guest/lib/printf.h"
#include "guest/lib/tsc_freq.h"
#include "guest/lib/x86.h"

#define PIT_HZ               1193182u
#define PIT_CH2_DATA         0x42
#define PIT_MODE_CMD         0x43
#define PIT_CH2_LOHI_MODE0   0xB0    /* channel 2, low then high byte, mode 0, binary */
#define PORT_B               0x61
#define PORT_B_GATE2         0x01
#define PORT_B_SPEAKER       0x02
#define PORT_B_OUT2          0x20
/* Polls of OUT2 before giving up: far more than 54 ms of polls take on
 * Bochs (a few instructions each) or QEMU (a port exit each). */
#define PIT_SPIN_LIMIT       20000000ul
#define PIT_MIN_KHZ          1000    /* below 1 MHz the PIT did not really count */
#define PIT_TRIES            5       /* measurements; the median counts */

#define CPUID_TSC_LEAF       0x15
#define CPUID_FREQ_LEAF      0x16

static uint64_t khz;
static char source[96];

/* One countdown of latch PIT ticks, in TSC ticks; 0 when the PIT did not
 * count. */
static uint64_t pit_once(uint32_t latch)
{
	uint64_t t0, t1;
	unsigned long i;

	outb(PIT_MODE_CMD, PIT_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, (uint8_t)latch);
	outb(PIT_CH2_DATA, (uint8_t)(latch >> 8));   /* counting starts here */
	t0 = rdtsc_ordered();
	for (i = 0; i < PIT_SPIN_LIMIT; i++)
		if (inb(PORT_B) & PORT_B_OUT2)
			break;
	t1 = rdtsc_ordered();
	if (i == 0 || i == PIT_SPIN_LIMIT)
		return 0;               /* OUT2 high at once (all-ones) or never */
	return t1 - t0;
}

/*
 * The median of PIT_TRIES countdowns: bare QEMU TCG on a busy host gets
 * single measurements 20-100 % long now and then (a vCPU thread stalled
 * between the PIT's time and the TSC's), in either direction of the
 * window, and narrow windows were no sign of a good one. Bochs' are exact.
 */
uint64_t tsc_khz_pit(unsigned ms)
{
	uint32_t latch = PIT_HZ / 1000 * ms;
	uint64_t t[PIT_TRIES];
	uint8_t b;
	int n = 0;

	if (ms == 0 || latch > 0xFFFF)
		return 0;
	b = inb(PORT_B);
	if (b == 0xFF)
		return 0;               /* nothing answers: no PIT here */
	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	for (; n < PIT_TRIES; n++) {
		uint64_t v = pit_once(latch);
		int j = n;

		if (!v)
			break;
		for (; j > 0 && t[j - 1] > v; j--)      /* insertion: t[] stays sorted */
			t[j] = t[j - 1];
		t[j] = v;
	}
	outb(PORT_B, b);
	if (n < PIT_TRIES)
		return 0;
	/* latch PIT ticks took t[n / 2] TSC ticks */
	uint64_t k = t[n / 2] * PIT_HZ / latch / 1000;
	return k < PIT_MIN_KHZ ? 0 : k;
}

static uint64_t cpuid_khz(const char **how)
{
	uint32_t max = cpuid(0).eax;

	if (max >= CPUID_TSC_LEAF) {
		struct cpuid_regs r = cpuid(CPUID_TSC_LEAF);

		if (r.eax && r.ebx && r.ecx) {
			*how = "CPUID 0x15";
			return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
		}
	}
	if (max >= CPUID_FREQ_LEAF && (cpuid(CPUID_FREQ_LEAF).eax & 0xFFFF)) {
		*how = "CPUID 0x16";
		return (uint64_t)(cpuid(CPUID_FREQ_LEAF).eax & 0xFFFF) * 1000;
	}
	return 0;
}

static bool far_apart(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	return d * 100 > b * TSC_FREQ_CPUID_TOL_PCT;
}

uint64_t tsc_khz(void)
{
	const char *how = NULL;
	uint64_t c, p;

	if (khz)
		return khz;
	c = on_chronovisor() ? chronovisor_tsc_khz() : 0;
	if (c) {
		snprintf(source, sizeof(source), "chronovisor leaf 0x40000010");
		return khz = c;
	}
	c = cpuid_khz(&how);
	p = on_chronovisor() ? 0 : tsc_khz_pit(TSC_FREQ_PIT_MS);
	if (c && (!p || !far_apart(p, c))) {
		snprintf(source, sizeof(source), "%s%s", how, p ? ", PIT agrees" : "");
		khz = c;
	} else if (p && c) {
		snprintf(source, sizeof(source), "PIT; %s says %lu kHz, not the TSC's rate", how, c);
		khz = p;
	} else if (p) {
		snprintf(source, sizeof(source), "PIT");
		khz = p;
	} else {
		snprintf(source, sizeof(source), "none");
	}
	return khz;
}

const char *tsc_khz_source(void)
{
	tsc_khz();
	return source;
}
