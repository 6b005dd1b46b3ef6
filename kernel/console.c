/*
 * kernel/console.c - hypervisor console: COM1 (16550), port 0xE9 and VGA text.
 *
 * Context: kernel, any pCPU, interrupts off. Every byte goes to all three
 * sinks: COM1 for logs and real serial consoles, port 0xE9 for Bochs' and
 * QEMU's debug console, VGA text for a screen on a BIOS machine (under UEFI
 * the VGA writes simply go nowhere). Lines end in "\n" only, so emulator
 * logs are clean; set your terminal to add CR on LF.
 *
 * Serialisation: one lock for whole kprintf calls. A CPU that faults while
 * printing re-enters kprintf; the lock records its owner so that CPU goes
 * on instead of deadlocking on itself.
 */
#include "kernel/console.h"
#include "kernel/arch.h"
#include "kernel/percpu.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* 16550 UART registers (offsets from the base port) */
#define COM1_BASE       0x3F8
#define UART_THR        0       /* transmit holding (write) */
#define UART_IER        1       /* interrupt enable */
#define UART_DLL        0       /* divisor latch low (DLAB = 1) */
#define UART_DLM        1       /* divisor latch high (DLAB = 1) */
#define UART_FCR        2       /* FIFO control */
#define UART_LCR        3       /* line control */
#define UART_MCR        4       /* modem control */
#define UART_LSR        5       /* line status */
#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define FCR_ENABLE_CLEAR 0x07   /* enable FIFOs, clear both */
#define MCR_DTR_RTS     0x03
#define LSR_THRE        0x20    /* transmit holding register empty */
#define LSR_TEMT        0x40    /* transmitter (shift register too) empty */
#define UART_DIVISOR_115200 1
#define UART_SPIN_LIMIT 1000000 /* give up on a dead or absent UART */

#define DEBUGCON_PORT   0xE9

#define VGA_TEXT        ((volatile uint16_t *)0xB8000)
#define VGA_COLS        80
#define VGA_ROWS        25
#define VGA_ATTR        0x0700  /* light grey on black */

static struct spinlock console_lock;
static volatile int32_t console_owner = -1;
static unsigned vga_row, vga_col;

static void uart_putc(char c)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++)
		if (inb(COM1_BASE + UART_LSR) & LSR_THRE)
			break;
	outb(COM1_BASE + UART_THR, (uint8_t)c);
}

static void vga_scroll(void)
{
	for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		VGA_TEXT[i] = VGA_TEXT[i + VGA_COLS];
	for (unsigned i = 0; i < VGA_COLS; i++)
		VGA_TEXT[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
	vga_row = VGA_ROWS - 1;
}

static void vga_putc(char c)
{
	if (c == '\n') {
		vga_col = 0;
		if (++vga_row == VGA_ROWS)
			vga_scroll();
		return;
	}
	VGA_TEXT[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
	if (++vga_col == VGA_COLS) {
		vga_col = 0;
		if (++vga_row == VGA_ROWS)
			vga_scroll();
	}
}

void console_init(void)
{
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, LCR_DLAB);
	outb(COM1_BASE + UART_DLL, UART_DIVISOR_115200 & 0xFF);
	outb(COM1_BASE + UART_DLM, UART_DIVISOR_115200 >> 8);
	outb(COM1_BASE + UART_LCR, LCR_8N1);
	outb(COM1_BASE + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1_BASE + UART_MCR, MCR_DTR_RTS);

	for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
		VGA_TEXT[i] = VGA_ATTR | ' ';
	vga_row = vga_col = 0;
}

static void console_put(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uart_putc(s[i]);
		outb(DEBUGCON_PORT, (uint8_t)s[i]);
		vga_putc(s[i]);
	}
}

static int32_t my_cpu(void)
{
	return percpu_ready() ? (int32_t)this_cpu()->cpu_id : 0;
}

/* Take the console lock unless this CPU already holds it (re-entry from a
 * fault while printing). Returns whether the caller must release it. */
static bool console_lock_take(void)
{
	int32_t me = my_cpu();

	if (console_owner == me)
		return false;
	spin_lock(&console_lock);
	console_owner = me;
	return true;
}

static void console_lock_release(bool taken)
{
	if (!taken)
		return;
	console_owner = -1;
	spin_unlock(&console_lock);
}

void console_write(const char *s, size_t len)
{
	bool taken = console_lock_take();
	console_put(s, len);
	console_lock_release(taken);
}

void console_flush(void)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++)
		if (inb(COM1_BASE + UART_LSR) & LSR_TEMT)
			return;
}

void kvprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = cv_vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
