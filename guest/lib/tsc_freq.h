/*
 * guest/lib/tsc_freq.h - how fast this guest's TSC runs.
 *
 * Context: guest, 64-bit mode, boot CPU (the PIT is one device for all
 * CPUs), interrupts off or on (the PIT is polled, not taken as an interrupt).
 *
 * tsc_khz() takes the first source that answers, and caches it:
 *   1. chronovisor's leaf 0x40000010 (guest/lib/hyper.h): the guest TSC
 *      rate the hypervisor gives this VM, scaling included;
 *   2. CPUID leaf 0x15 (TSC/crystal ratio EBX/EAX times the crystal's ECX
 *      Hz, all three non-zero), else leaf 0x16 EAX (base MHz);
 *   3. the PIT: channel 2 counts down at 1193182 Hz (speaker gate on, as
 *      for Linux's pit_calibrate_tsc); its latched count is sampled with
 *      the TSC around each read, at the start and ms later: TSC ticks per
 *      PIT tick, from the measurement with the narrowest sample windows.
 * When (2) answered and the guest is not on chronovisor, the PIT measures
 * too, and wins when the two disagree by more than TSC_FREQ_CPUID_TOL_PCT:
 * Bochs' CPU models advertise a fixed 0x15/0x16 frequency (3.5 GHz for
 * corei7_skylake_x) while its TSC counts one tick per emulated instruction
 * at the configured ips (50 MHz under cvrun), and QEMU TCG has no 0x15/0x16
 * at all. Under chronovisor the PIT is absent (its ports are dropped), and
 * the hypervisor's leaves are used as they are.
 * tsc_khz_source() says which source won, for the log.
 */
#ifndef GUEST_TSC_FREQ_H
#define GUEST_TSC_FREQ_H

#include <stdint.h>

#define TSC_FREQ_CPUID_TOL_PCT  5
#define TSC_FREQ_PIT_MS         20      /* per measurement (the PIT counter holds at most 54 ms) */

/* kHz, > 0; 0 only when no source answered (then every TSC-based duration
 * in a guest is meaningless and it should say so). */
uint64_t tsc_khz(void);
const char *tsc_khz_source(void);
/* The PIT measurement over ms milliseconds (< 54); 0 when the PIT did not
 * count (no PIT, or ports that read all-ones). */
uint64_t tsc_khz_pit(unsigned ms);

#endif
