/*
 * guest/lib/smp.h - several CPUs in one test guest: discovery, start-up,
 * per-CPU identity, barrier.
 *
 * Context: guest, 64-bit mode, interrupts off.
 *
 * How many CPUs (smp_cpus_available, cached):
 *   1. fw_cfg (ports 0x510/0x511): the signature (key 0x0000) reads "QEMU",
 *      then key 0x0005 (FW_CFG_NB_CPUS) gives the count, 16-bit little
 *      endian. QEMU answers; chronovisor answers with the VM's vCPU count.
 *   2. else the ACPI MADT's enabled processors (bare Bochs; guest/lib/acpi.h);
 *   3. else 1.
 *   The argument cpus=N then limits the count; where neither source
 *   answered it sets it. APIC IDs: the MADT's when it lists enough CPUs,
 *   else 0..N-1 (QEMU's and chronovisor's numbering).
 *
 * Start-up (smp_start): per AP, in turn, the SDM's sequence (Vol. 3A, "MP
 * Initialization Protocol Algorithm") through the local APIC's ICR with a
 * physical destination: INIT (assert; de-assert in xAPIC), a delay,
 * STARTUP with vector = trampoline page >> 12, a short delay, a second
 * STARTUP (ignored by a CPU that already left wait-for-SIPI), then a bounded
 * wait for the AP to check in. The trampoline (guest/lib/ap_trampoline.asm)
 * is copied to a free page below 1 MiB: 0x8000 when the memory map says it
 * is RAM and no Multiboot structure lies there, else the first such page
 * from 0x1000. The AP leaves real mode for long mode on the boot CPU's page
 * tables, GDT selectors and IDT, gets its own 16 KiB stack and index, and
 * waits until every AP is up; then all of them call fn(index).
 * Delays are fixed counts of loop iterations, not times: ample in Bochs'
 * emulated time, short in QEMU, which both deliver IPIs at once; short of
 * the SDM's 10 ms on hardware, where Linux skips the INIT delay on modern
 * CPUs anyway (guest/lib/smp.c has the numbers).
 *
 * After smp_start the library is SMP-safe: console lines stay whole (a lock
 * per line, guest/lib/console.c), report counters are atomic, exceptions and
 * fixups are per CPU. Report prefixes are global: push/pop them only while
 * the other CPUs do not report.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/lib/cpu.h"
#include "guest/lib/spinlock.h"

/* CPUs this machine offers after cpus=N (>= 1, <= GUEST_MAX_CPUS). */
int smp_cpus_available(void);
/* Where the count came from, for logs: e.g. "fw_cfg 4, MADT 4, cpus=2"
 * (0: that source did not answer). */
const char *smp_cpus_source(void);

/*
 * Boot CPU only, once. Starts APs until ncpus CPUs are online (ncpus counts
 * the boot CPU; ncpus <= 0 means smp_cpus_available()); each AP, once all
 * are up, calls fn(its index), then marks itself done and halts for good.
 * The boot CPU does not call fn: the caller usually calls fn(0) itself, then
 * smp_wait_all(). Returns the number of CPUs online, the boot CPU included
 * (1 when ncpus <= 1 or none started; then nothing was touched). An AP that
 * does not check in ends the start-up there (no further AP is tried); the
 * reason is printed as an INFO line.
 */
int smp_start(int ncpus, void (*fn)(int cpu));

/*
 * Boot CPU only, after smp_start. INIT-SIPI-SIPI again to AP cpu, running
 * or not: it drops what it was doing (an INIT ends it wherever it is) and
 * comes back through the trampoline to call fn(cpu) afresh on a fresh
 * stack. Its APIC mode is read again on arrival: the SDM has INIT keep
 * x2APIC mode, Bochs 2.7 resets it to xAPIC. true once it checked in.
 * The AP's fn must not have returned before (it would be counted twice by
 * smp_wait_all); the caller takes care of any lock the AP held.
 */
bool smp_restart_cpu(int cpu);

int smp_cpu_id(void);            /* this CPU's dense index: 0 = boot CPU */
int smp_num_cpus(void);          /* CPUs online: 1 before smp_start */
uint32_t smp_apic_id(int cpu);   /* the APIC ID of CPU index cpu */

/* All smp_num_cpus() CPUs meet here; reusable. Only after smp_start. */
void smp_barrier(void);
/* Boot CPU: waits until every AP's fn has returned. */
void smp_wait_all(void);

/* A polite busy-wait step: PAUSE, and now and then HC_YIELD under
 * chronovisor so that a vCPU waiting for another gives its pCPU away
 * (spin_lock waits with it too). */
void smp_relax(void);

#endif
