/*
 * vmx/caps.h - VMX capability check: what the CPU offers, what chronovisor
 * needs, and a named report of both.
 *
 * Context: two halves. vmx_probe()/vmx_report() (vmx/caps.c) run in the
 * kernel on each pCPU before VMXON and are the only ones that touch the
 * hardware. Everything else (vmx/caps_decode.c) is pure C over a struct
 * vmx_caps_raw, built for the host too and unit-tested with raw MSR values.
 *
 * Capability MSR convention (SDM Vol. 3D, "VM-Execution Controls"): for the
 * pin-based, processor-based, exit and entry control words, bits 31:0 are
 * the allowed 0-settings (a 1 there means the control must be 1) and bits
 * 63:32 the allowed 1-settings (a 0 there means the control must be 0).
 */
#ifndef CV_VMX_CAPS_H
#define CV_VMX_CAPS_H

#include "lib/types.h"
#include "vmx/vmx_defs.h"

/* What the probe read; fields are invalid unless the matching have_ says so
 * (and nothing but cpuid1_ecx is valid when CPUID.1:ECX.VMX is 0). */
struct vmx_caps_raw {
	uint32_t cpuid1_ecx;
	/* IA32_FEATURE_CONTROL as it stands after the probe; we_locked: the
	 * probe found it unlocked and wrote VMX_OUTSIDE_SMX | LOCK itself. */
	uint64_t feature_control;
	bool feature_control_we_locked;
	/* TRUE_* MSRs when basic has VMX_BASIC_TRUE_CTLS, else the legacy ones */
	uint64_t basic, pinbased, procbased, exit, entry;
	bool have_procbased2;
	uint64_t procbased2;
	bool have_ept_vpid;
	uint64_t ept_vpid;
	uint64_t misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, vmcs_enum;
	bool have_vmfunc;
	uint64_t vmfunc;
};

enum vmx_verdict {
	VMX_USABLE,
	VMX_NOT_AVAILABLE,		/* CPUID.1:ECX.VMX = 0 */
	VMX_DISABLED_BY_FIRMWARE,	/* FEATURE_CONTROL locked with VMX outside SMX clear */
	VMX_MISSING_FEATURES,		/* a required control or capability is missing */
};

/* Which capability word a feature lives in. */
enum vmx_cap_word {
	VMX_CAP_PINBASED,
	VMX_CAP_PROCBASED,
	VMX_CAP_PROCBASED2,
	VMX_CAP_EXIT,
	VMX_CAP_ENTRY,
	VMX_CAP_MISC,
	VMX_CAP_EPT_VPID,
};

/* What vmx/controls.c does with a feature of a control word. */
enum vmx_use {
	VMX_SET,		/* set in every VMCS (an optional one: where allowed-1) */
	VMX_REPORT_ONLY,	/* reported, never set by the common controls: the
				 * CPU sets it (IA-32e mode guest), one VM does
				 * (TSC scaling), or nothing uses it yet */
};

/* One feature chronovisor uses: required (fatal if missing) or optional.
 * This table is the one list: the capability report prints it, the
 * verdict counts its required entries, and vmx/controls.c computes every
 * control word from its VMX_SET entries. */
struct vmx_feature {
	const char *name;
	enum vmx_cap_word word;
	uint64_t mask;		/* the bit(s), as the vmx_defs.h enums give them */
	uint64_t needs2;	/* secondary controls that must also be allowed-1 */
	bool required;
	const char *why;
	enum vmx_use use;
};

extern const struct vmx_feature vmx_features[];
extern const size_t vmx_nr_features;

/*
 * ctl is one or more control bits as a mask (e.g. CPU_BASED_HLT_EXITING),
 * not a bit number. allowed1: every bit of ctl may be 1 (high dword).
 * required1: every bit of ctl must be 1 (low dword, "allowed 0-settings").
 * For the secondary controls (no default1 bits) the same layout holds.
 */
bool vmx_ctl_allowed1(uint64_t capmsr, uint32_t ctl);
bool vmx_ctl_required1(uint64_t capmsr, uint32_t ctl);

/* Whether raw shows f as usable (its word exists and all its bits allowed). */
bool vmx_feature_present(const struct vmx_caps_raw *raw,
			 const struct vmx_feature *f);

/*
 * The verdict for raw. With VMX_MISSING_FEATURES the names of the missing
 * required features go into missing[0..max_missing) in table order, and
 * *nmissing counts all of them (it may exceed max_missing). missing may be
 * NULL when max_missing is 0; nmissing may be NULL.
 */
enum vmx_verdict vmx_caps_evaluate(const struct vmx_caps_raw *raw,
				   const char **missing, size_t max_missing,
				   size_t *nmissing);

const char *vmx_verdict_name(enum vmx_verdict v);

/*
 * The full named report, one "[hv] vmx: ..." line per emit() call (no
 * trailing newline; the line is valid only during the call).
 */
void vmx_caps_format(const struct vmx_caps_raw *raw,
		     void (*emit)(void *ctx, const char *line), void *ctx);

/* Kernel only (vmx/caps.c). Reads CPUID and the VMX MSRs that exist on this
 * pCPU, locks FEATURE_CONTROL with VMX enabled if firmware left it unlocked,
 * fills raw and returns vmx_caps_evaluate()'s verdict. */
enum vmx_verdict vmx_probe(struct vmx_caps_raw *raw);
/* Prints vmx_caps_format()'s report on the console. */
void vmx_report(const struct vmx_caps_raw *raw);

#endif
