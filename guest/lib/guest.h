/*
 * guest/lib/guest.h - everything a test guest includes.
 *
 * Context: guest programs (guest/<name>.c). A guest defines
 *     int main(int argc, char **argv)
 * and usually ends with report_summary(); returning from main calls exit().
 *
 * The library (guest/lib/): Multiboot1 entry to 64-bit mode (entry.asm),
 * exceptions and expected-exception fixups (trap.h), console and printf
 * (console.h, printf.h), kvm-unit-tests style reports (report.h), chronovisor
 * detection and hypercalls (hyper.h), command-line arguments (args.h), the
 * Multiboot information (multiboot.h), x86 instructions (x86.h).
 * Included separately where a guest needs them: SMP (smp.h), interrupts
 * (irq.h), the local APIC and its timer (apic.h, apic_timer.h), the TSC
 * frequency (tsc_freq.h), which emulator it runs on (emu.h).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/lib/args.h"
#include "guest/lib/console.h"
#include "guest/lib/hyper.h"
#include "guest/lib/multiboot.h"
#include "guest/lib/printf.h"
#include "guest/lib/report.h"
#include "guest/lib/string.h"
#include "guest/lib/trap.h"
#include "guest/lib/x86.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv);

#endif
