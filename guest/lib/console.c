/*
 * guest/lib/console.c - COM1 and port 0xE9 output for the guest.
 *
 * Context: guest, any mode, interrupts off, any CPU. Polled transmit only.
 * 16550 registers: PC16550D datasheet, "Register Description".
 *
 * Several CPUs (after smp_start, guest/lib/smp.h): a line is the unit. The
 * first character of a line takes the console for this CPU, the '\n' that
 * ends it gives it back, so lines built from several printf calls
 * (report_info) stay whole and chronovisor's per-line "[vmN]" prefix stays
 * right. Nested output on the CPU that holds it (an exception report in the
 * middle of a line) goes straight on. A holder that never ends its line
 * (stopped mid-line) would block everyone: waiters take the console over
 * after CONSOLE_STEAL_SPINS, so the verdict still gets out.
 */
#include <stdint.h>

#include "guest/lib/console.h"
#include "guest/lib/cpu.h"
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

/* Far longer than any line takes (a 256-byte line at 115200 baud: 22 ms). */
#define CONSOLE_STEAL_SPINS 100000000

static int line_owner = -1;     /* index of the CPU inside a line, -1 = none */

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

static void line_lock(int me)
{
	int expect = -1;

	if (__atomic_load_n(&line_owner, __ATOMIC_RELAXED) == me)
		return;
	for (unsigned long i = 0; i < CONSOLE_STEAL_SPINS; i++) {
		expect = -1;
		if (__atomic_compare_exchange_n(&line_owner, &expect, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		pause();
	}
	__atomic_store_n(&line_owner, me, __ATOMIC_SEQ_CST);   /* taken over */
}

void console_putc(char c)
{
	bool smp = guest_smp_active;
	int me = smp ? this_cpu()->index : 0;

	if (smp)
		line_lock(me);
	uart_wait(LSR_THRE);
	outb(COM1 + UART_THR, (uint8_t)c);
	if (e9_enabled)
		outb(DEBUGCON_PORT, (uint8_t)c);
	if (smp && c == '\n')
		__atomic_store_n(&line_owner, -1, __ATOMIC_RELEASE);
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
