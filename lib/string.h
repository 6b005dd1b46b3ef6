/*
 * lib/string.h - the few string and memory routines the kernel needs.
 *
 * Context: kernel. The compiler may emit calls to memcpy/memset/memmove/memcmp
 * itself, so these keep their standard names and semantics. Host unit tests
 * use libc's instead and never link lib/string.c.
 */
#ifndef CV_STRING_H
#define CV_STRING_H

#include "lib/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
