/*
 * kernel/console.h - the hypervisor console: COM1, port 0xE9 and VGA text at once.
 *
 * Context: kernel, any CPU. Each write goes whole into one ring buffer, in
 * order, and one pCPU at a time sends the ring to the sinks with no lock
 * held while it waits for the UART (kernel/console.c).
 */
#ifndef CV_CONSOLE_H
#define CV_CONSOLE_H

#include "lib/types.h"

void console_init(void);
/* The hypervisor's own output: never dropped (waits for room in the ring). */
void console_write(const char *s, size_t len);
/* Output written on a guest's behalf: never waits. false when the ring is
 * too full to take it whole; the caller counts it as dropped. */
bool console_write_guest(const char *s, size_t len);
/* Send what the ring holds unless another pCPU is at it (idle pCPUs);
 * inline, so that the idle loop's common case (nothing to send) is two
 * loads and a compare. */
extern uint64_t console_ring_head, console_ring_tail;
void console_poll_slow(void);
static inline void console_poll(void)
{
	if (__atomic_load_n(&console_ring_head, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&console_ring_tail, __ATOMIC_RELAXED))
		console_poll_slow();
}
/* Bytes sent from the ring so far, and the TSC ticks spent sending them
 * (mostly waiting for the UART): the cost of a byte on this console. */
void console_stats(uint64_t *bytes, uint64_t *ticks);
/* Send what the ring holds, then wait until COM1 has sent everything
 * (LSR.TEMT): call before shutdown. */
void console_flush(void);

void kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
void kvprintf(const char *fmt, va_list ap);

/* panic() and assert() (kernel/panic.h) come with the console. */
#include "kernel/panic.h"

#endif
