/*
 * tests/fuzz/fuzz_cmdline.c - libFuzzer target: the hypervisor command line
 * (lib/cmdline.c through vmm/options.c:options_parse, with the real option
 * table), and lib/cmdline.c alone with a table of every option type.
 *
 * Input: the command line as text (cut at the first NUL). Byte 0 also picks
 * the error-buffer size for the second parse, so the cut-message paths run.
 * Checks, besides ASan/UBSan: the error message is always NUL-terminated
 * inside its buffer; a successful parse leaves every set value in range.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/cmdline.h"
#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/options.h"

static const char *const colours[] = { "red", "green", "blue", NULL };

static const struct opt_desc table[] = {
	{ .key = "n", .type = OPT_UINT, .min = 1, .max = 64 * MiB, .help = "a number" },
	{ .key = "big", .type = OPT_UINT, .min = 0, .max = UINT64_MAX },
	{ .key = "colour", .type = OPT_ENUM, .choices = colours, .help = "a colour" },
	{ .key = "name", .type = OPT_STRING },
	{ .key = "flag", .type = OPT_BOOL, .help = "a switch" },
	{ .key = "x", .type = OPT_BOOL },
};

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_cmdline: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_options defaults;
	static bool saved;
	struct opt_value vals[ARRAY_SIZE(table)];
	char *line = malloc(size + 1);
	char err[300];
	size_t errlen;

	if (!saved) {
		defaults = hv_opts;
		saved = true;
	}
	memcpy(line, data, size);
	line[size] = '\0';

	hv_opts = defaults;
	(void)options_parse(line);

	errlen = size ? data[0] % (sizeof(err) + 1) : sizeof(err);
	memset(err, 'Z', sizeof(err));
	int rc = cmdline_parse(line, table, ARRAY_SIZE(table), vals, errlen ? err : NULL, errlen);
	if (errlen)
		check(memchr(err, '\0', errlen) != NULL, "error message not NUL-terminated in its buffer");
	if (rc == 0) {
		check(!vals[0].set || (vals[0].u >= 1 && vals[0].u <= 64 * MiB), "n out of range");
		check(!vals[2].set || (vals[2].choice >= 0 && vals[2].choice < 3), "colour out of range");
		check(!vals[4].set || vals[4].u <= 1, "flag not 0/1");
		for (size_t i = 0; i < ARRAY_SIZE(table); i++)
			check(memchr(vals[i].str, '\0', OPT_VALUE_MAX) != NULL, "value text not terminated");
	}

	char usage[256];
	cmdline_usage(table, ARRAY_SIZE(table), usage, size ? data[size - 1] % sizeof(usage) + 1 : 1);
	free(line);
	return 0;
}
