/*
 * vmm/time/skew_parse.c - parse skew= into per-pCPU injected TSC skews (syntax in
 * vmm/time/skew_parse.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host. The list
 * form is checked in two passes: first every entry's syntax (so "1,x" names
 * 'x', the entry that cannot be a number), then the count and pCPU 0's entry.
 */
#include "vmm/time/skew_parse.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SPEC_QUOTE_MAX   64      /* "skew=..." quoted in messages up to this length */
#define ENTRY_QUOTE_MAX  24      /* one entry quoted up to this length */
#define DECIMAL_BASE     10

/* splitmix64's published constants (the golden-ratio increment and the two
 * multipliers of its finalizer). */
#define SPLITMIX_GAMMA   0x9E3779B97F4A7C15ULL
#define SPLITMIX_MUL1    0xBF58476D1CE4E5B9ULL
#define SPLITMIX_MUL2    0x94D049BB133111EBULL
#define SPLITMIX_SHIFT1  30
#define SPLITMIX_SHIFT2  27
#define SPLITMIX_SHIFT3  31

uint64_t skew_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += SPLITMIX_GAMMA);

	z = (z ^ (z >> SPLITMIX_SHIFT1)) * SPLITMIX_MUL1;
	z = (z ^ (z >> SPLITMIX_SHIFT2)) * SPLITMIX_MUL2;
	return z ^ (z >> SPLITMIX_SHIFT3);
}

static void fail(char *err, size_t errlen, const char *spec, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

/* "skew=SPEC: <message>" into err. */
static void fail(char *err, size_t errlen, const char *spec, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	size_t len = strlen(spec);
	int n = cv_snprintf(err, errlen, "skew=%.*s%s: ", SPEC_QUOTE_MAX, spec,
			    len > SPEC_QUOTE_MAX ? "..." : "");
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	cv_vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Unsigned decimal [s, s + len) into *v, no sign, at most 'max'. */
static bool parse_udec(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (x > (max - d) / DECIMAL_BASE)
			return false;
		x = x * DECIMAL_BASE + d;
	}
	*v = x;
	return true;
}

static bool is_udec(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* One list entry: optional sign, decimal digits. 0: ok; -1: not a number;
 * -2: a number beyond SKEW_ABS_MAX. */
static int parse_entry(const char *s, size_t len, int64_t *v)
{
	bool neg = false;
	uint64_t mag;

	if (len && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		len--;
	}
	if (!is_udec(s, len))
		return -1;
	if (!parse_udec(s, len, (uint64_t)SKEW_ABS_MAX, &mag))
		return -2;
	*v = neg ? -(int64_t)mag : (int64_t)mag;
	return 0;
}

static int parse_list(const char *spec, uint32_t ncpus, int64_t *out, char *err, size_t errlen)
{
	uint32_t n = 0;
	int64_t first = 0;
	const char *p = spec;

	/* Pass 1: the syntax of every entry; values are stored while they fit. */
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int64_t v = 0;

		if (len == 0) {
			fail(err, errlen, spec, "the entry for pCPU %u is empty (write 0 for no skew)", n);
			return -1;
		}
		int rc = parse_entry(p, len, &v);
		if (rc == -1) {
			fail(err, errlen, spec,
			     "the entry for pCPU %u '%.*s%s' is not a signed decimal number of TSC ticks",
			     n, (int)MIN(len, ENTRY_QUOTE_MAX), p, len > ENTRY_QUOTE_MAX ? "..." : "");
			return -1;
		}
		if (rc == -2) {
			fail(err, errlen, spec,
			     "the entry for pCPU %u '%.*s%s' is out of range (at most %lld ticks either way)",
			     n, (int)MIN(len, ENTRY_QUOTE_MAX), p, len > ENTRY_QUOTE_MAX ? "..." : "",
			     (long long)SKEW_ABS_MAX);
			return -1;
		}
		if (n == 0)
			first = v;
		if (n < ncpus)
			out[n] = v;
		n++;
		if (!end)
			break;
		p = end + 1;
	}

	/* Pass 2: what the entries mean. */
	if (n > ncpus) {
		fail(err, errlen, spec, "%u entries, but only %u pCPU(s) are in use", n, ncpus);
		return -1;
	}
	if (first != 0) {
		fail(err, errlen, spec,
		     "the entry for pCPU 0 is %lld, but pCPU 0 is the reference the others are measured against: it must be 0",
		     (long long)first);
		return -1;
	}
	for (uint32_t i = n; i < ncpus; i++)
		out[i] = 0;
	return 0;
}

/* A value uniform in [-max, max] (rejection sampling, so no modulo bias). */
static int64_t draw_uniform(uint64_t *state, uint64_t max)
{
	uint64_t range = 2 * max + 1;                /* <= 2^63 + 1: no overflow */
	uint64_t accept_below = UINT64_MAX - UINT64_MAX % range;   /* a multiple of range */
	uint64_t x;

	do
		x = skew_splitmix64(state);
	while (x >= accept_below);
	return (int64_t)(x % range) - (int64_t)max;
}

static int parse_random(const char *spec, uint32_t ncpus, int64_t *out, char *err, size_t errlen)
{
	const char *seed_s = spec + strlen(SKEW_RANDOM_PREFIX);
	const char *colon = strchr(seed_s, ':');
	uint64_t seed, max;

	if (!colon || strchr(colon + 1, ':')) {
		fail(err, errlen, spec, "expected random:SEED:MAX (two unsigned decimal numbers)");
		return -1;
	}
	size_t seed_len = (size_t)(colon - seed_s);
	const char *max_s = colon + 1;
	size_t max_len = strlen(max_s);
	if (!parse_udec(seed_s, seed_len, UINT64_MAX, &seed)) {
		fail(err, errlen, spec, "SEED '%.*s' is not an unsigned decimal number below 2^64",
		     (int)MIN(seed_len, ENTRY_QUOTE_MAX), seed_s);
		return -1;
	}
	if (!is_udec(max_s, max_len)) {
		fail(err, errlen, spec, "MAX '%.*s' is not an unsigned decimal number of TSC ticks",
		     (int)MIN(max_len, ENTRY_QUOTE_MAX), max_s);
		return -1;
	}
	if (!parse_udec(max_s, max_len, (uint64_t)SKEW_ABS_MAX, &max)) {
		fail(err, errlen, spec, "MAX '%.*s' is out of range (at most %lld ticks)",
		     (int)MIN(max_len, ENTRY_QUOTE_MAX), max_s, (long long)SKEW_ABS_MAX);
		return -1;
	}

	uint64_t state = seed;
	if (ncpus)
		out[0] = 0;
	for (uint32_t i = 1; i < ncpus; i++)
		out[i] = draw_uniform(&state, max);
	return 0;
}

int skew_parse(const char *spec, uint32_t ncpus, int64_t *out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!spec || !spec[0]) {
		for (uint32_t i = 0; i < ncpus; i++)
			out[i] = 0;
		return 0;
	}
	if (!strncmp(spec, SKEW_RANDOM_PREFIX, strlen(SKEW_RANDOM_PREFIX)))
		return parse_random(spec, ncpus, out, err, errlen);
	return parse_list(spec, ncpus, out, err, errlen);
}
