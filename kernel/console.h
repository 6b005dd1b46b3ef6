/*
 * kernel/console.h - the hypervisor console: serial UARTs, port 0xE9 and a
 * screen (VGA text or a UEFI framebuffer), all at once.
 *
 * Context: kernel, any CPU. Output is serialised by a spinlock so lines from
 * different pCPUs do not interleave inside a line.
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

void console_write(const char *s, size_t len);
/* Wait until every UART has sent everything (LSR.TEMT): call before shutdown. */
void console_flush(void);

void kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
void kvprintf(const char *fmt, va_list ap);

/* panic() and assert() (kernel/panic.h) come with the console. */
#include "kernel/panic.h"

#endif
