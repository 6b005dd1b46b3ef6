/*
 * kernel/console.c - hypervisor console: COM1 (16550), port 0xE9 and VGA text.
 *
 * Context: kernel, any pCPU, interrupts off. Every byte goes to all three
 * sinks: COM1 for logs and real serial consoles, port 0xE9 for Bochs' and
 * QEMU's debug console, VGA text for a screen on a BIOS machine (under UEFI
 * the VGA writes simply go nowhere). Lines end in "\n" only, so emulator
 * logs are clean; set your terminal to add CR on LF.
 *
 * Serialisation: every write goes whole into one ring buffer (CONSOLE_RING
 * bytes) under a short lock that covers only the copy, so lines from
 * different pCPUs never mix inside a write and keep the order in which they
 * were written. The ring is emptied into the three sinks by one pCPU at a
 * time, the drainer: whichever writer finds no drainer at work becomes it,
 * and it waits for the UART with no lock held, taking a few bytes from the
 * ring under the lock at a time. So a pCPU never waits for the UART behind
 * another pCPU's output: it copies its line and goes on (docs/design.md,
 * "Console output"). Guest lines (console_write_guest) never wait at all: when
 * the ring has less than CONSOLE_HV_RESERVE bytes free beyond them, they are
 * refused and the caller counts them as dropped. The hypervisor's own lines
 * wait for room (draining themselves if no one else does), so a verdict is
 * never lost. A CPU that faults while it holds the ring lock or drains
 * re-enters kprintf; it then writes straight to the sinks instead of
 * deadlocking on itself.
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

#define CONSOLE_RING        (64 * KiB)      /* a power of 2 */
#define CONSOLE_HV_RESERVE  (16 * KiB)      /* kept free of guest lines */
#define DRAIN_CHUNK         64              /* bytes taken from the ring per lock */
#define NO_CPU              (-1)

static char ring[CONSOLE_RING];
/* bytes ever written / ever sent, under ring_lock (console_poll peeks) */
uint64_t console_ring_head, console_ring_tail;
static struct spinlock ring_lock;
static volatile int32_t ring_owner = NO_CPU;   /* holds ring_lock */
static int32_t drainer = NO_CPU;               /* empties the ring (atomic) */
static unsigned vga_row, vga_col;
static uint64_t sent_bytes, sent_ticks;         /* by drainers: console_stats */

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

static void ring_lock_take(int32_t me)
{
	spin_lock(&ring_lock);
	ring_owner = me;
}

static void ring_lock_release(void)
{
	ring_owner = NO_CPU;
	spin_unlock(&ring_lock);
}

/* Copy s into the ring if it fits with `reserve` bytes to spare (under the
 * lock). */
static bool ring_put(const char *s, size_t len, size_t reserve)
{
	if (len + reserve > CONSOLE_RING - (console_ring_head - console_ring_tail))
		return false;
	for (size_t i = 0; i < len; i++)
		ring[(console_ring_head + i) & (CONSOLE_RING - 1)] = s[i];
	console_ring_head += len;
	return true;
}

/*
 * Send up to `budget` bytes of the ring unless another pCPU is at it. The
 * drainer takes DRAIN_CHUNK bytes under the lock and sends them with no
 * lock held. Whoever appends after the drainer's last look finds it still
 * at work and leaves, so the drainer looks again after it stops being the
 * drainer, while it has budget left. A guest's writer drains twice as many
 * bytes as it wrote (its share of the UART's time, whoever's bytes they
 * are, and as much again of a backlog left while another pCPU drained);
 * the hypervisor's own writes, console_poll and console_flush drain all.
 */
static void ring_drain(int32_t me, uint64_t budget)
{
	char chunk[DRAIN_CHUNK];

	while (budget) {
		int32_t none = NO_CPU;
		if (!__atomic_compare_exchange_n(&drainer, &none, me, false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			return;
		while (budget) {
			ring_lock_take(me);
			size_t n = (size_t)MIN(MIN(console_ring_head - console_ring_tail, (uint64_t)DRAIN_CHUNK), budget);
			for (size_t i = 0; i < n; i++)
				chunk[i] = ring[(console_ring_tail + i) & (CONSOLE_RING - 1)];
			console_ring_tail += n;
			ring_lock_release();
			if (!n)
				break;
			budget -= n;
			uint64_t t0 = rdtsc();
			console_put(chunk, n);
			sent_ticks += rdtsc() - t0;     /* one drainer at a time */
			sent_bytes += n;
		}
		__atomic_store_n(&drainer, NO_CPU, __ATOMIC_RELEASE);
		ring_lock_take(me);
		bool more = console_ring_head != console_ring_tail;
		ring_lock_release();
		if (!more)
			return;
	}
}

/* Re-entered from a fault on a CPU that holds the ring lock or drains:
 * the ring cannot be trusted to move, so straight to the sinks. */
static bool reentered(int32_t me)
{
	return ring_owner == me || __atomic_load_n(&drainer, __ATOMIC_RELAXED) == me;
}

void console_write(const char *s, size_t len)
{
	int32_t me = my_cpu();

	if (reentered(me)) {
		console_put(s, len);
		return;
	}
	while (len) {
		/* a write longer than the ring goes in pieces */
		size_t n = MIN(len, (size_t)CONSOLE_RING / 2);
		ring_lock_take(me);
		bool put = ring_put(s, n, 0);
		ring_lock_release();
		ring_drain(me, UINT64_MAX);
		if (put) {
			s += n;
			len -= n;
		} else {
			cpu_relax();      /* full: another pCPU drains; wait for room */
		}
	}
}

bool console_write_guest(const char *s, size_t len)
{
	int32_t me = my_cpu();

	if (reentered(me))
		return false;
	ring_lock_take(me);
	bool put = ring_put(s, len, CONSOLE_HV_RESERVE);
	ring_lock_release();
	ring_drain(me, 2 * (uint64_t)len);   /* its share, and as much of a backlog */
	return put;
}

void console_stats(uint64_t *bytes, uint64_t *ticks)
{
	*bytes = sent_bytes;
	*ticks = sent_ticks;
}

void console_poll_slow(void)
{
	int32_t me = my_cpu();
	if (!reentered(me))
		ring_drain(me, UINT64_MAX);
}

void console_flush(void)
{
	int32_t me = my_cpu();

	if (!reentered(me))
		for (int i = 0; i < UART_SPIN_LIMIT; i++) {
			ring_drain(me, UINT64_MAX);
			if (__atomic_load_n(&console_ring_head, __ATOMIC_ACQUIRE) ==
			    __atomic_load_n(&console_ring_tail, __ATOMIC_ACQUIRE))
				break;
			cpu_relax();
		}
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
