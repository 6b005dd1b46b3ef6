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
#include "vmm/core/vm.h"
#include "vmm/core/guest_fpu.h"
#include "vmm/dev/features.h"

enum option_index { OPT_CRASH, OPT_WATCHDOG, OPT_BREAK, OPT_CPUS, OPT_SKEW, OPT_SKEW_ERROR, OPT_TSC,
		    OPT_MIGRATE, OPT_SLICE, OPT_CPU_TABLES, OPT_ENTRY_CHECK, OPT_APICV,
		    OPT_X2APIC,
		    OPT_SAVE,
		    OPT_CONSOLE,
		    OPT_EXC_INTERCEPT,
		    OPT_NMI_TEST,
		    OPT_FPU_SWITCH,
		    OPT_CONTRACT,
		    OPT_SLEEP_MAX,
		    OPT_OUT_MAX,
		    OPT_CONSOLE_IN,
		    OPT_HANDOVER_DELAY,
		    NUM_OPTIONS };

static const char *const cpu_tables_choices[] = { "auto", "mp", NULL };
static const char *const entry_check_choices[] = { "first", "launch", "always", "off", NULL };
static const char *const x2apic_choices[] = { "auto", "on", NULL };
static const char *const console_choices[] = { "all", "serial", NULL };
static const char *const on_off_choices[] = { "off", "on", NULL };
static const char *const crash_choices[] = { "none", "ud", "gp", "pf", "de", "bp",
					     "stack", "wtext", "xdata", "canary", NULL };
static const char *const apicv_choices[] = { "off", "tpr", "on", NULL };   /* enum apicv_level */
#define DEFAULT_SLICE_TICKS 10000000ULL
#define DEFAULT_SLEEP_MAX   (1ULL << 32)     /* ticks: ~1.4 s at 3 GHz, ~86 s in Bochs */
#define DEFAULT_OUT_MAX     (1 * MiB)

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
	[OPT_X2APIC] = { .key = "x2apic", .type = OPT_ENUM, .choices = x2apic_choices,
			 .help = "host APIC mode: auto (as the firmware left it, default) or on (switch every pCPU to x2APIC mode)" },
	[OPT_SAVE] = { .key = "save", .type = OPT_STRING,
		       .help = "save VM N once its guest TSC reaches TICKS, as an image on COM2 (cvrun --save FILE): vmN@TICKS" },
	[OPT_CONSOLE] = { .key = "console", .type = OPT_ENUM, .choices = console_choices,
			  .help = "all (serial, port 0xE9 and the screen, default) or serial (no screen output after the boot lines)" },
	[OPT_EXC_INTERCEPT] = { .key = "exc_intercept", .type = OPT_ENUM, .choices = on_off_choices,
				.help = "#AC and #DB exit and are reflected to the guest: on (default) or off (negative control: a hostile IDT can loop the CPU inside their delivery)" },
	[OPT_NMI_TEST] = { .key = "nmi_test", .type = OPT_UINT, .min = 0, .max = 1000000,
			   .help = "send N host NMIs during the run (to this pCPU and to pCPUs running guests) to show they are counted and survived (teaching aid)" },
	[OPT_FPU_SWITCH] = { .key = "fpu_switch", .type = OPT_ENUM, .choices = on_off_choices,
			     .help = "switch x87/SSE/AVX state, XCR0 and DR0-DR3/DR6 between vCPUs: on (default) or off (teaching aid: VMs see each other's registers)" },
	[OPT_CONTRACT] = { .key = "contract", .type = OPT_ENUM, .choices = on_off_choices,
			   .help = "enforce the guest feature table: on (default: hidden features fault) or off (teaching aid: CPUID hides them, CR4, XCR0 and MSRs still accept them)" },
	[OPT_SLEEP_MAX] = { .key = "sleep_max", .type = OPT_UINT, .min = 0, .max = UINT64_MAX,
			    .help = "longest HC_SLEEP in guest TSC ticks; a longer one ends early (default 2^32; 0: no cap)" },
	[OPT_OUT_MAX] = { .key = "out_max", .type = OPT_UINT, .min = 0, .max = UINT64_MAX,
			  .help = "console bytes each VM may print; the rest is dropped and counted (default 1M; 0: no budget)" },
	[OPT_HANDOVER_DELAY] = { .key = "handover_delay", .type = OPT_UINT, .min = 0, .max = 1000000,
				 .help = "test aid: on every handover of a moving vCPU, its old pCPU waits N PAUSEs before its VMCLEAR and N more before it saves the registers (default 0)" },
	[OPT_CONSOLE_IN] = { .key = "console_in", .type = OPT_STRING,
			     .help = "which VM's COM1 receives what arrives on the console's serial port: vmN (default vm0) or off" },
};

struct hv_options hv_opts = {
	.crash = CRASH_NONE,
	.tsc = TSC_POLICY_PERCPU,
	.slice = DEFAULT_SLICE_TICKS,
	.migrate = MIGRATE_OFF,
	.watchdog = 20000000000ULL,   /* 2e10 ticks: ~6 s at 3 GHz, ~6 min in Bochs */
	.exc_intercept = true,
	.fpu_switch = true,
	.contract = true,
	.sleep_max = DEFAULT_SLEEP_MAX,
	.out_max = DEFAULT_OUT_MAX,
	.apicv = APICV_ON,
	.console_in = 0,
};

/* console_in=vmN|off */
static bool parse_console_in(const char *s, char *err, size_t errlen)
{
	if (strcmp(s, "off") == 0) {
		hv_opts.console_in = -1;
		return true;
	}
	int32_t n = 0;
	bool ok = s[0] == 'v' && s[1] == 'm' && s[2] >= '0' && s[2] <= '9';
	for (const char *p = s + 2; ok && *p; p++) {
		ok = *p >= '0' && *p <= '9' && n < MAX_VMS;
		n = n * 10 + (*p - '0');
	}
	if (!ok || n >= MAX_VMS) {
		cv_snprintf(err, errlen, "console_in=%s: want vmN (N below %u) or off", s, MAX_VMS);
		return false;
	}
	hv_opts.console_in = n;
	return true;
}

/* save=vmN@TICKS[,vmM@TICKS...]: decimal, at most OPT_MAX_SAVES. */
static bool parse_save(const char *s, char *err, size_t errlen)
{
	const char *p = s;

	hv_opts.nsaves = 0;
	while (*p) {
		uint64_t n = 0, t = 0;
		bool ok = hv_opts.nsaves < OPT_MAX_SAVES && p[0] == 'v' && p[1] == 'm' &&
			  p[2] >= '0' && p[2] <= '9';
		for (p += 2; ok && *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		ok = ok && n < MAX_VMS && *p == '@' && p[1] >= '0' && p[1] <= '9';
		for (p++; ok && *p >= '0' && *p <= '9'; p++) {
			ok = t <= (UINT64_MAX - 9) / 10;
			t = t * 10 + (uint64_t)(*p - '0');
		}
		if (!ok || (*p && *p != ',') || (*p == ',' && !p[1])) {
			cv_snprintf(err, errlen, "option 'save': '%s' is not vmN@TICKS[,vmM@TICKS...] "
				    "(at most %u, N below %u; e.g. save=vm0@20000000)", s, OPT_MAX_SAVES,
				    MAX_VMS);
			return false;
		}
		hv_opts.saves[hv_opts.nsaves].vm = (uint32_t)n;
		hv_opts.saves[hv_opts.nsaves].at = t;
		hv_opts.nsaves++;
		if (*p == ',')
			p++;
	}
	return true;
}

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
	static char usage[8192];     /* the option list: about 3000 bytes now */
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
	if (vals[OPT_X2APIC].set)
		hv_opts.x2apic = vals[OPT_X2APIC].choice == 1;
	if (vals[OPT_SAVE].set && !parse_save(vals[OPT_SAVE].str, err, sizeof(err))) {
		kprintf("[hv] error: bad command line: %s\n", err);
		return false;
	}
	if (vals[OPT_CONSOLE].set)
		hv_opts.console_serial = vals[OPT_CONSOLE].choice == 1;
	if (vals[OPT_EXC_INTERCEPT].set)
		hv_opts.exc_intercept = vals[OPT_EXC_INTERCEPT].choice == 1;
	if (vals[OPT_NMI_TEST].set)
		hv_opts.nmi_test = (uint32_t)vals[OPT_NMI_TEST].u;
	if (vals[OPT_FPU_SWITCH].set)
		hv_opts.fpu_switch = vals[OPT_FPU_SWITCH].choice == 1;
	guest_fpu_switch = hv_opts.fpu_switch;
	if (vals[OPT_CONTRACT].set)
		hv_opts.contract = vals[OPT_CONTRACT].choice == 1;
	features_contract = hv_opts.contract;
	if (vals[OPT_WATCHDOG].set)
		hv_opts.watchdog = vals[OPT_WATCHDOG].u;
	if (vals[OPT_SLEEP_MAX].set)
		hv_opts.sleep_max = vals[OPT_SLEEP_MAX].u;
	if (vals[OPT_OUT_MAX].set)
		hv_opts.out_max = vals[OPT_OUT_MAX].u;
	if (vals[OPT_HANDOVER_DELAY].set)
		hv_opts.handover_delay = (uint32_t)vals[OPT_HANDOVER_DELAY].u;
	if (vals[OPT_CONSOLE_IN].set && !parse_console_in(vals[OPT_CONSOLE_IN].str, err, sizeof(err))) {
		kprintf("[hv] error: bad command line: %s\n", err);
		return false;
	}
	return true;
}
