/*
 * kernel/platform.h - the end of a run: the verdict line and platform shutdown.
 *
 * Context: kernel, the pCPU that decides the run is over.
 */
#ifndef CV_PLATFORM_H
#define CV_PLATFORM_H

#include "lib/types.h"

enum verdict {
	VERDICT_PASS = 0,   /* every check and every VM passed */
	VERDICT_FAIL = 1,   /* something failed: the log says what */
	VERDICT_NOVMX = 2,  /* this CPU offers no usable VMX: nothing could run */
};

/* Print "RESULT: <verdict>", flush the UART and power off: isa-debug-exit
 * (QEMU; exit status (v << 1) | 1), the Bochs shutdown port, ACPI S5; if all
 * of those fail (real hardware without ACPI), halt with the verdict on screen. */
NORETURN void platform_finish(enum verdict v);

const char *verdict_name(enum verdict v);

#endif
