/*
 * kernel/console.h - the hypervisor console: COM1, port 0xE9 and VGA text at once.
 *
 * Context: kernel, any CPU. Output is serialised by a spinlock so lines from
 * different pCPUs do not interleave inside a line.
 */
#ifndef CV_CONSOLE_H
#define CV_CONSOLE_H

#include "lib/types.h"

void console_init(void);
void console_write(const char *s, size_t len);
/* Wait until COM1 has sent everything (LSR.TEMT): call before shutdown. */
void console_flush(void);

void kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
void kvprintf(const char *fmt, va_list ap);

/* panic() and assert() (kernel/panic.h) come with the console. */
#include "kernel/panic.h"

#endif
