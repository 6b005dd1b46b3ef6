/*
 * kernel/pit.c - 8254 PIT channel 2, polled: delays and TSC calibration.
 *
 * Context: kernel, boot CPU, interrupts off, one user at a time.
 * Hardware: the 8254 (Intel 82C54 datasheet: "Mode 0: Interrupt on Terminal
 * Count", control word format) behind ports 0x40-0x43, and port 0x61, the
 * chipset's "NMI Status and Control" register: bit 0 gates channel 2, bit 1
 * routes its output to the speaker, bit 5 reads its output (OUT2).
 *
 * One run: gate on, speaker off, channel 2 in mode 0 with count N. OUT2 goes
 * low when the control word is written and high when the count reaches 0;
 * the count is loaded on the first PIT clock after the write, so the edge
 * comes N to N + 1 clocks after the write. Every TSC read around the run is
 * ordered (tsc_read_ordered), so each bound below really holds:
 *   the write lies in [before, after]; the edge in [last_low, high];
 *   elapsed ticks in [last_low - after, high - before] over N..N+1 clocks.
 */
#include "kernel/pit.h"
#include "kernel/arch.h"
#include "kernel/console.h"

#define PIT_CH2_DATA         0x42
#define PIT_MODE_PORT        0x43
#define PIT_SELECT_CH2       (2u << 6)
#define PIT_ACCESS_LO_HI     (3u << 4)
#define PIT_MODE0            (0u << 1)    /* interrupt on terminal count */
#define PIT_BINARY           0u
#define PIT_MAX_COUNT        0xFFFFu
#define PIT_LOW_BYTE         0xFFu
#define BITS_PER_BYTE        8

#define NMI_SC_PORT          0x61
#define NMI_SC_T2_GATE       BIT(0)
#define NMI_SC_SPKR_DATA     BIT(1)
#define NMI_SC_T2_OUT        BIT(5)
#define NMI_SC_WRITABLE      0x0Fu        /* bits 7:4 are read-only status */

/* Polls of OUT2 before the PIT is declared dead: about 10 s on hardware
 * (an I/O read takes ~1 us), well under 1 s of Bochs time. */
#define PIT_POLL_LIMIT       10000000u

#define CALIB_RUNS           5
#define CALIB_RUN_HZ         50           /* one run: 1/50 s = 20 ms */
#define CALIB_CLOCKS         (PIT_HZ / CALIB_RUN_HZ)
#define US_PER_S             1000000ULL
#define HZ_PER_KHZ           1000ULL

_Static_assert(CALIB_CLOCKS <= PIT_MAX_COUNT, "one calibration run must fit the 16-bit counter");

static uint64_t calibrated_khz;

uint64_t tsc_khz(void)
{
	return calibrated_khz;
}

struct pit_run {
	uint64_t before, after;      /* TSC around the write that starts the count */
	uint64_t last_low, high;     /* TSC before the last poll that saw OUT2 low, after the first high */
};

/* Start channel 2 in mode 0 with 'count' and poll until OUT2 rises. */
static bool pit_run(uint16_t count, struct pit_run *r)
{
	uint8_t ctl = inb(NMI_SC_PORT) & NMI_SC_WRITABLE;

	outb(NMI_SC_PORT, (uint8_t)((ctl & ~NMI_SC_SPKR_DATA) | NMI_SC_T2_GATE));
	outb(PIT_MODE_PORT, PIT_SELECT_CH2 | PIT_ACCESS_LO_HI | PIT_MODE0 | PIT_BINARY);
	outb(PIT_CH2_DATA, (uint8_t)(count & PIT_LOW_BYTE));
	r->before = rdtsc_ordered();
	outb(PIT_CH2_DATA, (uint8_t)(count >> BITS_PER_BYTE));
	r->after = rdtsc_ordered();

	uint64_t prev = r->before;
	for (uint32_t i = 0; i < PIT_POLL_LIMIT; i++) {
		uint64_t now = rdtsc_ordered();
		if (inb(NMI_SC_PORT) & NMI_SC_T2_OUT) {
			r->last_low = prev;
			r->high = rdtsc_ordered();
			return true;
		}
		prev = now;
	}
	return false;
}

bool pit_delay_us(uint32_t us)
{
	uint64_t clocks = ((uint64_t)us * PIT_HZ + US_PER_S - 1) / US_PER_S;
	struct pit_run r;

	while (clocks) {
		uint64_t n = MIN(clocks, (uint64_t)PIT_MAX_COUNT);
		if (!pit_run((uint16_t)n, &r))
			return false;
		clocks -= n;
	}
	return true;
}

static uint64_t div_round_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

bool tsc_calibrate(void)
{
	uint64_t mid[CALIB_RUNS], half_max = 0, sum = 0;

	for (int i = 0; i < CALIB_RUNS; i++) {
		struct pit_run r;
		if (!pit_run((uint16_t)CALIB_CLOCKS, &r)) {
			kprintf("[hv] tsc: PIT channel 2 never reached its terminal count (port 0x61 bit 5 stayed 0): cannot calibrate the TSC\n");
			return false;
		}
		/* ticks over clocks, in kHz: lowest ticks over most clocks, and back */
		uint64_t ticks_lo = r.last_low > r.after ? r.last_low - r.after : 0;
		uint64_t ticks_hi = r.high - r.before;
		uint64_t lo = ticks_lo * PIT_HZ / ((CALIB_CLOCKS + 1) * HZ_PER_KHZ);
		uint64_t hi = div_round_up(ticks_hi * PIT_HZ, CALIB_CLOCKS * HZ_PER_KHZ);
		mid[i] = (lo + hi) / 2;
		half_max = MAX(half_max, div_round_up(hi - lo, 2));
		sum += mid[i];
	}

	uint64_t mean = (sum + CALIB_RUNS / 2) / CALIB_RUNS, spread = 0;
	for (int i = 0; i < CALIB_RUNS; i++)
		spread = MAX(spread, mid[i] > mean ? mid[i] - mean : mean - mid[i]);

	calibrated_khz = mean;
	uint64_t err_khz = spread + half_max;
	kprintf("[hv] tsc: calibrated against the PIT: %lu kHz +/- %lu kHz (%d runs of %llu PIT clocks; spread %lu, per-run bound %lu)\n",
		mean, err_khz, CALIB_RUNS, CALIB_CLOCKS, spread, half_max);
	return true;
}
