/*
 * kernel/pit.h - the 8254 PIT's channel 2 as a stopwatch: short delays and the
 * TSC frequency.
 *
 * Context: kernel, boot CPU, interrupts off, before the APs run (channel 2
 * and port 0x61 are one shared device: one user at a time). Channel 2 is the
 * one whose gate software controls and whose output it can read (port 0x61),
 * so it is used by polling, with no interrupt: the way Linux's
 * pit_calibrate_tsc() does it.
 */
#ifndef CV_PIT_H
#define CV_PIT_H

#include "lib/types.h"

#define PIT_HZ  1193182ULL    /* the 8254's input clock: 14.31818 MHz / 12 */

/* The host TSC frequency in kHz as tsc_calibrate() measured it (0 before
 * it ran or when it failed): the one way every layer learns the host's TSC
 * rate. (Its error bound is printed with it at boot.) */
uint64_t tsc_khz(void);

/* Busy-wait at least us microseconds, timed by the PIT (not the TSC), so it
 * works before calibration. Returns false if the PIT never counted down. */
bool pit_delay_us(uint32_t us);

/*
 * Measure the TSC against the PIT several times. The rate is the mean, its
 * error an honest bound: the largest distance of a run from the mean plus the
 * largest per-run uncertainty (the PIT's one-clock start quantisation and the
 * polling loop's granularity at both ends). Sets what tsc_khz() returns,
 * and
 * prints "[hv] tsc: calibrated against the PIT: N kHz +/- E kHz".
 * Returns false (and prints why) when the PIT's channel 2 does not count.
 */
bool tsc_calibrate(void);

#endif
