/*
 * vmm/options.c - the option table and hv_opts.
 *
 * Context: kernel, boot CPU. Unknown keys and bad values are errors that
 * name the key, the value and what is allowed (lib/cmdline.c words them);
 * the run then ends with RESULT: FAIL rather than guessing.
 */
#include "vmm/options.h"
#include "lib/cmdline.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/break.h"

enum option_index { OPT_CRASH, OPT_WATCHDOG, OPT_BREAK, OPT_CPUS, OPT_SKEW, OPT_SKEW_ERROR, OPT_TSC,
		    OPT_MIGRATE, OPT_SLICE, OPT_CPU_TABLES, OPT_ENTRY_CHECK, OPT_APICV, NUM_OPTIONS };

static const char *const cpu_tables_choices[] = { "auto", "mp", NULL };
static const char *const entry_check_choices[] = { "first", "launch", "always", "off", NULL };
static const char *const apicv_choices[] = { "off", "tpr", "on", NULL };   /* enum apicv_level */
static const char *const crash_choices[] = { "none", "ud", "gp", "pf", "de", "bp", NULL };
#define DEFAULT_SLICE_TICKS 10000000ULL

static const struct opt_desc option_table[NUM_OPTIONS] = {
	[OPT_CRASH] = { .key = "crash", .type = OPT_ENUM, .choices = crash_choices,
			.help = "provoke a CPU exception in the hypervisor to show the register dump (teaching aid)" },
	[OPT_WATCHDOG] = { .key = "watchdog", .type = OPT_UINT, .min = 0, .max = UINT64_MAX,
			   .help = "TSC ticks a VM may run before it is ended (0: never)" },
	[OPT_BREAK] = { .key = "break", .type = OPT_ENUM, .choices = break_names,
			.help = "corrupt one VMCS field before each VM's first entry to show the diagnosis (teaching aid)" },
	[OPT_CPUS] = { .key = "cpus", .type = OPT_UINT, .min = 1, .max = MAX_CPUS,
		       .help = "use at most this many pCPUs (default: every CPU the MADT lists)" },
	[OPT_SKEW] = { .key = "skew", .type = OPT_STRING,
		       .help = "inject TSC skew at boot: S0,S1,... ticks per pCPU (e.g. 0,+1000000,-250000) or random:SEED:MAX" },
	[OPT_SKEW_ERROR] = { .key = "skew_error", .type = OPT_STRING,
			     .help = "add E0,E1,... ticks to the measured skew table (teaching aid: a wrong table for the percpu guard to catch)" },
	[OPT_TSC] = TSC_POLICY_OPTION("TSC_OFFSET policy when a vCPU is loaded on a pCPU (default percpu; a guest's own tsc= overrides it)"),
	[OPT_MIGRATE] = { .key = "migrate", .type = OPT_STRING,
			  .help = "force vCPU moves: off|rr|random:SEED|every-exit (default off)" },
	[OPT_SLICE] = { .key = "slice", .type = OPT_UINT, .min = 1000, .max = 1ULL << 40,
			.help = "ticks a vCPU runs before it leaves its pCPU (default 10000000)" },
	[OPT_CPU_TABLES] = { .key = "cpu_tables", .type = OPT_ENUM, .choices = cpu_tables_choices,
			     .help = "where to find the CPUs: auto (ACPI MADT, else MP table) or mp (MP table only)" },
	[OPT_ENTRY_CHECK] = { .key = "entry_check", .type = OPT_ENUM, .choices = entry_check_choices,
			      .help = "software VM-entry check: each vCPU's first VMLAUNCH on each pCPU (first, default), every VMLAUNCH (launch), also every run-loop VMRESUME (always), or off" },
	[OPT_APICV] = { .key = "apicv", .type = OPT_ENUM, .choices = apicv_choices,
			.help = "guest APIC virtualization: on (APIC-register virtualization and virtual-interrupt delivery where the CPU has them, else tpr; default), tpr (only the TPR shadow: CR8 without exits), off (every CR8 and APIC access exits)" },
};

struct hv_options hv_opts = {
	.crash = CRASH_NONE,
	.tsc = TSC_POLICY_PERCPU,
	.slice = DEFAULT_SLICE_TICKS,
	.migrate = MIGRATE_OFF,
	.watchdog = 20000000000ULL,   /* 2e10 ticks: ~6 s at 3 GHz, ~6 min in Bochs */
	.apicv = APICV_ON,
};

static bool parse_migrate(const char *s, char *err, size_t errlen)
{
	if (!*s || !strcmp(s, "off")) {
		hv_opts.migrate = MIGRATE_OFF;
	} else if (!strcmp(s, "rr")) {
		hv_opts.migrate = MIGRATE_RR;
	} else if (!strcmp(s, "every-exit")) {
		hv_opts.migrate = MIGRATE_EVERY_EXIT;
	} else if (!strncmp(s, "random:", 7) && s[7]) {
		uint64_t seed = 0;
		for (const char *p = s + 7; *p; p++) {
			if (*p < '0' || *p > '9' || seed > (UINT64_MAX - 9) / 10) {
				cv_snprintf(err, errlen, "option 'migrate': bad seed in '%s'; "
					    "allowed: off|rr|random:SEED|every-exit", s);
				return false;
			}
			seed = seed * 10 + (uint64_t)(*p - '0');
		}
		hv_opts.migrate = MIGRATE_RANDOM;
		hv_opts.migrate_seed = seed;
	} else {
		cv_snprintf(err, errlen, "option 'migrate': bad value '%s'; "
			    "allowed: off|rr|random:SEED|every-exit", s);
		return false;
	}
	return true;
}

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
	if (vals[OPT_ENTRY_CHECK].set)
		hv_opts.entry_check = (enum entry_check_mode)vals[OPT_ENTRY_CHECK].choice;
	if (vals[OPT_CPUS].set)
		hv_opts.cpus = (uint32_t)vals[OPT_CPUS].u;
	if (vals[OPT_SKEW].set)
		cv_snprintf(hv_opts.skew, sizeof(hv_opts.skew), "%s", vals[OPT_SKEW].str);
	if (vals[OPT_SKEW_ERROR].set)
		cv_snprintf(hv_opts.skew_error, sizeof(hv_opts.skew_error), "%s", vals[OPT_SKEW_ERROR].str);
	if (vals[OPT_TSC].set)
		hv_opts.tsc = tsc_policy_from_choice(vals[OPT_TSC].choice);
	if (vals[OPT_CPU_TABLES].set)
		hv_opts.cpu_tables_mp = vals[OPT_CPU_TABLES].choice == 1;
	if (vals[OPT_SLICE].set)
		hv_opts.slice = vals[OPT_SLICE].u;
	if (vals[OPT_MIGRATE].set && !parse_migrate(vals[OPT_MIGRATE].str, err, sizeof(err))) {
		kprintf("[hv] error: bad command line: %s\n", err);
		return false;
	}
	if (vals[OPT_APICV].set)
		hv_opts.apicv = (enum apicv_level)vals[OPT_APICV].choice;
	if (vals[OPT_WATCHDOG].set)
		hv_opts.watchdog = vals[OPT_WATCHDOG].u;
	return true;
}
