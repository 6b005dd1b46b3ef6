/*
 * kernel/uart_raw.c - binary output through a 16550 UART (kernel/uart_raw.h).
 * Registers: the 16550's data sheet (THR, IER, FCR, LCR, MCR, LSR at base+0..5,
 * divisor latch behind LCR.DLAB).
 */
#include "kernel/uart_raw.h"
#include "kernel/arch.h"

#define THR 0
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define DLL 0
#define DLM 1
#define LCR_DLAB  0x80
#define LCR_8N1   0x03
#define FCR_ON    0x07      /* enable, clear both FIFOs */
#define MCR_ON    0x03      /* DTR, RTS */
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define DIV_115200 1

void uart_raw_init(uint16_t base)
{
	outb(base + IER, 0);
	outb(base + LCR, LCR_DLAB);
	outb(base + DLL, DIV_115200);
	outb(base + DLM, 0);
	outb(base + LCR, LCR_8N1);
	outb(base + FCR, FCR_ON);
	outb(base + MCR, MCR_ON);
}

void uart_raw_write(uint16_t base, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		while (!(inb(base + LSR) & LSR_THRE))
			cpu_relax();
		outb(base + THR, p[i]);
	}
}

void uart_raw_flush(uint16_t base)
{
	while (!(inb(base + LSR) & LSR_TEMT))
		cpu_relax();
}
