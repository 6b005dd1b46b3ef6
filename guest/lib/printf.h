/*
 * guest/lib/printf.h - a small printf family for the guest.
 *
 * Context: guest, any mode. Conversions: d i u x X o p s c %, flags - 0 + space #,
 * width and precision (numbers or *), lengths hh h l ll z t j. No floating point
 * (the guest is built with -mgeneral-regs-only).
 * printf/puts go to the console (guest/lib/console.h).
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define GUEST_PRINTF(fmt_idx, args_idx) __attribute__((format(printf, fmt_idx, args_idx)))

/* The formatter: calls put(c, ctx) for each character; returns the count. */
int vformat(void (*put)(char c, void *ctx), void *ctx, const char *fmt, va_list ap);

/* Like C99: always NUL-terminates when size > 0; returns the untruncated length. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) GUEST_PRINTF(3, 4);

int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) GUEST_PRINTF(1, 2);
int puts(const char *s);              /* s and a newline */

#endif
