/*
 * lib/stack_protector.h - the two symbols GCC's -fstack-protector-strong needs.
 *
 * Context: kernel (every layer is built with -fstack-protector-strong
 * -mstack-protector-guard=global, Makefile). A function with a local array
 * or an address-taken local stores __stack_chk_guard below its return
 * address on entry and compares it on return; a mismatch calls
 * __stack_chk_fail(). boot/entry.asm writes a per-boot value (RDRAND, else
 * the TSC) before any C runs. This layer cannot print: the kernel installs
 * stack_chk_fail_hook (kernel/panic.c:panic_init), which names the failure
 * and ends the run; without a hook the CPU halts.
 */
#ifndef CV_STACK_PROTECTOR_H
#define CV_STACK_PROTECTOR_H

#include "lib/types.h"

extern uint64_t __stack_chk_guard;
/* Called with the return address of the __stack_chk_fail call (inside the
 * function whose canary was overwritten); must not return. */
extern void (*stack_chk_fail_hook)(void *where);

NORETURN void __stack_chk_fail(void);

#endif
