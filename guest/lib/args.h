/*
 * guest/lib/args.h - the guest's command line as words and key=value arguments.
 *
 * Context: guest. The Multiboot command line is split on blanks into argv.
 * The first word names the image when the loader put one there (qemu -kernel:
 * the path; cvrun's GRUB and chronovisor modules: the file name) and it is
 * taken as argv[0] when it holds no '='; otherwise argv[0] is "guest" and
 * every word is an argument. main(argc, argv) gets the result.
 *
 * One argument belongs to the library (guest/lib/start.c): hv=1 (or hv=0)
 * says the run must be under chronovisor (or bare); a mismatch is a FAIL
 * reported before main(). Harnesses pass hv=1 so that a guest which fails to
 * detect chronovisor fails instead of skipping its chronovisor-only checks.
 */
#ifndef GUEST_ARGS_H
#define GUEST_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#define ARGS_CMDLINE_MAX 1024           /* longer command lines are cut */
#define ARGS_MAX         32             /* words after the first are dropped */

/* Splits a copy of cmdline (NULL = empty); returns argc, sets *argv. */
int args_init(const char *cmdline, char ***argv);
const char *args_cmdline(void);         /* the unsplit copy */

/* "key=value" -> "value"; a bare "key" -> ""; absent -> NULL. The first match wins. */
const char *arg_get(const char *key);
bool arg_has(const char *key);
/* Decimal, or hex with 0x; absent or malformed -> def. */
int64_t arg_get_int(const char *key, int64_t def);

#endif
