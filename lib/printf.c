/*
 * lib/printf.c - freestanding vsnprintf (see lib/printf.h for the contract).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host.
 * One pass over the format; every character goes through out(), which counts
 * it and stores it only while there is room, so truncation is always safe.
 */
#include "lib/printf.h"

struct sink {
	char *buf;
	size_t size;
	size_t len;        /* characters produced so far, stored or not */
};

static void out(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		out(s, c);
}

/* Emit a string of known length inside a field of 'width', honouring '-'. */
static void field(struct sink *s, const char *str, int len, int width,
		  bool left, char padc, bool sign_first)
{
	int fill = width > len ? width - len : 0;

	/* With zero padding a sign or 0x prefix goes before the zeros. */
	if (sign_first && !left && padc == '0') {
		int prefix = (str[0] == '-' || str[0] == '+') ? 1 : 2;
		for (int i = 0; i < prefix; i++)
			out(s, str[i]);
		str += prefix;
		len -= prefix;
	}
	if (!left)
		pad(s, padc, fill);
	for (int i = 0; i < len; i++)
		out(s, str[i]);
	if (left)
		pad(s, ' ', fill);
}

/* Digits of v in 'base' into tmp (backwards); returns the count. */
static int digits(char *tmp, unsigned long long v, unsigned base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		tmp[n++] = set[v % base];
		v /= base;
	} while (v);
	return n;
}

int cv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out(&s, *fmt);
			continue;
		}
		fmt++;

		bool left = false;
		bool alt = false;   /* '#': 0x prefix for %x/%X (not for zero) */
		char padc = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else if (*fmt == '0')
				padc = '0';
			else
				break;
		}
		if (left)
			padc = ' ';

		int width = 0;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				padc = ' ';
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
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}

		int lng = 0;  /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
		for (;; fmt++) {
			if (*fmt == 'l')
				lng = lng < 0 ? 1 : lng + 1;
			else if (*fmt == 'h')
				lng--;
			else if (*fmt == 'z')
				lng = 3;
			else
				break;
		}

		char tmp[68];
		char num[68];
		unsigned long long u;
		long long sv;
		bool neg;
		int n, k;

		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 2)
				sv = lng == 3 ? (long long)va_arg(ap, size_t) : va_arg(ap, long long);
			else if (lng == 1)
				sv = va_arg(ap, long);
			else if (lng == -1)
				sv = (short)va_arg(ap, int);
			else if (lng <= -2)
				sv = (signed char)va_arg(ap, int);
			else
				sv = va_arg(ap, int);
			neg = sv < 0;
			u = neg ? 0ULL - (unsigned long long)sv : (unsigned long long)sv;
			n = digits(tmp, u, 10, false);
			k = 0;
			if (neg)
				num[k++] = '-';
			while (n)
				num[k++] = tmp[--n];
			field(&s, num, k, width, left, padc, neg);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng == 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 3)
				u = va_arg(ap, size_t);
			else if (lng == 1)
				u = va_arg(ap, unsigned long);
			else if (lng == -1)
				u = (unsigned short)va_arg(ap, unsigned int);
			else if (lng <= -2)
				u = (unsigned char)va_arg(ap, unsigned int);
			else
				u = va_arg(ap, unsigned int);
			n = digits(tmp, u, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				   *fmt == 'X');
			k = 0;
			bool prefix = alt && u && (*fmt == 'x' || *fmt == 'X');
			if (prefix) {
				num[k++] = '0';
				num[k++] = *fmt;
			}
			while (n)
				num[k++] = tmp[--n];
			field(&s, num, k, width, left, padc, prefix);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			n = digits(tmp, u, 16, false);
			num[0] = '0';
			num[1] = 'x';
			k = 2;
			while (n)
				num[k++] = tmp[--n];
			field(&s, num, k, width, left, padc, true);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int len = 0;
			while (str[len] && (prec < 0 || len < prec))
				len++;
			field(&s, str, len, width, left, ' ', false);
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			field(&s, tmp, 1, width, left, ' ', false);
			break;
		case '%':
			out(&s, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it and stop. */
			out(&s, '%');
			fmt--;
			break;
		default:
			/* Unknown conversion: print it verbatim so the bug shows. */
			out(&s, '%');
			out(&s, *fmt);
			break;
		}
	}

	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int cv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = cv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
