/*
 * lib/cmdline.h - key=value command-line option parser.
 *
 * Context: any; pure C with no hardware access, built into the kernel and
 * unit-tested on the host (tests/unit/test_cmdline.c). The caller describes
 * its options in a table of struct opt_desc and gets one struct opt_value
 * per entry back; nothing is allocated.
 *
 * Syntax: tokens separated by blanks (space, tab, CR, LF); no quoting.
 *   - The first token, if it has no '=', is the boot image path that GRUB and
 *     QEMU put first in a Multiboot command line ("/boot/chronovisor.elf
 *     tsc=none") and is skipped.
 *   - "key=value" sets an option; the value is everything after the first '='
 *     (so a string value may itself contain '=').
 *   - A bare "key" later on sets an OPT_BOOL to 1; for any other type it is
 *     an error.
 * Values:
 *   OPT_UINT    decimal or 0x hex, optional binary size suffix K, M or G (k, m
 *               and g too): 64M = 64 * 2^20. No sign, no empty value, no
 *               trailing junk, no overflow; then min..max inclusive.
 *   OPT_ENUM    exactly one of the words in choices (case-sensitive).
 *   OPT_STRING  any text shorter than OPT_VALUE_MAX; may be empty.
 *   OPT_BOOL    1/0, on/off, yes/no, true/false.
 * Every error (unknown key, bad value, key given twice, empty key, value too
 * long) fails the whole parse with a one-line message.
 */
#ifndef CV_CMDLINE_H
#define CV_CMDLINE_H

#include "lib/types.h"

/* Room for one value, NUL included: a value of OPT_VALUE_MAX chars is too long. */
#define OPT_VALUE_MAX 128

enum opt_type { OPT_UINT, OPT_ENUM, OPT_STRING, OPT_BOOL };

struct opt_desc {
	const char *key;
	enum opt_type type;
	const char *const *choices; /* OPT_ENUM: NULL-terminated list of allowed words */
	uint64_t min, max;          /* OPT_UINT: inclusive range */
	const char *help;           /* one line, shown in error messages / option listing */
};

struct opt_value {
	bool set;                   /* given on the command line */
	uint64_t u;                 /* OPT_UINT value, OPT_BOOL 0/1 */
	int choice;                 /* OPT_ENUM: index into choices */
	char str[OPT_VALUE_MAX];    /* OPT_STRING value; the raw value text for every
				     * type ("" for a bare boolean key) */
};

/*
 * Parse cmdline against descs[0..ndescs-1], filling vals[0..ndescs-1] (all of
 * them are cleared first, so an option not given has set == false).
 * cmdline may be NULL or empty: every option is then unset.
 * Returns 0 (err set to ""), or -1 with a one-line message in err naming the
 * key, the value and what is allowed. err may be NULL or errlen 0; a message
 * longer than errlen - 1 is cut, always NUL-terminated. On failure vals holds
 * whatever was parsed before the bad token and must not be used.
 */
int cmdline_parse(const char *cmdline, const struct opt_desc *descs, size_t ndescs,
		  struct opt_value *vals, char *err, size_t errlen);

/*
 * Format a listing of the options, one line each, "  key=allowed  help",
 * with the help texts aligned. Cut to len - 1 characters, NUL-terminated.
 */
void cmdline_usage(const struct opt_desc *descs, size_t n, char *buf, size_t len);

/* The next blank-separated word at or after p (blanks skipped): its start,
 * and its length in *len (0 when only blanks were left). */
static inline const char *cmdline_word(const char *p, size_t *len)
{
	while (*p == ' ')
		p++;
	size_t n = 0;
	while (p[n] && p[n] != ' ')
		n++;
	*len = n;
	return p;
}

#endif
