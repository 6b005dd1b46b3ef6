/*
 * tests/unit/test_vmx_caps.c - cmocka tests of vmx/caps_decode.c: the
 * control-bit helpers, the verdict, the list of missing features and the
 * formatted report.
 *
 * Context: host test (Linux, -DCV_HOST_TEST), no hardware. The fixtures are
 * the values Bochs 2.7 (Debian 2.7+dfsg-4) returns for CPUID.1:ECX and the
 * VMX MSRs of its CPU models, read by a boot sector that dumps RDMSR 0x3a,
 * 0x480..0x491 to port 0xE9 (EEEE... where RDMSR raised #GP):
 *   corei7_skylake_x      everything chronovisor needs, no monitor trap flag
 *   bx_generic            VMX without EPT, unrestricted guest, preemption
 *                         timer or the EFER controls
 *   core2_penryn_t9600    as bx_generic, and no RDTSCP control either
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/caps.h"
#include "lib/msr.h"

/* ---- fixtures ---- */

#define BOCHS_VMX_BASIC		0x00d810000000002bULL
#define BOCHS_CR0_FIXED0	0x0000000080000021ULL
#define BOCHS_CR0_FIXED1	0x00000000ffffffffULL
#define BOCHS_CR4_FIXED0	0x0000000000002000ULL
#define BOCHS_VMCS_ENUM		0x0000000000000034ULL
#define BOCHS_FEATURE_CONTROL	0x5ULL	/* locked, VMX outside SMX */

static struct vmx_caps_raw skylake_x(void)
{
	struct vmx_caps_raw raw = {
		.cpuid1_ecx = 0x77faf3bf,
		.feature_control = BOCHS_FEATURE_CONTROL,
		.basic = BOCHS_VMX_BASIC,
		.pinbased = 0x0000007f00000016ULL,	/* TRUE_PINBASED */
		.procbased = 0xf7f9fffe04006172ULL,	/* TRUE_PROCBASED */
		.exit = 0x007fffff00036dfbULL,		/* TRUE_EXIT */
		.entry = 0x0000ffff000011fbULL,		/* TRUE_ENTRY */
		.have_procbased2 = true,
		.procbased2 = 0x02177fff00000000ULL,
		.have_ept_vpid = true,
		.ept_vpid = 0x00000f0106334141ULL,
		.misc = 0x00000000600401e0ULL,
		.cr0_fixed0 = BOCHS_CR0_FIXED0,
		.cr0_fixed1 = BOCHS_CR0_FIXED1,
		.cr4_fixed0 = BOCHS_CR4_FIXED0,
		.cr4_fixed1 = 0x00000000003727ffULL,
		.vmcs_enum = BOCHS_VMCS_ENUM,
		.have_vmfunc = true,
		.vmfunc = 0x1,
	};
	return raw;
}

static struct vmx_caps_raw bx_generic(void)
{
	struct vmx_caps_raw raw = {
		.cpuid1_ecx = 0x00002028,
		.feature_control = BOCHS_FEATURE_CONTROL,
		.basic = BOCHS_VMX_BASIC,
		.pinbased = 0x0000003f00000016ULL,
		.procbased = 0xf7f9fffe04006172ULL,
		.exit = 0x0003efff00036dfbULL,
		.entry = 0x00001fff000011fbULL,
		.have_procbased2 = true,
		.procbased2 = 0x0000004900000000ULL,
		.have_ept_vpid = false,		/* RDMSR 0x48c raises #GP */
		.misc = 0x00000000000401e0ULL,
		.cr0_fixed0 = BOCHS_CR0_FIXED0,
		.cr0_fixed1 = BOCHS_CR0_FIXED1,
		.cr4_fixed0 = BOCHS_CR4_FIXED0,
		.cr4_fixed1 = 0x00000000000027ffULL,
		.vmcs_enum = BOCHS_VMCS_ENUM,
		.have_vmfunc = false,		/* RDMSR 0x491 raises #GP */
	};
	return raw;
}

static struct vmx_caps_raw core2_penryn(void)
{
	struct vmx_caps_raw raw = bx_generic();

	raw.cpuid1_ecx = 0x0408e3fd;
	raw.exit = 0x0003ffff00036dfbULL;
	raw.entry = 0x00003fff000011fbULL;
	raw.procbased2 = 0x0000004100000000ULL;
	raw.cr4_fixed1 = 0x00000000000467ffULL;
	return raw;
}

/* ---- report capture ---- */

#define MAX_LINES	256
#define MAX_LINE	256

struct capture {
	size_t n;
	char line[MAX_LINES][MAX_LINE];
};

static struct capture cap;

static void capture_emit(void *ctx, const char *line)
{
	struct capture *c = ctx;

	assert_true(c->n < MAX_LINES);
	assert_true(strlen(line) < MAX_LINE);
	strcpy(c->line[c->n++], line);
}

static void format(const struct vmx_caps_raw *raw)
{
	cap.n = 0;
	vmx_caps_format(raw, capture_emit, &cap);
}

/* Index of the first line containing every one of the strings, or -1. */
static int find_line(const char *a, const char *b)
{
	for (size_t i = 0; i < cap.n; i++)
		if (strstr(cap.line[i], a) && (!b || strstr(cap.line[i], b)))
			return (int)i;
	return -1;
}

static void dump_report(void)
{
	for (size_t i = 0; i < cap.n; i++)
		fprintf(stderr, "%s\n", cap.line[i]);
}

#define assert_line(a, b)						\
	do {								\
		if (find_line(a, b) < 0) {				\
			dump_report();					\
			fail_msg("no report line with '%s' / '%s'", a,	\
				 b ? (const char *)b : "");		\
		}							\
	} while (0)

#define assert_no_line(a, b)						\
	do {								\
		if (find_line(a, b) >= 0) {				\
			dump_report();					\
			fail_msg("unexpected line with '%s' / '%s'", a,	\
				 b ? (const char *)b : "");		\
		}							\
	} while (0)

/* The verdict and the names of the missing required features. */
static enum vmx_verdict evaluate(const struct vmx_caps_raw *raw,
				 const char **missing, size_t max,
				 size_t *n)
{
	return vmx_caps_evaluate(raw, missing, max, n);
}

static void assert_missing_exactly(const struct vmx_caps_raw *raw,
				   const char *const *expect, size_t nexpect)
{
	const char *missing[64];
	size_t n = 99;

	assert_int_equal(evaluate(raw, missing, 64, &n), VMX_MISSING_FEATURES);
	assert_int_equal(n, nexpect);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(missing[i], expect[i]);
}

/* ---- tests ---- */

static void test_ctl_helpers(void **state)
{
	const uint64_t true_proc = 0xf7f9fffe04006172ULL;
	const uint64_t legacy_proc = 0xf7f9fffe0401e172ULL;

	assert_true(vmx_ctl_allowed1(true_proc, CPU_BASED_USE_TSC_OFFSETTING));
	assert_true(vmx_ctl_allowed1(true_proc, CPU_BASED_HLT_EXITING |
				     CPU_BASED_USE_MSR_BITMAPS |
				     CPU_BASED_ACTIVATE_SECONDARY_CONTROLS));
	assert_false(vmx_ctl_allowed1(true_proc, CPU_BASED_MONITOR_TRAP_FLAG));
	assert_false(vmx_ctl_allowed1(true_proc, CPU_BASED_HLT_EXITING |
				      CPU_BASED_MONITOR_TRAP_FLAG));
	/* TRUE controls let CR3-load exiting be 0; the legacy MSR does not */
	assert_false(vmx_ctl_required1(true_proc, CPU_BASED_CR3_LOAD_EXITING));
	assert_true(vmx_ctl_required1(legacy_proc, CPU_BASED_CR3_LOAD_EXITING |
				      CPU_BASED_CR3_STORE_EXITING));
	assert_false(vmx_ctl_required1(legacy_proc, CPU_BASED_HLT_EXITING));
}

static void test_defs_decode(void **state)
{
	const uint64_t misc = 0x00000000600401e5ULL;

	assert_int_equal(vmx_basic_revision_id(BOCHS_VMX_BASIC), 0x2b);
	assert_int_equal(vmx_basic_vmcs_size(BOCHS_VMX_BASIC), 4096);
	assert_int_equal(vmx_basic_mem_type(BOCHS_VMX_BASIC), VMX_MEMTYPE_WB);
	assert_true(BOCHS_VMX_BASIC & VMX_BASIC_TRUE_CTLS);
	assert_true(BOCHS_VMX_BASIC & VMX_BASIC_INOUT);
	assert_int_equal(vmx_misc_preemption_timer_rate(misc), 5);
	assert_int_equal(vmx_misc_cr3_targets(misc), 4);
	assert_int_equal(vmx_misc_max_msr_list(misc), 512);
	assert_int_equal(vmx_misc_max_msr_list(misc | (3ULL << 25)), 2048);
}

static void test_skylake_usable(void **state)
{
	struct vmx_caps_raw raw = skylake_x();
	const char *missing[4] = { "sentinel" };
	size_t n = 99;

	assert_int_equal(evaluate(&raw, missing, 4, &n), VMX_USABLE);
	assert_int_equal(n, 0);
	assert_string_equal(missing[0], "sentinel");

	format(&raw);
	assert_line("[hv] vmx: CPUID.1:ECX = 0x77faf3bf: VMX (bit 5) = 1", NULL);
	assert_line("[hv] vmx: IA32_FEATURE_CONTROL = 0x5: locked, VMX outside SMX enabled",
		    NULL);
	assert_line("revision id 0x2b, VMCS 4096 bytes, memory type 6 (WB)",
		    NULL);
	assert_line("TRUE controls: yes, INS/OUTS exit info: yes", NULL);
	assert_line("pinbased IA32_VMX_TRUE_PINBASED_CTLS = 0x0000007f00000016",
		    "allowed-0 0x00000016 allowed-1 0x0000007f");
	assert_line("[hv] vmx:   pinbased fixed 1: bit1 bit2 bit4", NULL);
	assert_line("[hv] vmx:   pinbased optional: EXT_INTR_EXITING NMI_EXITING VIRTUAL_NMIS VMX_PREEMPTION_TIMER",
		    NULL);
	assert_line("[hv] vmx:   pinbased unsupported: POSTED_INTR", NULL);
	assert_line("[hv] vmx:   procbased fixed 1: bit1 bit4 bit5 bit6 bit8 bit13 bit14 bit26",
		    NULL);
	assert_line("procbased optional:", "USE_TSC_OFFSETTING HLT_EXITING");
	assert_line("procbased optional:", "CR3_LOAD_EXITING");
	assert_line("[hv] vmx:   procbased unsupported: ACTIVATE_TERTIARY_CONTROLS MONITOR_TRAP_FLAG",
		    NULL);
	assert_line("procbased2 optional:", "ENABLE_EPT");
	assert_line("procbased2 optional:", "TSC_SCALING");
	assert_line("procbased2 unsupported:", "ENCLS_EXITING");
	assert_line("exit optional:", "SAVE_EFER LOAD_EFER");
	assert_line("entry optional:", "IA32E_MODE_GUEST");
	assert_line("IA32_VMX_EPT_VPID_CAP = 0x00000f0106334141", NULL);
	assert_line("ept/vpid supported:", "PAGE_WALK_4");
	assert_line("ept/vpid supported:", "INVEPT_ALL_CONTEXT");
	assert_line("ept/vpid supported:", "INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS");
	assert_line("ept/vpid unsupported:", "PAGE_WALK_5");
	assert_line("vmfunc supported: EPTP_SWITCHING", NULL);
	assert_line("VMX-preemption timer ticks every 2^0 TSC ticks", NULL);
	assert_line("EFER.LMA saved at exit: yes", NULL);
	assert_line("activity states: ACTIVE HLT SHUTDOWN WAIT_FOR_SIPI", NULL);
	assert_line("CR3 targets: 4; max MSR list: 512; VMWRITE to exit-info fields: yes",
		    NULL);
	assert_line("CR0 fixed0 0x0000000080000021 fixed1 0x00000000ffffffff",
		    NULL);
	assert_line("CR4 fixed0 0x0000000000002000 fixed1 0x00000000003727ff",
		    NULL);
	assert_line("IA32_VMX_VMCS_ENUM = 0x34: highest field index 0x1a", NULL);
	assert_line("[hv] vmx: required  TSC offsetting ..", "present");
	assert_line("[hv] vmx: required  EPT ..", "present");
	assert_line("[hv] vmx: required  INVEPT all-context ..", "present");
	assert_line("[hv] vmx: optional  VPID ..", "present");
	assert_line("[hv] vmx: optional  TSC scaling ..", "present");
	assert_line("[hv] vmx: optional  monitor trap flag ..", "absent");
	assert_no_line("MISSING", NULL);
	assert_string_equal(cap.line[cap.n - 1], "[hv] vmx: verdict: usable");
}

static const char *const generic_missing[] = {
	"VMX-preemption timer", "EPT", "unrestricted guest",
	"save EFER at exit", "load EFER at exit", "load EFER at entry",
	"EPT 4-level page walk", "EPT write-back memory type", "INVEPT",
	"INVEPT all-context",
};

static void test_bx_generic_missing(void **state)
{
	struct vmx_caps_raw raw = bx_generic();

	assert_missing_exactly(&raw, generic_missing,
			       ARRAY_SIZE(generic_missing));

	format(&raw);
	assert_line("CPUID.1:ECX = 0x00002028: VMX (bit 5) = 1", NULL);
	assert_line("[hv] vmx:   pinbased unsupported: VMX_PREEMPTION_TIMER POSTED_INTR",
		    NULL);
	assert_line("[hv] vmx:   procbased2 optional: VIRTUALIZE_APIC_ACCESSES ENABLE_RDTSCP WBINVD_EXITING",
		    NULL);
	assert_line("procbased2 unsupported:", "ENABLE_EPT");
	assert_line("procbased2 unsupported:", "UNRESTRICTED_GUEST");
	assert_line("IA32_VMX_EPT_VPID_CAP: none", NULL);
	assert_line("IA32_VMX_VMFUNC: none", NULL);
	assert_line("[hv] vmx: required  EPT ..",
		    "MISSING: guest RAM is mapped through EPT");
	assert_line("[hv] vmx: required  unrestricted guest ..", "MISSING");
	assert_line("[hv] vmx: required  VMX-preemption timer ..", "MISSING");
	assert_line("[hv] vmx: required  RDTSCP ..", "present");
	assert_line("[hv] vmx: required  host address-space size ..", "present");
	assert_line("[hv] vmx: optional  VPID ..", "absent");
	assert_line("[hv] vmx: verdict: missing 10 required features: VMX-preemption timer, EPT, unrestricted guest,",
		    NULL);
	/* the wrapped rest of the verdict keeps its label */
	assert_line("[hv] vmx: verdict: missing 10 required features:",
		    "INVEPT all-context");
}

static void test_core2_penryn_missing(void **state)
{
	static const char *const expect[] = {
		"VMX-preemption timer", "EPT", "RDTSCP", "unrestricted guest",
		"save EFER at exit", "load EFER at exit", "load EFER at entry",
		"EPT 4-level page walk", "EPT write-back memory type",
		"INVEPT", "INVEPT all-context",
	};
	struct vmx_caps_raw raw = core2_penryn();

	assert_missing_exactly(&raw, expect, ARRAY_SIZE(expect));
}

static void test_no_vmx(void **state)
{
	struct vmx_caps_raw raw = skylake_x();
	size_t n = 99;

	raw.cpuid1_ecx &= ~(uint32_t)CPUID_1_ECX_VMX;
	assert_int_equal(evaluate(&raw, NULL, 0, &n), VMX_NOT_AVAILABLE);
	assert_int_equal(n, 0);

	/* the MSR fields are not valid: the report must not show them */
	format(&raw);
	assert_int_equal(cap.n, 2);
	assert_string_equal(cap.line[0],
			    "[hv] vmx: CPUID.1:ECX = 0x77faf39f: VMX (bit 5) = 0");
	assert_line("[hv] vmx: verdict: VMX not available (CPUID.1:ECX.VMX = 0)",
		    NULL);
	assert_no_line("IA32_VMX_BASIC", NULL);
}

static void test_disabled_by_firmware(void **state)
{
	struct vmx_caps_raw raw = skylake_x();

	raw.feature_control = FEATURE_CONTROL_LOCK;
	assert_int_equal(evaluate(&raw, NULL, 0, NULL),
			 VMX_DISABLED_BY_FIRMWARE);
	format(&raw);
	assert_line("[hv] vmx: IA32_FEATURE_CONTROL = 0x1: locked with VMX off: VMX disabled by firmware (enable VT-x in the firmware setup)",
		    NULL);
	assert_string_equal(cap.line[cap.n - 1],
			    "[hv] vmx: verdict: VMX disabled by firmware (enable VT-x in the firmware setup)");

	/* VMX enabled only inside SMX is no use to a hypervisor outside it */
	raw.feature_control = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_IN_SMX;
	assert_int_equal(evaluate(&raw, NULL, 0, NULL),
			 VMX_DISABLED_BY_FIRMWARE);

	/* unlocked and not locked by us: VMXON would fault */
	raw.feature_control = FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	assert_int_equal(evaluate(&raw, NULL, 0, NULL),
			 VMX_DISABLED_BY_FIRMWARE);
	format(&raw);
	assert_line("IA32_FEATURE_CONTROL = 0x4: unlocked: VMXON would raise #GP",
		    NULL);
}

static void test_we_locked(void **state)
{
	struct vmx_caps_raw raw = skylake_x();

	raw.feature_control_we_locked = true;
	assert_int_equal(evaluate(&raw, NULL, 0, NULL), VMX_USABLE);
	format(&raw);
	assert_line("IA32_FEATURE_CONTROL = 0x5: was unlocked: enabled and locked by chronovisor",
		    NULL);
}

static void test_no_secondary_controls(void **state)
{
	static const char *const expect[] = {
		"secondary controls", "EPT", "RDTSCP", "unrestricted guest",
		"EPT 4-level page walk", "EPT write-back memory type",
		"INVEPT", "INVEPT all-context",
	};
	struct vmx_caps_raw raw = skylake_x();

	raw.procbased &= ~((uint64_t)CPU_BASED_ACTIVATE_SECONDARY_CONTROLS << 32);
	raw.have_procbased2 = false;
	raw.have_ept_vpid = false;
	raw.have_vmfunc = false;
	assert_missing_exactly(&raw, expect, ARRAY_SIZE(expect));

	format(&raw);
	assert_line("procbased unsupported:", "ACTIVATE_SECONDARY_CONTROLS");
	assert_line("[hv] vmx: procbased2: none", NULL);
	assert_line("[hv] vmx: required  secondary controls ..", "MISSING");
	assert_line("[hv] vmx: optional  VPID ..", "absent");
	assert_line("[hv] vmx: verdict: missing 8 required features: secondary controls, EPT,",
		    NULL);
}

/* EPT capability bits do not count when EPT itself cannot be enabled. */
static void test_vpid_without_ept(void **state)
{
	static const char *const expect[] = {
		"EPT", "EPT 4-level page walk", "EPT write-back memory type",
		"INVEPT", "INVEPT all-context",
	};
	struct vmx_caps_raw raw = skylake_x();

	raw.procbased2 &= ~((uint64_t)SECONDARY_EXEC_ENABLE_EPT << 32);
	assert_missing_exactly(&raw, expect, ARRAY_SIZE(expect));
	format(&raw);
	assert_line("[hv] vmx: optional  INVVPID ..", "present");
	assert_line("[hv] vmx: optional  EPT 2 MiB pages ..", "absent");
}

static void test_missing_truncated(void **state)
{
	struct vmx_caps_raw raw = bx_generic();
	const char *missing[4] = { NULL, NULL, NULL, "sentinel" };
	size_t n = 0;

	assert_int_equal(evaluate(&raw, missing, 3, &n), VMX_MISSING_FEATURES);
	assert_int_equal(n, ARRAY_SIZE(generic_missing));
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(missing[i], generic_missing[i]);
	assert_string_equal(missing[3], "sentinel");

	/* no array at all: only the verdict */
	assert_int_equal(evaluate(&raw, NULL, 0, NULL), VMX_MISSING_FEATURES);
}

static void test_unnamed_bits(void **state)
{
	struct vmx_caps_raw raw = skylake_x();

	raw.procbased2 |= BIT(21 + 32);	/* a secondary control with no name */
	raw.ept_vpid |= BIT(48);	/* an EPT capability with no name */
	format(&raw);
	assert_line("procbased2 optional:", "bit21");
	assert_line("ept/vpid supported:", "bit48");
	/* unnamed bits that must be 0 are not listed */
	assert_no_line("unsupported:", "bit0 ");
}

static void test_legacy_controls(void **state)
{
	struct vmx_caps_raw raw = skylake_x();

	raw.basic &= ~VMX_BASIC_TRUE_CTLS;
	raw.procbased = 0xf7f9fffe0401e172ULL;
	raw.exit = 0x007fffff00036dffULL;
	raw.entry = 0x0000ffff000011ffULL;
	assert_int_equal(evaluate(&raw, NULL, 0, NULL), VMX_USABLE);
	format(&raw);
	assert_line("TRUE controls: no", NULL);
	assert_line("procbased IA32_VMX_PROCBASED_CTLS = ", NULL);
	assert_line("procbased fixed 1:", "CR3_LOAD_EXITING CR3_STORE_EXITING");
	assert_line("exit fixed 1:", "SAVE_DEBUG_CONTROLS");
	assert_line("entry IA32_VMX_ENTRY_CTLS = ", NULL);
}

/* Every line carries the prefix and stays short enough for a console. */
static void check_lines(const struct vmx_caps_raw *raw)
{
	format(raw);
	assert_true(cap.n >= 2);
	for (size_t i = 0; i < cap.n; i++) {
		if (strncmp(cap.line[i], "[hv] vmx: ", 10) != 0 ||
		    strlen(cap.line[i]) > 132) {
			dump_report();
			fail_msg("bad line %zu: '%s'", i, cap.line[i]);
		}
	}
}

static void test_line_format(void **state)
{
	struct vmx_caps_raw raw = skylake_x();

	check_lines(&raw);
	raw = bx_generic();
	check_lines(&raw);
	raw = core2_penryn();
	check_lines(&raw);
	raw.cpuid1_ecx = 0;
	check_lines(&raw);
	/* everything allowed: the longest name lists */
	raw = skylake_x();
	raw.pinbased |= ~0ULL << 32;
	raw.procbased |= ~0ULL << 32;
	raw.procbased2 = ~0ULL << 32;
	raw.exit |= ~0ULL << 32;
	raw.entry |= ~0ULL << 32;
	raw.ept_vpid = ~0ULL;
	raw.vmfunc = ~0ULL;
	check_lines(&raw);
}

static void test_feature_table(void **state)
{
	size_t nreq = 0;

	assert_true(vmx_nr_features > 0);
	for (size_t i = 0; i < vmx_nr_features; i++) {
		const struct vmx_feature *f = &vmx_features[i];

		assert_non_null(f->name);
		assert_non_null(f->why);
		assert_true(f->mask != 0);
		for (size_t j = 0; j < i; j++)
			assert_true(strcmp(f->name, vmx_features[j].name) != 0);
		nreq += f->required;
	}
	assert_true(nreq > 0 && nreq < vmx_nr_features);
}

static void test_verdict_names(void **state)
{
	assert_string_equal(vmx_verdict_name(VMX_USABLE), "usable");
	assert_string_equal(vmx_verdict_name(VMX_NOT_AVAILABLE), "not available");
	assert_string_equal(vmx_verdict_name(VMX_DISABLED_BY_FIRMWARE),
			    "disabled by firmware");
	assert_string_equal(vmx_verdict_name(VMX_MISSING_FEATURES),
			    "missing features");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_helpers),
		cmocka_unit_test(test_defs_decode),
		cmocka_unit_test(test_skylake_usable),
		cmocka_unit_test(test_bx_generic_missing),
		cmocka_unit_test(test_core2_penryn_missing),
		cmocka_unit_test(test_no_vmx),
		cmocka_unit_test(test_disabled_by_firmware),
		cmocka_unit_test(test_we_locked),
		cmocka_unit_test(test_no_secondary_controls),
		cmocka_unit_test(test_vpid_without_ept),
		cmocka_unit_test(test_missing_truncated),
		cmocka_unit_test(test_unnamed_bits),
		cmocka_unit_test(test_legacy_controls),
		cmocka_unit_test(test_line_format),
		cmocka_unit_test(test_feature_table),
		cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
}
