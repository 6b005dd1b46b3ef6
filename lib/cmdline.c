/*
 * lib/cmdline.c - key=value command-line option parser (contract and syntax
 * in lib/cmdline.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host.
 * The command line is never modified: tokens are (pointer, length) pairs and
 * are quoted into messages with "%.*s". Messages are built with a small
 * appender that, like snprintf, counts what it would have written, so the
 * same code both formats and measures (cmdline_usage aligns its columns).
 */
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Quoted command-line text longer than this is cut and marked with "...". */
#define QUOTE_MAX            64
/* cmdline_usage pads "key=allowed" to the longest one, but no further. */
#define USAGE_ALIGN_MAX      40
#define HEX_PREFIX_LEN       2
#define SIZE_SHIFT_K         10
#define SIZE_SHIFT_M         20
#define SIZE_SHIFT_G         30

/* An append-only message: len counts every character asked for, stored or not. */
struct msgbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void msg_add(struct msgbuf *m, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void msg_add(struct msgbuf *m, const char *fmt, ...)
{
	size_t room = m->len < m->size ? m->size - m->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = cv_vsnprintf(room ? m->buf + m->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len += (size_t)n;
}

/* Append 'text' (in quotes), cut to QUOTE_MAX characters. */
static void msg_quote(struct msgbuf *m, const char *text, size_t len)
{
	if (len > QUOTE_MAX)
		msg_add(m, "'%.*s...'", QUOTE_MAX, text);
	else
		msg_add(m, "'%.*s'", (int)len, text);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct bool_word {
	const char *word;
	bool value;
};

static const struct bool_word bool_words[] = {
	{ "1", true }, { "0", false }, { "on", true }, { "off", false },
	{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
};

/* Does text[0..len) equal the NUL-terminated word? */
static bool text_is(const char *text, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(text, word, len) == 0;
}

static int find_desc(const struct opt_desc *descs, size_t n,
		     const char *key, size_t keylen)
{
	for (size_t i = 0; i < n; i++)
		if (text_is(key, keylen, descs[i].key))
			return (int)i;
	return -1;
}

/* What the value of d may be, as written in messages and in the listing. */
static void msg_allowed(struct msgbuf *m, const struct opt_desc *d)
{
	switch (d->type) {
	case OPT_UINT:
		if (d->min == 0 && d->max == UINT64_MAX)
			msg_add(m, "<number>");
		else
			msg_add(m, "%llu..%llu", (unsigned long long)d->min,
				(unsigned long long)d->max);
		break;
	case OPT_ENUM:
		for (size_t i = 0; d->choices && d->choices[i]; i++)
			msg_add(m, "%s%s", i ? "|" : "", d->choices[i]);
		break;
	case OPT_STRING:
		msg_add(m, "<text>");
		break;
	case OPT_BOOL:
		for (size_t i = 0; i < ARRAY_SIZE(bool_words); i++)
			msg_add(m, "%s%s", i ? "|" : "", bool_words[i].word);
		break;
	}
}

/* " (help)" when the option has a help line. */
static void msg_help(struct msgbuf *m, const struct opt_desc *d)
{
	if (d->help && d->help[0])
		msg_add(m, " (%s)", d->help);
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Binary size suffix: the shift it stands for, or -1 if c is none. */
static int size_suffix_shift(char c)
{
	switch (c) {
	case 'K': case 'k': return SIZE_SHIFT_K;
	case 'M': case 'm': return SIZE_SHIFT_M;
	case 'G': case 'g': return SIZE_SHIFT_G;
	default:            return -1;
	}
}

enum uint_result { UINT_OK, UINT_BAD, UINT_OVERFLOW };

/* Decimal or 0x hex, then an optional K/M/G suffix; nothing else. */
static enum uint_result parse_uint(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0, ndigits = 0;
	int shift;

	if (len > HEX_PREFIX_LEN && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = HEX_PREFIX_LEN;
	}
	for (; i < len; i++) {
		int d = digit_value(s[i]);

		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return UINT_OVERFLOW;
		v = v * base + (unsigned)d;
		ndigits++;
	}
	if (ndigits == 0)
		return UINT_BAD;
	if (i < len) {
		shift = size_suffix_shift(s[i]);
		if (shift < 0 || i + 1 != len)
			return UINT_BAD;
		if (v > (UINT64_MAX >> shift))
			return UINT_OVERFLOW;
		v <<= shift;
	}
	*out = v;
	return UINT_OK;
}

static void msg_bad_value(struct msgbuf *m, const struct opt_desc *d,
			  const char *val, size_t vlen)
{
	msg_add(m, "option '%s': bad value ", d->key);
	msg_quote(m, val, vlen);
	msg_add(m, "; allowed: ");
	if (d->type == OPT_UINT)
		msg_add(m, "a number (decimal or 0x hex, optional K/M/G suffix) in ");
	msg_allowed(m, d);
	msg_help(m, d);
}

/* Convert the value text of option d into v; 0, or -1 with a message. */
static int set_value(struct msgbuf *m, const struct opt_desc *d, struct opt_value *v,
		     const char *val, size_t vlen)
{
	uint64_t u = 0;

	switch (d->type) {
	case OPT_UINT:
		switch (parse_uint(val, vlen, &u)) {
		case UINT_OK:
			break;
		case UINT_OVERFLOW:
			msg_add(m, "option '%s': value ", d->key);
			msg_quote(m, val, vlen);
			msg_add(m, " does not fit in 64 bits");
			msg_help(m, d);
			return -1;
		case UINT_BAD:
			msg_bad_value(m, d, val, vlen);
			return -1;
		}
		if (u < d->min || u > d->max) {
			msg_add(m, "option '%s': value ", d->key);
			msg_quote(m, val, vlen);
			msg_add(m, " out of range ");
			msg_allowed(m, d);
			msg_help(m, d);
			return -1;
		}
		v->u = u;
		return 0;
	case OPT_ENUM:
		for (int i = 0; d->choices && d->choices[i]; i++) {
			if (text_is(val, vlen, d->choices[i])) {
				v->choice = i;
				return 0;
			}
		}
		msg_bad_value(m, d, val, vlen);
		return -1;
	case OPT_STRING:
		return 0;       /* the text is already in v->str */
	case OPT_BOOL:
		for (size_t i = 0; i < ARRAY_SIZE(bool_words); i++) {
			if (text_is(val, vlen, bool_words[i].word)) {
				v->u = bool_words[i].value;
				return 0;
			}
		}
		msg_bad_value(m, d, val, vlen);
		return -1;
	}
	msg_add(m, "option '%s': bad option type %d in the table", d->key, (int)d->type);
	return -1;
}

/* Apply one token, "key=value" or a bare "key"; 0, or -1 with a message. */
static int apply_token(struct msgbuf *m, const char *tok, size_t toklen,
		       const struct opt_desc *descs, size_t ndescs,
		       struct opt_value *vals)
{
	size_t keylen = 0;
	bool has_value;
	const struct opt_desc *d;
	struct opt_value *v;
	int idx;

	while (keylen < toklen && tok[keylen] != '=')
		keylen++;
	has_value = keylen < toklen;

	if (keylen == 0) {
		msg_add(m, "empty option name in ");
		msg_quote(m, tok, toklen);
		return -1;
	}
	idx = find_desc(descs, ndescs, tok, keylen);
	if (idx < 0) {
		msg_add(m, "unknown option ");
		msg_quote(m, tok, keylen);
		if (has_value) {
			msg_add(m, " (in ");
			msg_quote(m, tok, toklen);
			msg_add(m, ")");
		}
		msg_add(m, "; known options: ");
		for (size_t i = 0; i < ndescs; i++)
			msg_add(m, "%s%s", i ? ", " : "", descs[i].key);
		if (ndescs == 0)
			msg_add(m, "(none)");
		return -1;
	}
	d = &descs[idx];
	v = &vals[idx];

	if (v->set) {
		msg_add(m, "option '%s' given twice (again in ", d->key);
		msg_quote(m, tok, toklen);
		msg_add(m, ")");
		return -1;
	}
	if (!has_value) {
		if (d->type != OPT_BOOL) {
			msg_add(m, "option '%s' needs a value (%s=", d->key, d->key);
			msg_allowed(m, d);
			msg_add(m, ")");
			msg_help(m, d);
			return -1;
		}
		v->u = 1;
		v->set = true;
		return 0;
	}

	const char *val = tok + keylen + 1;
	size_t vlen = toklen - keylen - 1;

	if (vlen >= OPT_VALUE_MAX) {
		msg_add(m, "option '%s': value is %zu characters long, at most %d allowed",
			d->key, vlen, OPT_VALUE_MAX - 1);
		return -1;
	}
	memcpy(v->str, val, vlen);
	v->str[vlen] = '\0';
	if (set_value(m, d, v, val, vlen))
		return -1;
	v->set = true;
	return 0;
}

int cmdline_parse(const char *cmdline, const struct opt_desc *descs, size_t ndescs,
		  struct opt_value *vals, char *err, size_t errlen)
{
	struct msgbuf m = { err, err ? errlen : 0, 0 };
	const char *p = cmdline;
	bool first = true;

	if (m.size)
		err[0] = '\0';
	if (ndescs)
		memset(vals, 0, ndescs * sizeof(*vals));
	if (!p)
		return 0;

	for (;;) {
		const char *tok;
		size_t toklen;
		bool has_eq = false;

		while (is_blank(*p))
			p++;
		if (!*p)
			return 0;
		tok = p;
		while (*p && !is_blank(*p)) {
			if (*p == '=')
				has_eq = true;
			p++;
		}
		toklen = (size_t)(p - tok);

		/* GRUB and QEMU start a Multiboot command line with the image path. */
		if (first && !has_eq) {
			first = false;
			continue;
		}
		first = false;
		if (apply_token(&m, tok, toklen, descs, ndescs, vals))
			return -1;
	}
}

/* "key=allowed" (a boolean: "key[=...]", since the bare key sets it). */
static void msg_usage_left(struct msgbuf *m, const struct opt_desc *d)
{
	if (d->type == OPT_BOOL) {
		msg_add(m, "%s[=", d->key);
		msg_allowed(m, d);
		msg_add(m, "]");
	} else {
		msg_add(m, "%s=", d->key);
		msg_allowed(m, d);
	}
}

void cmdline_usage(const struct opt_desc *descs, size_t n, char *buf, size_t len)
{
	struct msgbuf m = { buf, buf ? len : 0, 0 };
	size_t width = 0;

	if (m.size)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct msgbuf measure = { NULL, 0, 0 };

		msg_usage_left(&measure, &descs[i]);
		width = MAX(width, MIN(measure.len, (size_t)USAGE_ALIGN_MAX));
	}
	for (size_t i = 0; i < n; i++) {
		size_t start;

		const char *help = descs[i].help;

		msg_add(&m, "  ");
		start = m.len;
		msg_usage_left(&m, &descs[i]);
		if (!help || !help[0]) {
			msg_add(&m, "\n");
			continue;
		}
		if (m.len - start < width)
			msg_add(&m, "%*s", (int)(width - (m.len - start)), "");
		msg_add(&m, "  %s\n", help);
	}
}
