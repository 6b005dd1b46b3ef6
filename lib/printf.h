/*
 * lib/printf.h - freestanding formatted output into a buffer.
 *
 * Context: any (kernel, guest library, host unit tests). No hardware access.
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers h hh l ll z,
 * field width (number or *), '0' padding, '-' left adjust, '#' (0x for %x), precision for %s.
 * Like C99 snprintf: always NUL-terminates when size > 0 and returns the
 * length the full output would have had.
 */
#ifndef CV_PRINTF_H
#define CV_PRINTF_H

#include "lib/types.h"

int cv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int cv_snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
