/*
 * vmm/options.h - the hypervisor's command-line options, parsed once at boot.
 *
 * Context: kernel, boot CPU. The option table lives in vmm/options.c (one
 * row per option, with its allowed values and a line of help); the generic
 * parser is vmm/cmdline.c. Options are documented in README.md.
 */
#ifndef CV_OPTIONS_H
#define CV_OPTIONS_H

#include "vmm/types.h"

/* crash=: teaching aid that provokes an exception in the hypervisor to show
 * the register dump (see vmm/trap.c). */
enum crash_kind { CRASH_NONE, CRASH_UD, CRASH_GP, CRASH_PF, CRASH_DE, CRASH_BP };

struct hv_options {
	enum crash_kind crash;
	uint64_t watchdog;
	int brk;                  /* break=: enum break_kind, a teaching aid */        /* TSC ticks a VM may run before it is ended; 0 = never */
};

extern struct hv_options hv_opts;

/* Parse cmdline into hv_opts. On error prints the message and the list of
 * options and returns false. */
bool options_parse(const char *cmdline);

#endif
