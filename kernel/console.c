/*
 * kernel/console.c - hypervisor console: serial UARTs, port 0xE9 and a screen.
 *
 * Context: kernel, any pCPU, interrupts off. Every byte goes to every sink:
 * COM1 (0x3F8) for logs and real serial consoles; the UART the ACPI SPCR
 * table names when it is another one (console_add_uart: servers often put
 * their console on COM2, laptops and NUCs on an MMIO UART); port 0xE9 for
 * Bochs' and QEMU's debug console; and the screen: VGA text (a BIOS machine,
 * or Multiboot2's EGA text framebuffer) or the UEFI GOP framebuffer through
 * kernel/fbcon.c. Lines end in "\n" only, so emulator logs are clean; set
 * your terminal to add CR on LF.
 *
 * A UART or a screen that joins later first gets the console output so far,
 * replayed from a buffer of the first EARLY_LOG_SIZE bytes, so its log starts
 * at the banner as COM1's does. An I/O-port UART is set to the baud rate the
 * SPCR names (divisor for the standard 1.8432 MHz clock); an MMIO UART keeps
 * the firmware's divisor, since its clock is often another one.
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
 * The sinks themselves (a screen, a UART from the SPCR) change only at boot,
 * under console_lock, before any other pCPU prints.
 */
#include "kernel/console.h"
#include "kernel/arch.h"
#include "kernel/fbcon.h"
#include "kernel/mem.h"
#include "kernel/percpu.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* 16550 UART registers (register numbers; times the stride from the base) */
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
#define UART_RBR        0       /* receive buffer (read) */
#define LSR_DR          0x01    /* data ready: a received byte waits in RBR */
#define LSR_THRE        0x20    /* transmit holding register empty */
#define LSR_TEMT        0x40    /* transmitter (shift register too) empty */
#define UART_CLOCK_BAUD 115200  /* 1.8432 MHz / 16: divisor 1 */
#define UART_SPIN_LIMIT 1000000 /* give up on a dead or absent UART */
#define MAX_UARTS       2       /* COM1 and the SPCR one */

#define DEBUGCON_PORT   0xE9

#define VGA_TEXT_DEFAULT 0xB8000
#define VGA_COLS        80
#define VGA_ROWS        25
#define VGA_ATTR        0x0700  /* light grey on black */

#define FB_TEXT_MAX     (240 * 135)   /* 1920x2160 worth of 8x16 cells; larger screens are cut */
#define EARLY_LOG_SIZE  8192
#define MAPPED_LIMIT    (4 * GiB)     /* identity map of boot/entry.asm */

static struct spinlock console_lock;           /* the sinks' configuration */
static volatile int32_t console_owner = -1;

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
static uint64_t sent_bytes, sent_ticks;         /* by drainers: console_stats */

static struct uart_desc uarts[MAX_UARTS];
static unsigned nuarts;

static volatile uint16_t *vga;          /* NULL: no VGA text screen */
static unsigned vga_cols, vga_rows, vga_pitch, vga_row, vga_col;

static struct fbcon fbcon;
static bool fb_on;
static uint8_t fb_text[FB_TEXT_MAX], fb_shown[FB_TEXT_MAX];

static char early_log[EARLY_LOG_SIZE];
static size_t early_len;

static uint8_t uart_in(const struct uart_desc *u, unsigned reg)
{
	uint64_t a = u->base + (uint64_t)reg * u->stride;

	if (!u->mmio)
		return inb((uint16_t)a);
	if (u->access == 4)
		return (uint8_t)*(volatile uint32_t *)phys_to_virt(a);
	return *(volatile uint8_t *)phys_to_virt(a);
}

static void uart_out(const struct uart_desc *u, unsigned reg, uint8_t v)
{
	uint64_t a = u->base + (uint64_t)reg * u->stride;

	if (!u->mmio)
		outb((uint16_t)a, v);
	else if (u->access == 4)
		*(volatile uint32_t *)phys_to_virt(a) = v;
	else
		*(volatile uint8_t *)phys_to_virt(a) = v;
}

/* 8N1 at u->baud (0: the divisor the firmware left), FIFOs on, no interrupts. */
static void uart_setup(const struct uart_desc *u)
{
	uart_out(u, UART_IER, 0);
	if (u->baud) {
		uint32_t div = UART_CLOCK_BAUD / u->baud;

		uart_out(u, UART_LCR, LCR_DLAB);
		uart_out(u, UART_DLL, (uint8_t)(div & 0xFF));
		uart_out(u, UART_DLM, (uint8_t)(div >> 8));
	}
	uart_out(u, UART_LCR, LCR_8N1);
	uart_out(u, UART_FCR, FCR_ENABLE_CLEAR);
	uart_out(u, UART_MCR, MCR_DTR_RTS);
}

static void uart_putc(const struct uart_desc *u, char c)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++)
		if (uart_in(u, UART_LSR) & LSR_THRE)
			break;
	uart_out(u, UART_THR, (uint8_t)c);
}

static void vga_clear(void)
{
	for (unsigned r = 0; r < vga_rows; r++)
		for (unsigned c = 0; c < vga_cols; c++)
			vga[r * vga_pitch + c] = VGA_ATTR | ' ';
	vga_row = vga_col = 0;
}

static void vga_scroll(void)
{
	for (unsigned r = 0; r + 1 < vga_rows; r++)
		for (unsigned c = 0; c < vga_cols; c++)
			vga[r * vga_pitch + c] = vga[(r + 1) * vga_pitch + c];
	for (unsigned c = 0; c < vga_cols; c++)
		vga[(vga_rows - 1) * vga_pitch + c] = VGA_ATTR | ' ';
	vga_row = vga_rows - 1;
}

static void vga_putc(char c)
{
	if (c == '\n') {
		vga_col = 0;
		if (++vga_row == vga_rows)
			vga_scroll();
		return;
	}
	vga[vga_row * vga_pitch + vga_col] = VGA_ATTR | (uint8_t)c;
	if (++vga_col == vga_cols) {
		vga_col = 0;
		if (++vga_row == vga_rows)
			vga_scroll();
	}
}

void console_init(bool vga_text)
{
	uarts[0] = (struct uart_desc){ .base = COM1_BASE, .stride = 1, .access = 1,
				       .baud = UART_CLOCK_BAUD };
	nuarts = 1;
	uart_setup(&uarts[0]);
	vga = NULL;
	if (vga_text) {
		vga = phys_to_virt(VGA_TEXT_DEFAULT);
		vga_cols = vga_pitch = VGA_COLS;
		vga_rows = VGA_ROWS;
		vga_clear();
	}
}

static void console_put(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		for (unsigned u = 0; u < nuarts; u++)
			uart_putc(&uarts[u], s[i]);
		outb(DEBUGCON_PORT, (uint8_t)s[i]);
		if (vga)
			vga_putc(s[i]);
		if (fb_on)
			fbcon_putc(&fbcon, s[i]);
		if (early_len < EARLY_LOG_SIZE)
			early_log[early_len++] = s[i];
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

enum console_screen console_screen_init(const struct boot_fb *fb,
					bool (*map_mmio)(uint64_t base, uint64_t len))
{
	bool taken = console_lock_take();
	enum console_screen s = CONSOLE_SCREEN_NONE;
	uint64_t bytes = (uint64_t)fb->pitch * fb->height;

	vga = NULL;
	fb_on = false;
	if (fb->kind == BOOT_FB_NONE || fb->kind == BOOT_FB_INDEXED) {
		s = CONSOLE_SCREEN_NONE;
	} else if ((fb->addr >= MAPPED_LIMIT || bytes > MAPPED_LIMIT - fb->addr) &&
		   !map_mmio(fb->addr, bytes)) {
		s = CONSOLE_SCREEN_UNMAPPED;    /* beyond 2^47, or the table pool ran out */
	} else if (fb->kind == BOOT_FB_EGA_TEXT) {
		vga = phys_to_virt(fb->addr);
		vga_cols = fb->width;
		vga_rows = fb->height;
		vga_pitch = fb->pitch / 2;
		vga_clear();
		s = CONSOLE_SCREEN_VGA_TEXT;
	} else if (fbcon_init(&fbcon, fb, phys_to_virt(fb->addr), fb_text, fb_shown,
			      sizeof(fb_text))) {
		fb_on = true;
		s = CONSOLE_SCREEN_FRAMEBUFFER;
	}
	/* The screen starts with the banner too: what was printed before it existed. */
	for (size_t i = 0; i < early_len; i++) {
		if (vga)
			vga_putc(early_log[i]);
		if (fb_on)
			fbcon_putc(&fbcon, early_log[i]);
	}
	console_lock_release(taken);
	return s;
}

void console_screen_text_size(unsigned *cols, unsigned *rows)
{
	*cols = fb_on ? fbcon.cols : vga ? vga_cols : 0;
	*rows = fb_on ? fbcon.rows : vga ? vga_rows : 0;
}

void console_screen_off(void)
{
	bool taken = console_lock_take();

	vga = NULL;
	fb_on = false;
	console_lock_release(taken);
}

bool console_add_uart(const struct uart_desc *u)
{
	bool taken = console_lock_take();
	bool added = false;

	for (unsigned i = 0; i < nuarts; i++)
		if (uarts[i].mmio == u->mmio && uarts[i].base == u->base)
			goto out;
	if (nuarts < MAX_UARTS) {
		uarts[nuarts] = *u;
		/* An MMIO UART's input clock is often not 1.8432 MHz (Intel LPSS):
		 * keep the divisor the firmware programmed. */
		if (u->mmio)
			uarts[nuarts].baud = 0;
		uart_setup(&uarts[nuarts]);
		for (size_t i = 0; i < early_len; i++)
			uart_putc(&uarts[nuarts], early_log[i]);
		nuarts++;
		added = true;
	}
out:
	console_lock_release(taken);
	return added;
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

int console_getc(void)
{
	if (!nuarts)
		return -1;
	uint8_t lsr = uart_in(&uarts[0], UART_LSR);
	/* an absent UART reads all-ones: no byte, ever */
	if (lsr == 0xFF || !(lsr & LSR_DR))
		return -1;
	return uart_in(&uarts[0], UART_RBR);
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
	for (unsigned u = 0; u < nuarts; u++)
		for (int i = 0; i < UART_SPIN_LIMIT; i++)
			if (uart_in(&uarts[u], UART_LSR) & LSR_TEMT)
				break;
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
