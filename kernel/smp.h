/*
 * kernel/smp.h - starting the application processors (APs) and giving them work.
 *
 * Context: kernel. smp_init() runs once on the boot CPU (pCPU 0) after
 * tsc_calibrate() (AP start-up timeouts are TSC-timed).
 * It finds the CPUs in the ACPI MADT, starts each AP with INIT-SIPI-SIPI
 * through boot/trampoline.asm, and every AP whose ap_setup succeeds (for
 * chronovisor: VMX root operation) gets the next dense pCPU id (1, 2, ...).
 * An AP that does not start or whose ap_setup fails is reported ("[hv] smp: pcpu N (APIC ID X) did not
 * start: left out"), sent INIT again (back to wait-for-SIPI) and not counted.
 *
 * Afterwards each AP waits in ap_idle() (kernel/smp.c): a pause loop on its own
 * mailbox, interrupts off (IF = 0); no IPI is ever
 * needed to wake it (a store to the mailbox does). smp_call() posts one
 * function to an AP; the AP runs it, marks it done and waits again. A
 * function that never returns (a scheduler loop) simply keeps the AP.
 */
#ifndef CV_SMP_H
#define CV_SMP_H

#include "lib/types.h"

struct boot_info;

/* How smp_init() starts the APs. The layer above decides what an AP must
 * become (VMX root operation, for chronovisor): ap_setup runs on each AP
 * right after it reaches C with its GDT, IDT and per-CPU data, and returns
 * whether that AP is usable; an AP whose ap_setup fails is left out. */
struct smp_params {
	uint32_t max_cpus;              /* pCPUs in all, the boot CPU included; 0 = every one */
	bool mp_table_only;             /* ignore the ACPI MADT (exercises the MP fallback) */
	bool force_x2apic;              /* switch every pCPU's APIC to x2APIC mode */
	bool (*ap_setup)(uint32_t cpu_id);
	const char *ready_state;        /* what "online" means, for the report line */
};

/* Start every AP the MADT (or MP table) lists, at most p->max_cpus pCPUs in
 * all and at most MAX_CPUS. Prints what it found and did; never fails: with
 * no MADT, no APIC or no trampoline page it runs on pCPU 0 only. */
void smp_init(const struct boot_info *bi, const struct smp_params *p);

/* pCPUs online: pCPU 0 and every AP whose ap_setup succeeded (ids 0..n-1). */
uint32_t smp_ncpus(void);

/*
 * Run fn(arg) on pCPU cpu (1..n-1). Waits first for the previous call on that
 * pCPU to finish, then posts this one and returns at once; smp_wait(cpu)
 * waits for it. Called for the calling pCPU itself, it runs fn(arg) inline.
 * The memory fn reads is visible to it (release/acquire on the mailbox).
 * One poster per target pCPU at a time: the mailbox has no lock.
 */
void smp_call(uint32_t cpu, void (*fn)(void *), void *arg);

/* Wait until the last smp_call() to pCPU cpu has returned. */
void smp_wait(uint32_t cpu);

/* Has the last smp_call() to pCPU cpu returned? (no waiting) */
bool smp_call_done(uint32_t cpu);

/* C entry of an AP, called by boot/trampoline.asm on the AP's own stack. */
NORETURN void ap_main(uint32_t cpu_id);

#endif
