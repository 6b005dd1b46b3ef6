/*
 * lib/types.h - basic types and helper macros shared by every layer.
 *
 * Context: freestanding kernel code and host unit tests alike. Only the
 * compiler's freestanding headers are used (stdint, stddef, stdbool, stdarg),
 * so anything that includes just this header can be built and tested on Linux.
 */
#ifndef CV_TYPES_H
#define CV_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

#define BIT(n)            (1ULL << (n))
#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a)  ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a)    ALIGN_DOWN((x) + (uint64_t)(a) - 1, (a))
#define IS_ALIGNED(x, a)  (((x) & ((uint64_t)(a) - 1)) == 0)
#define MIN(a, b)         ((a) < (b) ? (a) : (b))
#define MAX(a, b)         ((a) > (b) ? (a) : (b))

#define PAGE_SIZE         4096ULL
#define PAGE_SHIFT        12
#define KiB               1024ULL
#define MiB               (1024ULL * KiB)
#define GiB               (1024ULL * MiB)

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN          __attribute__((noreturn))
#define PACKED            __attribute__((packed))
#define UNUSED            __attribute__((unused))

#endif
