/*
 * kernel/panic.h - the end of the road for a broken invariant.
 *
 * Context: any pCPU, any time after the console is up.
 */
#ifndef CV_PANIC_H
#define CV_PANIC_H

#include "lib/types.h"

/* Print "[hv] PANIC on pcpu N: ...", "RESULT: FAIL", and shut the platform
 * down (kernel/platform.c). */
NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Route the stack protector's failures (lib/stack_protector.h) to a named
 * panic. Called once, as soon as the console works. */
void panic_init(void);

#define assert(cond)                                                         \
	do {                                                                 \
		if (!(cond))                                                 \
			panic("assertion '%s' failed at %s:%d", #cond,       \
			      __FILE__, __LINE__);                           \
	} while (0)

#endif
