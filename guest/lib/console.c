/*
 * guest/lib/console.c - COM1 and port 0xE9 output for the guest.
 *
 * Context: guest, any mode, interrupts off. Polled transmit only.
 * 16550 registers: PC16550D datasheet, "Register Description".
 */
#include <stdint.h>

#include "guest/lib/console.h"
#include "guest/lib/x86.h"

#define COM1            0x3F8
#define UART_THR        0       /* transmit holding (DLAB = 0) */
#define UART_DLL        0       /* divisor latch low (DLAB = 1) */
#define UART_IER        1       /* interrupt enable (DLAB = 0) */
#define UART_DLM        1       /* divisor latch high (DLAB = 1) */
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define FCR_ENABLE_CLEAR 0x07   /* FIFO on, clear RX and TX FIFOs */
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_THRE        0x20    /* transmit holding register empty */
#define LSR_TEMT        0x40    /* transmitter (shift register too) empty */
#define BAUD_DIVISOR    1       /* 115200 baud */

#define DEBUGCON_PORT   0xE9

/* Polls before giving up on a UART that never says "empty". At 115200 baud a
 * character takes about 87 us; this is far more than that on any CPU here. */
#define UART_SPIN_LIMIT 1000000

static bool e9_enabled;

void console_init(bool use_port_e9)
{
	e9_enabled = use_port_e9;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, BAUD_DIVISOR & 0xFF);
	outb(COM1 + UART_DLM, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void uart_wait(uint8_t bits)
{
	for (unsigned i = 0; i < UART_SPIN_LIMIT; i++) {
		if ((inb(COM1 + UART_LSR) & bits) == bits)
			return;
		pause();
	}
}

void console_putc(char c)
{
	uart_wait(LSR_THRE);
	outb(COM1 + UART_THR, (uint8_t)c);
	if (e9_enabled)
		outb(DEBUGCON_PORT, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
	while (n--)
		console_putc(*s++);
}

void console_flush(void)
{
	uart_wait(LSR_THRE | LSR_TEMT);
}
