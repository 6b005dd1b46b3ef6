/*
 * guest/lib/console.h - the guest's console: COM1 (16550) and port 0xE9.
 *
 * Context: guest, any CPU. Lines end in "\n" only. With several CPUs
 * (guest/lib/smp.h) each line is written whole: a CPU holds the console from
 * a line's first character to its '\n', so never wait for another CPU in
 * the middle of a line. COM1 is always written. Port 0xE9 (Bochs' and
 * QEMU's debug console) is written only when running bare: chronovisor
 * forwards both ports as "[vmN]" lines, and writing both would print every
 * line twice.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

void console_init(bool use_port_e9);
void console_putc(char c);
void console_write(const char *s, size_t n);
/* Wait until COM1 has sent everything (LSR.TEMT): Bochs drops what is still
 * in the transmitter when the machine powers off. Bounded: gives up after a
 * while when no UART answers. */
void console_flush(void);

#endif
