/*
 * kernel/console.h - the hypervisor console: serial UARTs, port 0xE9 and a
 * screen (VGA text or a UEFI framebuffer), all at once.
 *
 * Context: kernel, any CPU. Each write goes whole into one ring buffer, in
 * order, and one pCPU at a time sends the ring to the sinks with no lock
 * held while it waits for the UART (kernel/console.c).
 */
#ifndef CV_CONSOLE_H
#define CV_CONSOLE_H

#include "lib/types.h"
#include "kernel/multiboot.h"
#include "kernel/spcr.h"

/* COM1 at 115200 8N1 and port 0xE9; vga_text: also the VGA text screen at
 * 0xB8000 (Multiboot1 on a BIOS machine; off until the Multiboot2 framebuffer
 * tag says what the screen is). */
void console_init(bool vga_text);

enum console_screen {
	CONSOLE_SCREEN_NONE,            /* no usable screen: serial only */
	CONSOLE_SCREEN_VGA_TEXT,        /* EGA/VGA text mode */
	CONSOLE_SCREEN_FRAMEBUFFER,     /* RGB framebuffer, kernel/fbcon.c */
	CONSOLE_SCREEN_UNMAPPED,        /* a framebuffer that could not be mapped: not drawn on */
};

/* Use the screen the Multiboot2 framebuffer tag describes (replaces the
 * VGA text screen of console_init). Clears it. A framebuffer above the 4 GiB
 * boot map is mapped uncached first (kernel/paging.h): call this before the
 * APs start. */
enum console_screen console_screen_init(const struct boot_fb *fb,
					bool (*map_mmio)(uint64_t base, uint64_t len));
/* Text columns and rows of the screen in use (0 x 0: none). */
void console_screen_text_size(unsigned *cols, unsigned *rows);
/* Stop drawing on any screen (console=serial). */
void console_screen_off(void);

/* Also send everything to UART u (from the ACPI SPCR table), after replaying
 * the output so far. Returns false when it is already a console UART. */
bool console_add_uart(const struct uart_desc *u);

/* One byte received by the console's first UART (COM1, or the SPCR one when
 * that is the only one), or -1 when none waits. Polled, never waits; one
 * pCPU at a time (the scheduler's pCPU 0: vmm/sched.c). */
int console_getc(void);

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
/* Send what the ring holds, then wait until every UART has sent everything
 * (LSR.TEMT): call before shutdown. */
void console_flush(void);

void kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
void kvprintf(const char *fmt, va_list ap);

/* panic() and assert() (kernel/panic.h) come with the console. */
#include "kernel/panic.h"

#endif
