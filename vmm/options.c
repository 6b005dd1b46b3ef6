/*
 * vmm/options.c - the option table and hv_opts.
 *
 * Context: kernel, boot CPU. Unknown keys and bad values are errors that
 * name the key, the value and what is allowed (vmm/cmdline.c words them);
 * the run then ends with RESULT: FAIL rather than guessing.
 */
#include "vmm/options.h"
#include "vmm/cmdline.h"
#include "vmm/console.h"
#include "vmm/break.h"

enum option_index { OPT_CRASH, OPT_WATCHDOG, OPT_BREAK, NUM_OPTIONS };

static const char *const crash_choices[] = { "none", "ud", "gp", "pf", "de", "bp", NULL };

static const struct opt_desc option_table[NUM_OPTIONS] = {
	[OPT_CRASH] = { .key = "crash", .type = OPT_ENUM, .choices = crash_choices,
			.help = "provoke a CPU exception in the hypervisor to show the register dump (teaching aid)" },
	[OPT_WATCHDOG] = { .key = "watchdog", .type = OPT_UINT, .min = 0, .max = UINT64_MAX,
			   .help = "TSC ticks a VM may run before it is ended (0: never)" },
	[OPT_BREAK] = { .key = "break", .type = OPT_ENUM, .choices = break_names,
			.help = "corrupt one VMCS field before each VM's first entry to show the diagnosis (teaching aid)" },
};

struct hv_options hv_opts = {
	.crash = CRASH_NONE,
	.watchdog = 20000000000ULL,   /* 2e10 ticks: ~6 s at 3 GHz, ~6 min in Bochs */
};

bool options_parse(const char *cmdline)
{
	static struct opt_value vals[NUM_OPTIONS];
	static char usage[2048];
	char err[256];

	if (cmdline_parse(cmdline, option_table, NUM_OPTIONS, vals, err, sizeof(err)) != 0) {
		kprintf("[hv] error: bad command line: %s\n", err);
		cmdline_usage(option_table, NUM_OPTIONS, usage, sizeof(usage));
		kprintf("[hv] options:\n");
		for (char *line = usage; *line;) {
			char *nl = line;
			while (*nl && *nl != '\n')
				nl++;
			kprintf("[hv] %.*s\n", (int)(nl - line), line);
			line = *nl ? nl + 1 : nl;
		}
		return false;
	}
	if (vals[OPT_CRASH].set)
		hv_opts.crash = (enum crash_kind)vals[OPT_CRASH].choice;
	if (vals[OPT_BREAK].set)
		hv_opts.brk = vals[OPT_BREAK].choice;
	if (vals[OPT_WATCHDOG].set)
		hv_opts.watchdog = vals[OPT_WATCHDOG].u;
	return true;
}
