/*
 * guest/lib/string.h - the few <string.h> functions a freestanding guest needs.
 *
 * Context: guest, any mode. GCC may emit calls to memcpy/memset/memmove/memcmp
 * itself (structure copies), so these keep their standard names.
 */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);

#endif
