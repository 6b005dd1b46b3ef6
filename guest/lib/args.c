/*
 * guest/lib/args.c - split the Multiboot command line; look up key=value.
 *
 * Context: guest, called once by guest_start() before main().
 */
#include <stddef.h>

#include "guest/lib/args.h"
#include "guest/lib/string.h"

static char raw[ARGS_CMDLINE_MAX];
static char words[ARGS_CMDLINE_MAX];
static char *argv_store[ARGS_MAX + 2];  /* argv[0], ARGS_MAX arguments, NULL */
static int argc_store;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int args_init(const char *cmdline, char ***argv)
{
	char *list[ARGS_MAX + 1];
	int nwords = 0, argc = 1, first = 0;
	size_t n = 0;

	if (cmdline)
		while (cmdline[n] && n < sizeof(raw) - 1)
			n++;
	memcpy(raw, cmdline ? cmdline : "", n);
	raw[n] = '\0';
	memcpy(words, raw, n + 1);

	/* Cut words in place: every blank becomes a NUL. */
	for (char *p = words; *p;) {
		while (is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (nwords < ARGS_MAX + 1)
			list[nwords++] = p;
		while (*p && !is_blank(*p))
			p++;
	}

	argv_store[0] = "guest";
	if (nwords > 0 && !strchr(list[0], '=')) {
		argv_store[0] = list[0];
		first = 1;
	}
	for (int i = first; i < nwords && argc <= ARGS_MAX; i++)
		argv_store[argc++] = list[i];
	argv_store[argc] = NULL;
	argc_store = argc;
	*argv = argv_store;
	return argc;
}

const char *args_cmdline(void)
{
	return raw;
}

const char *arg_get(const char *key)
{
	size_t k = strlen(key);

	for (int i = 1; i < argc_store; i++) {
		const char *a = argv_store[i];

		if (strncmp(a, key, k) != 0)
			continue;
		if (a[k] == '=')
			return a + k + 1;
		if (a[k] == '\0')
			return "";
	}
	return NULL;
}

bool arg_has(const char *key)
{
	return arg_get(key) != NULL;
}

int64_t arg_get_int(const char *key, int64_t def)
{
	const char *s = arg_get(key);
	bool negative = false;
	unsigned base = 10;
	uint64_t v = 0;

	if (!s || !*s)
		return def;
	if (*s == '-') {
		negative = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return def;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return def;
		v = v * base + d;
	}
	return negative ? -(int64_t)v : (int64_t)v;
}
