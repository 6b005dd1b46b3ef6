/*
 * lib/stack_protector.c - the canary and the failure call of
 * -fstack-protector-strong (lib/stack_protector.h).
 *
 * Context: any pCPU. __stack_chk_fail itself has no array and no
 * address-taken local, so it carries no canary of its own.
 */
#include "lib/stack_protector.h"

uint64_t __stack_chk_guard;                /* written by boot/entry.asm */
void (*stack_chk_fail_hook)(void *where);

void __stack_chk_fail(void)
{
	if (stack_chk_fail_hook)
		stack_chk_fail_hook(__builtin_return_address(0));
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}
