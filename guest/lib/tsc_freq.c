/*
 * guest/lib/tsc_freq.c - the TSC frequency from chronovisor, CPUID or the
 * PIT (the contract and the order are in tsc_freq.h).
 *
 * Context: guest, 64-bit mode, boot CPU.
 * PIT: Intel 8254 datasheet (mode 0, "interrupt on terminal count": OUT
 * goes high when the count reaches 0; the counter latch command freezes
 * the count for reading); port 0x61 bit 0 gates channel 2,
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
#define PIT_CH2_LATCH        0x80    /* channel 2, counter latch command */
#define PORT_B               0x61
#define PORT_B_GATE2         0x01
#define PORT_B_SPEAKER       0x02
#define PORT_B_OUT2          0x20
/* Samples before giving up on a PIT that does not count: far more than
 * 54 ms of them on Bochs or QEMU. */
#define PIT_SPIN_LIMIT       2000000ul
#define PIT_MIN_KHZ          1000    /* below 1 MHz the PIT did not really count */
#define PIT_TRIES            5       /* measurements at most */
#define PIT_SAMPLE_TRIES     4       /* reads per sample; the narrowest counts */
#define PIT_ERR_PPM          1000    /* a measurement good to 0.1 % ends the search */

#define CPUID_TSC_LEAF       0x15
#define CPUID_FREQ_LEAF      0x16

static uint64_t khz;
static char source[96];

/* The PIT's count and the TSC at one moment: the TSC is read before and
 * after latching and reading the count, and the narrowest of
 * PIT_SAMPLE_TRIES tries is kept (a vCPU thread descheduled in between
 * shows as a wide one). */
struct pit_sample {
	uint16_t count;
	uint64_t tsc;           /* middle of the window */
	uint64_t width;         /* the window: the sample's uncertainty */
};

static void pit_sample(struct pit_sample *s)
{
	s->width = ~0ull;
	for (int i = 0; i < PIT_SAMPLE_TRIES; i++) {
		uint64_t a = rdtsc_ordered();
		outb(PIT_MODE_CMD, PIT_CH2_LATCH);
		uint8_t lo = inb(PIT_CH2_DATA), hi = inb(PIT_CH2_DATA);
		uint64_t b = rdtsc_ordered();

		if (b - a < s->width) {
			s->width = b - a;
			s->tsc = a + (b - a) / 2;
			s->count = (uint16_t)(lo | hi << 8);
		}
	}
}

/*
 * One measurement: channel 2 counts down from 0xFFFF (mode 0); samples at
 * the start and once latch counts have passed give TSC ticks per PIT
 * tick. *err = the two windows, relative error err / ticks. 0 when the PIT
 * did not count or ran out (OUT2 high: over 54 ms).
 */
static uint64_t pit_once(uint32_t latch, uint64_t *err)
{
	struct pit_sample a, b;
	unsigned long i;

	outb(PIT_MODE_CMD, PIT_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, 0xFF);
	outb(PIT_CH2_DATA, 0xFF);               /* counting starts here */
	pit_sample(&a);
	for (i = 0; i < PIT_SPIN_LIMIT; i++) {
		pit_sample(&b);
		if ((uint16_t)(a.count - b.count) >= latch)
			break;
	}
	if (i == PIT_SPIN_LIMIT || (inb(PORT_B) & PORT_B_OUT2) || a.count == b.count)
		return 0;
	*err = a.width + b.width;
	/* TSC ticks for latch PIT ticks */
	return (b.tsc - a.tsc) * latch / (uint16_t)(a.count - b.count);
}

/*
 * Up to PIT_TRIES measurements; the first good to PIT_ERR_PPM, else the
 * one with the narrowest windows. Bochs' are exact; bare QEMU TCG on a
 * busy host stalls its vCPU thread for milliseconds, which the windows
 * show (looking for OUT2 to go high instead, as Linux's classic
 * pit_calibrate_tsc does, came out up to 2x long there).
 */
uint64_t tsc_khz_pit(unsigned ms)
{
	uint32_t latch = PIT_HZ / 1000 * ms;
	uint64_t best = 0, best_err = ~0ull;
	uint8_t b;

	if (ms == 0 || latch >= 0xFFFF)
		return 0;
	b = inb(PORT_B);
	if (b == 0xFF)
		return 0;               /* nothing answers: no PIT here */
	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	for (int t = 0; t < PIT_TRIES; t++) {
		uint64_t err = 0, ticks = pit_once(latch, &err);

		if (ticks && err < best_err) {
			best = ticks;
			best_err = err;
		}
		if (ticks && err * 1000000 <= ticks * PIT_ERR_PPM)
			break;
	}
	outb(PORT_B, b);
	/* latch PIT ticks took best TSC ticks */
	uint64_t k = best * PIT_HZ / latch / 1000;
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
