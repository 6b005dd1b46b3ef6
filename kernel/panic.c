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
