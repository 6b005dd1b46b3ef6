/*
 * vmx/caps_decode.c - decode the VMX capability MSRs, decide whether
 * chronovisor can run, and format the named capability report.
 *
 * Context: pure C, no hardware access and no console: the kernel's probe
 * (vmx/caps.c) fills a struct vmx_caps_raw and hands it here, and the host
 * unit tests (tests/unit/test_vmx_caps.c) do the same with raw values taken
 * from Bochs' CPU models. Output goes line by line through a callback.
 *
 * SDM Vol. 3D, appendix "VMX Capability Reporting Facility", gives the
 * layout of every MSR decoded here; vmx/vmx_defs.h names the bits.
 */
#include "vmx/caps.h"
#include "lib/msr.h"
#include "lib/printf.h"

#define REPORT_PREFIX	"[hv] vmx: "
#define LINE_SIZE	192	/* one report line, prefix and NUL included */
#define WRAP_COLUMN	110	/* name lists continue on a new line past this */
#define DOTS_COLUMN	32	/* feature names are padded with dots to here */
#define CTL_WORD_BITS	32
#define CAP_MSR_BITS	64

bool vmx_ctl_allowed1(uint64_t capmsr, uint32_t ctl)
{
	uint32_t allowed1 = (uint32_t)(capmsr >> 32);

	return (allowed1 & ctl) == ctl;
}

bool vmx_ctl_required1(uint64_t capmsr, uint32_t ctl)
{
	uint32_t allowed0 = (uint32_t)capmsr;

	return (allowed0 & ctl) == ctl;
}

/*
 * What chronovisor uses, in report order: pin-based, primary, secondary,
 * exit, entry, misc, EPT/VPID. Required features missing make the CPU
 * unusable; optional ones change only how well it runs.
 */
const struct vmx_feature vmx_features[] = {
	{ "external-interrupt exiting", VMX_CAP_PINBASED,
	  PIN_BASED_EXT_INTR_EXITING, 0, true,
	  "a host interrupt always returns the pCPU to the hypervisor", VMX_SET },
	{ "NMI exiting", VMX_CAP_PINBASED, PIN_BASED_NMI_EXITING, 0, true,
	  "a host NMI always returns the pCPU to the hypervisor", VMX_SET },
	{ "VMX-preemption timer", VMX_CAP_PINBASED,
	  PIN_BASED_VMX_PREEMPTION_TIMER, 0, true,
	  "time slices and the watchdog that preempts every guest", VMX_SET },
	{ "virtual NMIs", VMX_CAP_PINBASED, PIN_BASED_VIRTUAL_NMIS, 0, true,
	  "a guest's NMI blocking is tracked, and NMI-window exiting allowed", VMX_SET },
	{ "TSC offsetting", VMX_CAP_PROCBASED,
	  CPU_BASED_USE_TSC_OFFSETTING, 0, true,
	  "guest TSC = host TSC + per-vCPU offset, RDTSC never exits", VMX_SET },
	{ "interrupt-window exiting", VMX_CAP_PROCBASED, CPU_BASED_INTR_WINDOW_EXITING, 0,
	  true, "an interrupt the guest cannot take yet is delivered as soon as it can",
	  VMX_REPORT_ONLY /* switched per entry (vmm/inject.c) */ },
	{ "HLT exiting", VMX_CAP_PROCBASED, CPU_BASED_HLT_EXITING, 0, true,
	  "a halted vCPU gives its pCPU back to the scheduler", VMX_SET },
	{ "CR8-load/store exiting", VMX_CAP_PROCBASED,
	  CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING, 0, true,
	  "CR8 is the virtual APIC's TPR (apicv=off)", VMX_SET },
	{ "TPR shadow", VMX_CAP_PROCBASED, CPU_BASED_TPR_SHADOW, 0, false,
	  "CR8 without exits, in the virtual-APIC page (apicv=on)",
	  VMX_REPORT_ONLY /* set per VMCS (vmx/vmcs_setup.c) */ },
	{ "NMI-window exiting", VMX_CAP_PROCBASED, CPU_BASED_NMI_WINDOW_EXITING, 0, true,
	  "an NMI the guest blocks is delivered as soon as it can take it",
	  VMX_REPORT_ONLY /* switched per entry (vmm/inject.c) */ },
	{ "MWAIT exiting", VMX_CAP_PROCBASED, CPU_BASED_MWAIT_EXITING, 0, true,
	  "MWAIT cannot stop a pCPU (a deep C-state with IF = 0 stops the preemption timer)",
	  VMX_SET },
	{ "MONITOR exiting", VMX_CAP_PROCBASED, CPU_BASED_MONITOR_EXITING, 0, true,
	  "MONITOR follows the guest's CPUID (hidden: #UD)", VMX_SET },
	{ "RDPMC exiting", VMX_CAP_PROCBASED, CPU_BASED_RDPMC_EXITING, 0, true,
	  "the host's performance counters are not read by guests", VMX_SET },
	{ "I/O bitmaps", VMX_CAP_PROCBASED, CPU_BASED_USE_IO_BITMAPS, 0, true,
	  "only the emulated ports exit", VMX_SET },
	{ "MSR bitmaps", VMX_CAP_PROCBASED, CPU_BASED_USE_MSR_BITMAPS, 0, true,
	  "only the emulated MSRs exit", VMX_SET },
	{ "secondary controls", VMX_CAP_PROCBASED,
	  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0, true,
	  "EPT, unrestricted guest and RDTSCP are secondary controls", VMX_SET },
	{ "monitor trap flag", VMX_CAP_PROCBASED, CPU_BASED_MONITOR_TRAP_FLAG,
	  0, false, "single-stepping guests for debugging", VMX_REPORT_ONLY },
	{ "EPT", VMX_CAP_PROCBASED2, SECONDARY_EXEC_ENABLE_EPT, 0, true,
	  "guest RAM is mapped through EPT", VMX_SET },
	{ "RDTSCP", VMX_CAP_PROCBASED2, SECONDARY_EXEC_ENABLE_RDTSCP, 0, true,
	  "without it RDTSCP raises #UD in the guest", VMX_SET },
	{ "unrestricted guest", VMX_CAP_PROCBASED2,
	  SECONDARY_EXEC_UNRESTRICTED_GUEST, 0, true,
	  "Multiboot guests start with paging off", VMX_SET },
	{ "VPID", VMX_CAP_PROCBASED2, SECONDARY_EXEC_ENABLE_VPID, 0, false,
	  "guest TLB entries survive exits", VMX_SET },
	{ "WBINVD exiting", VMX_CAP_PROCBASED2, SECONDARY_EXEC_WBINVD_EXITING, 0, false,
	  "a guest's WBINVD does not flush the caches other VMs share (else it runs on the pCPU)",
	  VMX_SET },
	{ "INVPCID", VMX_CAP_PROCBASED2, SECONDARY_EXEC_ENABLE_INVPCID, 0,
	  false, "without it INVPCID raises #UD in the guest", VMX_REPORT_ONLY },
	{ "TSC scaling", VMX_CAP_PROCBASED2, SECONDARY_EXEC_TSC_SCALING, 0,
	  false, "guest TSC at another rate than the host's", VMX_REPORT_ONLY },
	{ "host address-space size", VMX_CAP_EXIT,
	  VM_EXIT_HOST_ADDR_SPACE_SIZE, 0, true,
	  "the host runs in 64-bit mode", VMX_SET },
	{ "save EFER at exit", VMX_CAP_EXIT, VM_EXIT_SAVE_EFER, 0, true,
	  "the guest's EFER (LME, LMA) survives exits", VMX_SET },
	{ "load EFER at exit", VMX_CAP_EXIT, VM_EXIT_LOAD_EFER, 0, true,
	  "the host's EFER comes back at every exit", VMX_SET },
	{ "save debug controls", VMX_CAP_EXIT, VM_EXIT_SAVE_DEBUG_CONTROLS, 0, true,
	  "a guest's DR7 and IA32_DEBUGCTL survive its exits", VMX_SET },
	{ "acknowledge interrupt on exit", VMX_CAP_EXIT,
	  VM_EXIT_ACK_INTR_ON_EXIT, 0, false,
	  "a pCPU kicks another out of its guest with an IPI (the exit takes the vector)", VMX_SET },
	{ "save preemption timer at exit", VMX_CAP_EXIT,
	  VM_EXIT_SAVE_VMX_PREEMPTION_TIMER, 0, false,
	  "a preempted slice resumes where it stopped", VMX_REPORT_ONLY },
	{ "load PAT at exit", VMX_CAP_EXIT, VM_EXIT_LOAD_PAT, 0, false,
	  "guests get their own IA32_PAT", VMX_REPORT_ONLY },
	{ "IA-32e mode guest", VMX_CAP_ENTRY, VM_ENTRY_IA32E_MODE_GUEST, 0,
	  true, "guests that switched to long mode re-enter in it", VMX_REPORT_ONLY },
	{ "load debug controls", VMX_CAP_ENTRY, VM_ENTRY_LOAD_DEBUG_CONTROLS, 0, true,
	  "each guest gets its own DR7 and IA32_DEBUGCTL (the exit sets DR7 to 0x400)", VMX_SET },
	{ "load EFER at entry", VMX_CAP_ENTRY, VM_ENTRY_LOAD_EFER, 0, true,
	  "else the host's EFER.LME leaks into the guest", VMX_SET },
	{ "load PAT at entry", VMX_CAP_ENTRY, VM_ENTRY_LOAD_PAT, 0, false,
	  "guests get their own IA32_PAT", VMX_REPORT_ONLY },
	{ "EFER.LMA saved at exit", VMX_CAP_MISC, VMX_MISC_SAVE_EFER_LMA, 0,
	  true, "a guest's own switch to long mode needs no exit", VMX_REPORT_ONLY },
	{ "EPT 4-level page walk", VMX_CAP_EPT_VPID, VMX_EPT_PAGE_WALK_4,
	  SECONDARY_EXEC_ENABLE_EPT, true, "the EPT format chronovisor builds", VMX_REPORT_ONLY },
	{ "EPT write-back memory type", VMX_CAP_EPT_VPID, VMX_EPT_MEMTYPE_WB,
	  SECONDARY_EXEC_ENABLE_EPT, true, "EPT tables are cached write-back", VMX_REPORT_ONLY },
	{ "INVEPT", VMX_CAP_EPT_VPID, VMX_EPT_INVEPT,
	  SECONDARY_EXEC_ENABLE_EPT, true, "stale EPT translations are flushed", VMX_REPORT_ONLY },
	{ "INVEPT all-context", VMX_CAP_EPT_VPID, VMX_EPT_INVEPT_ALL_CONTEXT,
	  SECONDARY_EXEC_ENABLE_EPT, true,
	  "the INVEPT type used (KVM requires it too)", VMX_REPORT_ONLY },
	{ "INVEPT single-context", VMX_CAP_EPT_VPID,
	  VMX_EPT_INVEPT_SINGLE_CONTEXT, SECONDARY_EXEC_ENABLE_EPT, false,
	  "flush one VM's EPT only", VMX_REPORT_ONLY },
	{ "EPT 2 MiB pages", VMX_CAP_EPT_VPID, VMX_EPT_2MB_PAGE,
	  SECONDARY_EXEC_ENABLE_EPT, false, "fewer EPT tables and TLB misses", VMX_REPORT_ONLY },
	{ "EPT 1 GiB pages", VMX_CAP_EPT_VPID, VMX_EPT_1GB_PAGE,
	  SECONDARY_EXEC_ENABLE_EPT, false, "fewer EPT tables and TLB misses", VMX_REPORT_ONLY },
	{ "EPT accessed/dirty flags", VMX_CAP_EPT_VPID, VMX_EPT_AD_BITS,
	  SECONDARY_EXEC_ENABLE_EPT, false, "dirty tracking of guest RAM", VMX_REPORT_ONLY },
	{ "INVVPID", VMX_CAP_EPT_VPID, VMX_VPID_INVVPID,
	  SECONDARY_EXEC_ENABLE_VPID, false, "flush one vCPU's TLB entries", VMX_REPORT_ONLY },
};

const size_t vmx_nr_features = ARRAY_SIZE(vmx_features);

static bool vmx_present(const struct vmx_caps_raw *raw)
{
	return raw->cpuid1_ecx & CPUID_1_ECX_VMX;
}

/* Secondary controls act only when the primary control activates them. */
static bool secondary_allowed1(const struct vmx_caps_raw *raw, uint64_t ctl)
{
	return vmx_ctl_allowed1(raw->procbased,
				CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &&
	       raw->have_procbased2 &&
	       vmx_ctl_allowed1(raw->procbased2, (uint32_t)ctl);
}

bool vmx_feature_present(const struct vmx_caps_raw *raw,
			 const struct vmx_feature *f)
{
	if (!vmx_present(raw))
		return false;
	if (f->needs2 && !secondary_allowed1(raw, f->needs2))
		return false;

	switch (f->word) {
	case VMX_CAP_PINBASED:
		return vmx_ctl_allowed1(raw->pinbased, (uint32_t)f->mask);
	case VMX_CAP_PROCBASED:
		return vmx_ctl_allowed1(raw->procbased, (uint32_t)f->mask);
	case VMX_CAP_PROCBASED2:
		return secondary_allowed1(raw, f->mask);
	case VMX_CAP_EXIT:
		return vmx_ctl_allowed1(raw->exit, (uint32_t)f->mask);
	case VMX_CAP_ENTRY:
		return vmx_ctl_allowed1(raw->entry, (uint32_t)f->mask);
	case VMX_CAP_MISC:
		return (raw->misc & f->mask) == f->mask;
	case VMX_CAP_EPT_VPID:
		return raw->have_ept_vpid &&
		       (raw->ept_vpid & f->mask) == f->mask;
	}
	return false;
}

/* SDM Vol. 3C, "Enabling and Entering VMX Operation": VMXON outside SMX
 * needs FEATURE_CONTROL locked with "enable VMX outside SMX" set. */
static bool feature_control_ok(uint64_t fc)
{
	uint64_t need = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;

	return (fc & need) == need;
}

enum vmx_verdict vmx_caps_evaluate(const struct vmx_caps_raw *raw,
				   const char **missing, size_t max_missing,
				   size_t *nmissing)
{
	size_t n = 0;

	if (nmissing)
		*nmissing = 0;
	if (!vmx_present(raw))
		return VMX_NOT_AVAILABLE;
	if (!feature_control_ok(raw->feature_control))
		return VMX_DISABLED_BY_FIRMWARE;

	for (size_t i = 0; i < vmx_nr_features; i++) {
		const struct vmx_feature *f = &vmx_features[i];

		if (!f->required || vmx_feature_present(raw, f))
			continue;
		if (missing && n < max_missing)
			missing[n] = f->name;
		n++;
	}
	if (nmissing)
		*nmissing = n;
	return n ? VMX_MISSING_FEATURES : VMX_USABLE;
}

const char *vmx_verdict_name(enum vmx_verdict v)
{
	switch (v) {
	case VMX_USABLE:
		return "usable";
	case VMX_NOT_AVAILABLE:
		return "not available";
	case VMX_DISABLED_BY_FIRMWARE:
		return "disabled by firmware";
	case VMX_MISSING_FEATURES:
		return "missing features";
	}
	return "?";
}

/* ---- report formatting ---- */

struct report {
	void (*emit)(void *ctx, const char *line);
	void *ctx;
};

static void PRINTF_LIKE(2, 3) line(struct report *r, const char *fmt, ...)
{
	char buf[LINE_SIZE];
	int len = cv_snprintf(buf, sizeof(buf), "%s", REPORT_PREFIX);
	va_list ap;

	va_start(ap, fmt);
	cv_vsnprintf(buf + len, sizeof(buf) - (size_t)len, fmt, ap);
	va_end(ap);
	r->emit(r->ctx, buf);
}

/*
 * A list of names after a label, e.g. "  procbased optional: A B C",
 * wrapped onto further lines with the same label past WRAP_COLUMN.
 */
struct name_list {
	struct report *r;
	const char *label;
	const char *sep;
	char buf[LINE_SIZE];
	size_t len;	/* characters of names in buf */
	size_t head;	/* prefix, label and ':' in front of the names */
	bool any;	/* something was printed or is pending */
};

static void list_begin(struct name_list *l, struct report *r,
		       const char *label, const char *sep)
{
	l->r = r;
	l->label = label;
	l->sep = sep;
	l->buf[0] = '\0';
	l->len = 0;
	l->head = sizeof(REPORT_PREFIX);
	while (*label++)
		l->head++;
	l->any = false;
}

static void list_flush(struct name_list *l)
{
	line(l->r, "%s:%s", l->label, l->buf);
	l->buf[0] = '\0';
	l->len = 0;
}

static void list_add(struct name_list *l, const char *name)
{
	const char *sep = l->len ? l->sep : " ";
	int n = cv_snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s",
			    sep, name);

	if (l->len && l->head + l->len + (size_t)n > WRAP_COLUMN) {
		/* end the line with the separator's punctuation, if any */
		size_t end = l->len;

		for (const char *c = l->sep; *c && *c != ' '; c++)
			l->buf[end++] = *c;
		l->buf[end] = '\0';
		list_flush(l);
		n = cv_snprintf(l->buf, sizeof(l->buf), " %s", name);
	}
	l->len += (size_t)n;
	if (l->len >= sizeof(l->buf))
		l->len = sizeof(l->buf) - 1;
	l->any = true;
}

static void list_end(struct name_list *l)
{
	if (!l->any)
		cv_snprintf(l->buf, sizeof(l->buf), " (none)");
	if (l->len || !l->any)
		list_flush(l);
}

struct bit_name {
	uint64_t mask;
	const char *name;
};

#define VMX_BIT_NAME(prefix, name, bit) { prefix##name, #name },

static const struct bit_name pin_names[] = {
	VMX_PIN_BASED_BITS(VMX_BIT_NAME)
};

static const struct bit_name proc_names[] = {
	VMX_CPU_BASED_BITS(VMX_BIT_NAME)
};

static const struct bit_name proc2_names[] = {
	VMX_SECONDARY_EXEC_BITS(VMX_BIT_NAME)
};

static const struct bit_name exit_names[] = {
	VMX_EXIT_BITS(VMX_BIT_NAME)
};

static const struct bit_name entry_names[] = {
	VMX_ENTRY_BITS(VMX_BIT_NAME)
};

static const struct bit_name ept_vpid_names[] = {
	VMX_EPT_VPID_BITS(VMX_BIT_NAME)
};

static const struct bit_name vmfunc_names[] = {
	VMX_VMFUNC_BITS(VMX_BIT_NAME)
};

/* The name of one bit, or "bitN" in tmp when no table names it. */
static const char *bit_name(const struct bit_name *names, size_t n,
			    unsigned int bit, char *tmp, size_t tmp_size)
{
	for (size_t i = 0; i < n; i++)
		if (names[i].mask == BIT(bit))
			return names[i].name;
	if (!tmp)
		return NULL;
	cv_snprintf(tmp, tmp_size, "bit%u", bit);
	return tmp;
}

enum bit_class { BIT_FIXED1, BIT_OPTIONAL, BIT_UNSUPPORTED };

static enum bit_class ctl_class(uint64_t capmsr, unsigned int bit)
{
	uint32_t ctl = (uint32_t)BIT(bit);

	if (vmx_ctl_required1(capmsr, ctl))
		return BIT_FIXED1;
	if (vmx_ctl_allowed1(capmsr, ctl))
		return BIT_OPTIONAL;
	return BIT_UNSUPPORTED;
}

/*
 * One control word: its raw allowed-0/allowed-1 halves, then each bit as
 * "fixed 1" (must be 1), "optional" (may be 0 or 1) or "unsupported" (must
 * be 0). Unnamed reserved bits appear as bitN where they are not 0; unnamed
 * unsupported bits are not listed.
 */
static void format_ctl_word(struct report *r, const char *label,
			    const char *msr_name, uint64_t capmsr,
			    const struct bit_name *names, size_t n)
{
	static const char *const class_label[] = {
		[BIT_FIXED1] = "fixed 1",
		[BIT_OPTIONAL] = "optional",
		[BIT_UNSUPPORTED] = "unsupported",
	};
	char lbl[LINE_SIZE];
	char tmp[16];

	line(r, "%s %s = 0x%016llx: allowed-0 0x%08x allowed-1 0x%08x",
	     label, msr_name, (unsigned long long)capmsr, (uint32_t)capmsr,
	     (uint32_t)(capmsr >> 32));

	for (unsigned int c = BIT_FIXED1; c <= BIT_UNSUPPORTED; c++) {
		struct name_list l;

		cv_snprintf(lbl, sizeof(lbl), "  %s %s", label, class_label[c]);
		list_begin(&l, r, lbl, " ");
		for (unsigned int bit = 0; bit < CTL_WORD_BITS; bit++) {
			const char *name;

			if (ctl_class(capmsr, bit) != c)
				continue;
			name = bit_name(names, n, bit,
					c == BIT_UNSUPPORTED ? NULL : tmp,
					sizeof(tmp));
			if (name)
				list_add(&l, name);
		}
		list_end(&l);
	}
}

/* A 64-bit capability bitmap: set bits (named or bitN), named clear bits. */
static void format_cap_bits(struct report *r, const char *label,
			    uint64_t cap, const struct bit_name *names,
			    size_t n)
{
	char lbl[LINE_SIZE];
	char tmp[16];
	struct name_list l;

	cv_snprintf(lbl, sizeof(lbl), "  %s supported", label);
	list_begin(&l, r, lbl, " ");
	for (unsigned int bit = 0; bit < CAP_MSR_BITS; bit++)
		if (cap & BIT(bit))
			list_add(&l, bit_name(names, n, bit, tmp, sizeof(tmp)));
	list_end(&l);

	cv_snprintf(lbl, sizeof(lbl), "  %s unsupported", label);
	list_begin(&l, r, lbl, " ");
	for (unsigned int bit = 0; bit < CAP_MSR_BITS; bit++) {
		const char *name = bit_name(names, n, bit, NULL, 0);

		if (name && !(cap & BIT(bit)))
			list_add(&l, name);
	}
	list_end(&l);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case VMX_MEMTYPE_UC:
		return "UC";
	case VMX_MEMTYPE_WB:
		return "WB";
	}
	return "reserved";
}

static void format_feature_control(struct report *r,
				   const struct vmx_caps_raw *raw)
{
	uint64_t fc = raw->feature_control;
	const char *meaning;

	if (feature_control_ok(fc))
		meaning = raw->feature_control_we_locked ?
			  "was unlocked: enabled and locked by chronovisor" :
			  "locked, VMX outside SMX enabled";
	else if (fc & FEATURE_CONTROL_LOCK)
		meaning = "locked with VMX off: VMX disabled by firmware "
			  "(enable VT-x in the firmware setup)";
	else
		meaning = "unlocked: VMXON would raise #GP";
	line(r, "IA32_FEATURE_CONTROL = 0x%llx: %s", (unsigned long long)fc,
	     meaning);
}

static void format_basic(struct report *r, uint64_t basic)
{
	uint32_t type = vmx_basic_mem_type(basic);

	line(r, "IA32_VMX_BASIC = 0x%016llx: revision id 0x%x, VMCS %u bytes, "
	     "memory type %u (%s)", (unsigned long long)basic,
	     vmx_basic_revision_id(basic), vmx_basic_vmcs_size(basic), type,
	     mem_type_name(type));
	line(r, "  TRUE controls: %s, INS/OUTS exit info: %s, "
	     "32-bit addresses only: %s, dual-monitor SMM: %s",
	     yes_no(basic & VMX_BASIC_TRUE_CTLS),
	     yes_no(basic & VMX_BASIC_INOUT),
	     yes_no(basic & VMX_BASIC_32BIT_PHYS_ADDR),
	     yes_no(basic & VMX_BASIC_DUAL_MONITOR));
}

static void format_misc(struct report *r, uint64_t misc)
{
	struct name_list l;

	line(r, "IA32_VMX_MISC = 0x%016llx", (unsigned long long)misc);
	line(r, "  VMX-preemption timer ticks every 2^%u TSC ticks; "
	     "EFER.LMA saved at exit: %s",
	     vmx_misc_preemption_timer_rate(misc),
	     yes_no(misc & VMX_MISC_SAVE_EFER_LMA));
	list_begin(&l, r, "  activity states", " ");
	list_add(&l, "ACTIVE");
	if (misc & VMX_MISC_ACTIVITY_HLT)
		list_add(&l, "HLT");
	if (misc & VMX_MISC_ACTIVITY_SHUTDOWN)
		list_add(&l, "SHUTDOWN");
	if (misc & VMX_MISC_ACTIVITY_WAIT_SIPI)
		list_add(&l, "WAIT_FOR_SIPI");
	list_end(&l);
	line(r, "  CR3 targets: %u; max MSR list: %u; "
	     "VMWRITE to exit-info fields: %s",
	     vmx_misc_cr3_targets(misc), vmx_misc_max_msr_list(misc),
	     yes_no(misc & VMX_MISC_VMWRITE_EXIT_INFO));
}

static void format_features(struct report *r, const struct vmx_caps_raw *raw,
			    bool required)
{
	static const char dots[] = "........................................";

	for (size_t i = 0; i < vmx_nr_features; i++) {
		const struct vmx_feature *f = &vmx_features[i];
		bool present = vmx_feature_present(raw, f);
		int name_len = 0;
		int ndots;

		if (f->required != required)
			continue;
		while (f->name[name_len])
			name_len++;
		ndots = DOTS_COLUMN - name_len;
		if (ndots < 2)
			ndots = 2;
		if (present)
			line(r, "%-9s %s %.*s present", required ? "required" :
			     "optional", f->name, ndots, dots);
		else if (required)
			line(r, "required  %s %.*s MISSING: %s", f->name, ndots,
			     dots, f->why);
		else
			line(r, "optional  %s %.*s absent", f->name, ndots,
			     dots);
	}
}

static void format_verdict(struct report *r, const struct vmx_caps_raw *raw)
{
	const char *missing[ARRAY_SIZE(vmx_features)];
	size_t n;
	struct name_list l;
	char lbl[LINE_SIZE];

	switch (vmx_caps_evaluate(raw, missing, ARRAY_SIZE(missing), &n)) {
	case VMX_USABLE:
		line(r, "verdict: usable");
		return;
	case VMX_NOT_AVAILABLE:
		line(r, "verdict: VMX not available (CPUID.1:ECX.VMX = 0): "
		     "no VT-x here, or a hypervisor below hides it");
		return;
	case VMX_DISABLED_BY_FIRMWARE:
		line(r, "verdict: VMX disabled by firmware "
		     "(enable VT-x in the firmware setup)");
		return;
	case VMX_MISSING_FEATURES:
		break;
	}
	cv_snprintf(lbl, sizeof(lbl), "verdict: missing %zu required "
		    "feature%s", n, n == 1 ? "" : "s");
	list_begin(&l, r, lbl, ", ");
	for (size_t i = 0; i < n; i++)
		list_add(&l, missing[i]);
	list_end(&l);
}

void vmx_caps_format(const struct vmx_caps_raw *raw,
		     void (*emit)(void *ctx, const char *line), void *ctx)
{
	struct report r = { .emit = emit, .ctx = ctx };
	bool true_ctls = raw->basic & VMX_BASIC_TRUE_CTLS;

	line(&r, "CPUID.1:ECX = 0x%08x: VMX (bit 5) = %u", raw->cpuid1_ecx,
	     vmx_present(raw) ? 1 : 0);
	if (!vmx_present(raw)) {
		format_verdict(&r, raw);
		return;
	}
	format_feature_control(&r, raw);
	format_basic(&r, raw->basic);

	format_ctl_word(&r, "pinbased", true_ctls ?
			"IA32_VMX_TRUE_PINBASED_CTLS" : "IA32_VMX_PINBASED_CTLS",
			raw->pinbased, pin_names, ARRAY_SIZE(pin_names));
	format_ctl_word(&r, "procbased", true_ctls ?
			"IA32_VMX_TRUE_PROCBASED_CTLS" :
			"IA32_VMX_PROCBASED_CTLS",
			raw->procbased, proc_names, ARRAY_SIZE(proc_names));
	if (raw->have_procbased2)
		format_ctl_word(&r, "procbased2", "IA32_VMX_PROCBASED_CTLS2",
				raw->procbased2, proc2_names,
				ARRAY_SIZE(proc2_names));
	else
		line(&r, "procbased2: none (ACTIVATE_SECONDARY_CONTROLS "
		     "cannot be 1)");
	format_ctl_word(&r, "exit", true_ctls ? "IA32_VMX_TRUE_EXIT_CTLS" :
			"IA32_VMX_EXIT_CTLS", raw->exit, exit_names,
			ARRAY_SIZE(exit_names));
	format_ctl_word(&r, "entry", true_ctls ? "IA32_VMX_TRUE_ENTRY_CTLS" :
			"IA32_VMX_ENTRY_CTLS", raw->entry, entry_names,
			ARRAY_SIZE(entry_names));

	if (raw->have_ept_vpid) {
		line(&r, "IA32_VMX_EPT_VPID_CAP = 0x%016llx",
		     (unsigned long long)raw->ept_vpid);
		format_cap_bits(&r, "ept/vpid", raw->ept_vpid, ept_vpid_names,
				ARRAY_SIZE(ept_vpid_names));
	} else {
		line(&r, "IA32_VMX_EPT_VPID_CAP: none (neither EPT nor VPID)");
	}
	if (raw->have_vmfunc) {
		line(&r, "IA32_VMX_VMFUNC = 0x%016llx",
		     (unsigned long long)raw->vmfunc);
		format_cap_bits(&r, "vmfunc", raw->vmfunc, vmfunc_names,
				ARRAY_SIZE(vmfunc_names));
	} else {
		line(&r, "IA32_VMX_VMFUNC: none (no VM functions)");
	}

	format_misc(&r, raw->misc);
	line(&r, "CR0 fixed0 0x%016llx fixed1 0x%016llx",
	     (unsigned long long)raw->cr0_fixed0,
	     (unsigned long long)raw->cr0_fixed1);
	line(&r, "CR4 fixed0 0x%016llx fixed1 0x%016llx",
	     (unsigned long long)raw->cr4_fixed0,
	     (unsigned long long)raw->cr4_fixed1);
	line(&r, "  (bits set in fixed0 must be 1, bits clear in fixed1 "
	     "must be 0 in VMX operation)");
	line(&r, "IA32_VMX_VMCS_ENUM = 0x%llx: highest field index 0x%llx",
	     (unsigned long long)raw->vmcs_enum,
	     (unsigned long long)((raw->vmcs_enum >>
				   VMX_VMCS_ENUM_MAX_INDEX_SHIFT) &
				  VMX_VMCS_ENUM_MAX_INDEX_MASK));

	format_features(&r, raw, true);
	format_features(&r, raw, false);
	format_verdict(&r, raw);
}
