/*
 * guest/lib/printf.c - the guest's printf formatter.
 *
 * Context: guest, any mode, no allocation, no floating point. Separate from
 * lib/printf.c on purpose: the guest is its own program and shares no code
 * with the hypervisor, only the hypercall ABI header.
 */
#include <stdbool.h>
#include <stdint.h>

#include "guest/lib/console.h"
#include "guest/lib/printf.h"
#include "guest/lib/string.h"

enum {
	F_LEFT = 1 << 0,      /* '-' */
	F_ZERO = 1 << 1,      /* '0' */
	F_PLUS = 1 << 2,      /* '+' */
	F_SPACE = 1 << 3,     /* ' ' */
	F_ALT = 1 << 4,       /* '#' */
	F_UPPER = 1 << 5,     /* %X */
};

struct out {
	void (*put)(char c, void *ctx);
	void *ctx;
	int count;
};

static void emit(struct out *o, char c)
{
	o->put(c, o->ctx);
	o->count++;
}

static void emit_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

/* One integer conversion: value, base, sign and the flags/width/precision. */
static void emit_number(struct out *o, uint64_t v, bool negative, unsigned base,
			unsigned flags, int width, int prec)
{
	const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];                 /* 2^64 in octal is 22 digits */
	int n = 0;
	char sign = 0;
	const char *prefix = "";

	while (v) {
		buf[n++] = digits[v % base];
		v /= base;
	}
	if (n == 0 && prec != 0)
		buf[n++] = '0';

	if (negative)
		sign = '-';
	else if (flags & F_PLUS)
		sign = '+';
	else if (flags & F_SPACE)
		sign = ' ';
	if ((flags & F_ALT) && base == 16 && !(n == 1 && buf[0] == '0'))
		prefix = (flags & F_UPPER) ? "0X" : "0x";
	if ((flags & F_ALT) && base == 8 && (n == 0 || buf[n - 1] != '0'))
		prefix = "0";

	int zeros = prec > n ? prec - n : 0;
	int len = n + zeros + (sign ? 1 : 0) + (int)strlen(prefix);

	/* '0' pads with zeros after the sign; it is ignored with a precision or '-'. */
	if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0 && width > len) {
		zeros += width - len;
		len = width;
	}
	if (!(flags & F_LEFT))
		emit_pad(o, ' ', width - len);
	if (sign)
		emit(o, sign);
	for (const char *p = prefix; *p; p++)
		emit(o, *p);
	emit_pad(o, '0', zeros);
	while (n)
		emit(o, buf[--n]);
	if (flags & F_LEFT)
		emit_pad(o, ' ', width - len);
}

static void emit_string(struct out *o, const char *s, unsigned flags, int width, int prec)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (prec < 0 || n < prec))
		n++;
	if (!(flags & F_LEFT))
		emit_pad(o, ' ', width - n);
	for (int i = 0; i < n; i++)
		emit(o, s[i]);
	if (flags & F_LEFT)
		emit_pad(o, ' ', width - n);
}

int vformat(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
{
	struct out o = { put, ctx, 0 };

	while (*fmt) {
		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt++;

		unsigned flags = 0;
		for (;; fmt++) {
			if (*fmt == '-') flags |= F_LEFT;
			else if (*fmt == '0') flags |= F_ZERO;
			else if (*fmt == '+') flags |= F_PLUS;
			else if (*fmt == ' ') flags |= F_SPACE;
			else if (*fmt == '#') flags |= F_ALT;
			else break;
		}

		int width = 0;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}

		int prec = -1;
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}

		/* Length: 0 int, 1 long (l, ll, z, t, j are all 64-bit here), -1 short, -2 char. */
		int len = 0;
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z' || *fmt == 't' || *fmt == 'j') len = 1;
			else if (*fmt == 'h') len = len < 0 ? -2 : -1;
			else break;
		}

		char conv = *fmt;
		if (conv)
			fmt++;
		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v = len == 1 ? va_arg(ap, int64_t) : va_arg(ap, int);
			if (len == -1) v = (short)v;
			if (len == -2) v = (signed char)v;
			emit_number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = len == 1 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			if (len == -1) v = (unsigned short)v;
			if (len == -2) v = (unsigned char)v;
			if (conv == 'X')
				flags |= F_UPPER;
			unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
			emit_number(&o, v, false, base, flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		}
		case 'p':
			emit_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, flags | F_ALT, width, prec);
			break;
		case 's':
			emit_string(&o, va_arg(ap, const char *), flags, width, prec);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			if (!(flags & F_LEFT))
				emit_pad(&o, ' ', width - 1);
			emit(&o, c);
			if (flags & F_LEFT)
				emit_pad(&o, ' ', width - 1);
			break;
		}
		case '%':
			emit(&o, '%');
			break;
		case '\0':
			emit(&o, '%');
			break;
		default:                          /* unknown: print it as written */
			emit(&o, '%');
			emit(&o, conv);
			break;
		}
	}
	return o.count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_put(char c, void *ctx)
{
	struct buf_sink *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size, 0 };
	int n = vformat(buf_put, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void console_put(char c, void *ctx)
{
	console_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return vformat(console_put, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	console_write(s, strlen(s));
	console_putc('\n');
	return 0;
}
