/*
 * kernel/panic.c - panic(): say why, give the verdict, stop (kernel/panic.h).
 *
 * Context: any pCPU, interrupts turned off here. It sits above both the
 * console and the platform code, so neither of those calls the other.
 */
#include "kernel/panic.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/platform.h"
#include "lib/stack_protector.h"

void panic(const char *fmt, ...)
{
	va_list ap;

	cli();
	kprintf("[hv] PANIC on pcpu %d: ", percpu_ready() ? (int32_t)this_cpu()->cpu_id : 0);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	platform_finish(VERDICT_FAIL);
}

/* -fstack-protector-strong found a function's canary overwritten as it
 * returned (lib/stack_protector.h): its frame, saved RBP and return
 * address can no longer be trusted, so no backtrace; where says which
 * function (addr2line -e build/chronovisor.elf). */
static NORETURN void stack_chk_panic(void *where)
{
	panic("stack protector: the stack canary of the function at %p was overwritten "
	      "(a stack buffer overflow); addr2line -e build/chronovisor.elf %p", where, where);
}

extern uint8_t boot_canary_rdrand[];        /* boot/entry.asm */

void panic_init(void)
{
	stack_chk_fail_hook = stack_chk_panic;
	kprintf("[hv] hostmem: stack protector on (-fstack-protector-strong), per-boot canary from %s\n",
		boot_canary_rdrand[0] ? "RDRAND" : "the TSC (no RDRAND)");
}
