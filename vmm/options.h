/*
 * vmm/options.h - the hypervisor's command-line options, parsed once at boot.
 *
 * Context: kernel, boot CPU. The option table lives in vmm/options.c (one
 * row per option, with its allowed values and a line of help); the generic
 * parser is lib/cmdline.c. Options are documented in README.md.
 */
#ifndef CV_OPTIONS_H
#define CV_OPTIONS_H

#include "lib/types.h"
#include "vmm/time/vtsc.h"

/* crash=: teaching aid that provokes an exception in the hypervisor to show
 * the register dump (see kernel/trap.c); stack, wtext, xdata and canary
 * show the host memory protections (docs/design.md, "Host memory map"). */
enum crash_kind { CRASH_NONE, CRASH_UD, CRASH_GP, CRASH_PF, CRASH_DE, CRASH_BP,
		  CRASH_STACK, CRASH_WTEXT, CRASH_XDATA, CRASH_CANARY };

/* entry_check=: when the software VM-entry checker (vmx/entry_check.h) runs:
 * first (default): the first VMLAUNCH of each vCPU on each pCPU (the host
 * state differs per pCPU), and again after the hypervisor rewrites the guest
 * state (SIPI, break=); launch: before every VMLAUNCH (with migrate= every
 * slice starts with one: about 2000 instructions a move); always: also before
 * every VMRESUME from the run loop (never on the per-exit fast path, where
 * the exit stub resumes directly); off: the CPU's own diagnosis only. */
enum entry_check_mode { ENTRY_CHECK_FIRST, ENTRY_CHECK_LAUNCH, ENTRY_CHECK_ALWAYS, ENTRY_CHECK_OFF };

/* migrate=: where a vCPU runs after it leaves a pCPU (vmm/sched.c). */
enum migrate_mode { MIGRATE_OFF, MIGRATE_RR, MIGRATE_RANDOM, MIGRATE_EVERY_EXIT };

/* apicv= (docs/interrupts.md, "How much the CPU virtualizes: apicv="): off:
 * CR8 and every APIC access exit; tpr: the TPR shadow keeps CR8 in the
 * virtual-APIC page; on: also "virtualize APIC accesses", "APIC-register
 * virtualization" and "virtual-interrupt delivery" where the CPU has them
 * (else it falls back to tpr, then off). Ordered: each level includes the
 * one below. */
enum apicv_level { APICV_OFF, APICV_TPR, APICV_ON };

#define OPT_STRING_MAX 128

#define OPT_MAX_SAVES 4

struct hv_options {
	enum crash_kind crash;
	uint64_t watchdog;        /* TSC ticks a VM may run before it is ended; 0 = never */
	int brk;                  /* break=: enum break_kind, a teaching aid */
	enum entry_check_mode entry_check;   /* entry_check= */
	uint32_t cpus;            /* cpus=: use at most this many pCPUs (0: all found) */
	bool cpu_tables_mp;       /* cpu_tables=mp: ignore the MADT, use the MP table */
	char skew[OPT_STRING_MAX];    /* skew=: injected per-pCPU TSC skew, "" = none */
	char skew_error[OPT_STRING_MAX];  /* skew_error=: added to the measured table (teaching aid) */
	enum tsc_policy tsc;      /* tsc= */
	uint64_t slice;           /* slice=: ticks a vCPU runs before it leaves its pCPU */
	enum migrate_mode migrate;    /* migrate= */
	uint64_t migrate_seed;        /* migrate=random:SEED */
	bool x2apic;                  /* x2apic=on: every pCPU's own APIC in x2APIC mode */
	/* save=vmN@TICKS[,vmM@TICKS...]: save VM N once its guest TSC reaches
	 * TICKS (vmm/snap.c); nsaves entries */
	uint32_t nsaves;
	struct { uint32_t vm; uint64_t at; } saves[OPT_MAX_SAVES];
	bool console_serial;          /* console=serial: no screen output (serial and port 0xE9 only) */
	bool exc_intercept;           /* exc_intercept=on: #AC and #DB exit and are reflected */
	uint32_t nmi_test;            /* nmi_test=N: send N host NMIs during the run (teaching aid) */
	bool fpu_switch;              /* fpu_switch=on: per-vCPU FPU/debug registers (vmm/core/guest_fpu.c) */
	bool contract;                /* contract=on: hidden features fault (vmm/dev/features.c) */
	uint64_t sleep_max;           /* sleep_max=: longest HC_SLEEP, guest ticks; 0 = no cap */
	uint64_t out_max;             /* out_max=: console bytes per VM; 0 = no budget */
	uint32_t handover_delay;      /* handover_delay=N: PAUSEs the old pCPU of a handover waits
				       * before its VMCLEAR and before its saves (test aid) */
	enum apicv_level apicv;       /* apicv=: how much of the guest's APIC the CPU virtualizes */
	int32_t console_in;           /* console_in=vmN: the VM whose COM1 gets the console's input; -1: off */
};

extern struct hv_options hv_opts;

/* Parse cmdline into hv_opts. On error prints the message and the list of
 * options and returns false. */
bool options_parse(const char *cmdline);

#endif
