/*
 * vmx/entry_check.c - the VM-entry rules of SDM Vol. 3C, "Checks on VMX
 * Controls and Host-State Area" and "Checks on the Guest State Area", over a
 * struct vmcs_snapshot (see vmx/entry_check.h).
 *
 * Context: pure C, any context (kernel and host unit tests); no VMREAD. One
 * function per SDM section, in the SDM's order, so the first failure is the
 * one the CPU would report first (controls, then host state, then guest
 * state). Every rule is one RULE(): it counts, and on failure names what,
 * the VMCS field, the rule, the value found and the section.
 *
 * Left out, because chronovisor does not use the feature (a VMCS that turns
 * one on still gets the "must be 0/1" checks of its control word): the
 * virtual-APIC page's VTPR against the TPR threshold (needs guest memory),
 * posted-interrupt descriptor and vector, VM functions and EPTP switching,
 * VMCS shadowing (so the link pointer must be ~0), #VE, PML address, the
 * sub-page permission table, Intel PT, CET/SSP/PKRS/BNDCFGS/LBR/UINV
 * state, IA32_PERF_GLOBAL_CTRL, SMM and the dual-monitor treatment,
 * enclave interruption, and the guest PDPTEs (PAE paging without IA-32e
 * mode).
 */
#include "vmx/entry_check.h"
#include "lib/msr.h"
#include "lib/printf.h"
#include "lib/x86.h"
#include "vmx/caps.h"
#include "vmx/vmx_defs.h"

#define S_EXEC      "Checks on VM-Execution Control Fields"
#define S_EXIT      "Checks on VM-Exit Control Fields"
#define S_ENTRY     "Checks on VM-Entry Control Fields"
#define S_HOST_CR   "Checks on Host Control Registers, MSRs, and SSP"
#define S_HOST_SEG  "Checks on Host Segment and Descriptor-Table Registers"
#define S_ADDR      "Checks Related to Address-Space Size"
#define S_GUEST_CR  "Checks on Guest Control Registers, Debug Registers, and MSRs"
#define S_GUEST_SEG "Checks on Guest Segment Registers"
#define S_GUEST_DT  "Checks on Guest Descriptor-Table Registers"
#define S_GUEST_RIP "Checks on Guest RIP, RFLAGS, and SSP"
#define S_GUEST_NRS "Checks on Guest Non-Register State"

#define SEL_RPL_TI      0x7u       /* selector bits 2:0: RPL and TI */
#define SEL_TI          0x4u
#define SEL_RPL         0x3u
#define EPTP_MEMTYPE    0x7ULL
#define EPTP_WALK_SHIFT 3
#define EPTP_WALK_MASK  0x7ULL
#define EPTP_AD         BIT(6)
#define EPTP_SSS        BIT(7)     /* supervisor shadow stack */
#define EPTP_RSVD_LOW   0xf00ULL   /* bits 11:8 */
#define MSR_LIST_ALIGN  16
#define MSR_LIST_ENTRY  16
#define TPR_THRESHOLD_RSVD 0xfffffff0u
#define LIMIT_LOW_12    0xfffu
#define LIMIT_HIGH_12   0xfff00000u
#define V86_AR          0xf3u
#define V86_LIMIT       0xffffu
#define MAX_INSN_LEN    15
#define PENDING_DBG_BS  BIT(14)
#define PENDING_DBG_RSVD (~0ULL << 17 | BIT(15) | BIT(13) | 0xff0ULL)
#define EFER_KNOWN      ((uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
#define DESC_LIMIT_RSVD 0xffff0000u
#define UPPER32         0xffffffff00000000ULL
#define IA32E_ADDR_BITS 48
#define LA57_ADDR_BITS  57

struct ctx {
	const struct vmcs_snapshot *s;
	struct entry_check_result *r;
	const char *section;
	uint32_t proc2;       /* secondary controls in effect (0 unless activated) */
	bool ug, ia32e, v86, pe;
};

static void fail(struct ctx *c, const char *what, const char *field, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

static void fail(struct ctx *c, const char *what, const char *field, const char *fmt, ...)
{
	struct entry_check_result *r = c->r;
	va_list ap;
	int n;

	if (r->failures++)
		return;
	r->field = field;
	r->section = c->section;
	n = cv_snprintf(r->msg, sizeof(r->msg), "%s (%s): ", what, field);
	if (n < 0 || (size_t)n >= sizeof(r->msg))
		return;
	va_start(ap, fmt);
	int m = cv_vsnprintf(r->msg + n, sizeof(r->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) >= sizeof(r->msg))
		return;
	cv_snprintf(r->msg + n + m, sizeof(r->msg) - (size_t)(n + m),
		    " (SDM Vol. 3C, \"%s\")", c->section);
}

#define RULE(c, ok, what, field, ...)                                  \
	do {                                                           \
		(c)->r->rules++;                                       \
		if (!(ok))                                             \
			fail((c), (what), (field), __VA_ARGS__);       \
	} while (0)

static bool canonical(uint64_t a, unsigned bits)
{
	unsigned sh = 64 - bits;

	return (uint64_t)((int64_t)(a << sh) >> sh) == a;
}

static bool fits_phys(const struct ctx *c, uint64_t pa)
{
	return c->s->phys_addr_bits >= 64 || (pa >> c->s->phys_addr_bits) == 0;
}

static unsigned guest_addr_bits(const struct vmcs_snapshot *s)
{
	return (s->guest_cr4 & CR4_LA57) ? LA57_ADDR_BITS : IA32E_ADDR_BITS;
}

static unsigned host_addr_bits(const struct vmcs_snapshot *s)
{
	return (s->host_cr4 & CR4_LA57) ? LA57_ADDR_BITS : IA32E_ADDR_BITS;
}

/* A 4-KiB-aligned physical address within MAXPHYADDR. */
static void rule_page_addr(struct ctx *c, const char *what, const char *field, uint64_t pa)
{
	RULE(c, IS_ALIGNED(pa, PAGE_SIZE), what, field,
	     "must be 4-KiB aligned, is %#lx", pa);
	RULE(c, fits_phys(c, pa), what, field,
	     "must fit the physical-address width (%u bits), is %#lx", c->s->phys_addr_bits, pa);
}

/* Allowed 0-settings (low dword: 1 = must be 1) and allowed 1-settings
 * (high dword: 0 = must be 0) of a capability MSR. */
static void rule_ctl_word(struct ctx *c, const char *what, const char *field, uint32_t v,
			  uint64_t cap, const char *msr)
{
	uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);

	RULE(c, (v & must1) == must1, what, field,
	     "bits %#x must be 1 (allowed 0-settings of %s), is %#x", must1 & ~v, msr, v);
	RULE(c, (v & ~may1) == 0, what, field,
	     "bits %#x must be 0 (allowed 1-settings of %s), is %#x", v & ~may1, msr, v);
}

static bool pat_valid(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (unsigned)(pat >> (8 * i)) & 0xff;
		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

static void rule_msr_list(struct ctx *c, const char *what, const char *field, uint32_t count,
			  uint64_t addr)
{
	if (!count)
		return;
	RULE(c, IS_ALIGNED(addr, MSR_LIST_ALIGN), what, field,
	     "must be 16-byte aligned with %u entries, is %#lx", count, addr);
	RULE(c, fits_phys(c, addr + (uint64_t)count * MSR_LIST_ENTRY - 1), what, field,
	     "the list's last byte must fit the physical-address width (%u bits), list at %#lx",
	     c->s->phys_addr_bits, addr);
}

/* ---- SDM Vol. 3C, "Checks on VMX Controls" ---- */

static void check_exec_controls(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	uint32_t p2 = c->proc2;

	c->section = S_EXEC;
	rule_ctl_word(c, "pin-based VM-execution controls", "PIN_BASED_VM_EXEC_CONTROL", s->pin,
		      s->cap_pin, "IA32_VMX_TRUE_PINBASED_CTLS");
	rule_ctl_word(c, "primary processor-based VM-execution controls",
		      "CPU_BASED_VM_EXEC_CONTROL", s->proc, s->cap_proc,
		      "IA32_VMX_TRUE_PROCBASED_CTLS");
	if (s->proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		rule_ctl_word(c, "secondary processor-based VM-execution controls",
			      "SECONDARY_VM_EXEC_CONTROL", s->proc2, s->cap_proc2,
			      "IA32_VMX_PROCBASED_CTLS2");
	RULE(c, s->cr3_target_count <= vmx_misc_cr3_targets(s->cap_misc),
	     "CR3-target count", "CR3_TARGET_COUNT",
	     "must be at most %u (IA32_VMX_MISC bits 24:16), is %u",
	     vmx_misc_cr3_targets(s->cap_misc), s->cr3_target_count);
	if (s->proc & CPU_BASED_USE_IO_BITMAPS) {
		rule_page_addr(c, "I/O bitmap A address", "IO_BITMAP_A", s->io_bitmap_a);
		rule_page_addr(c, "I/O bitmap B address", "IO_BITMAP_B", s->io_bitmap_b);
	}
	if (s->proc & CPU_BASED_USE_MSR_BITMAPS)
		rule_page_addr(c, "MSR bitmap address", "MSR_BITMAP", s->msr_bitmap);
	if (s->proc & CPU_BASED_TPR_SHADOW) {
		rule_page_addr(c, "virtual-APIC address", "VIRTUAL_APIC_PAGE_ADDR",
			       s->virtual_apic_page);
		if (!(p2 & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY))
			RULE(c, !(s->tpr_threshold & TPR_THRESHOLD_RSVD), "TPR threshold",
			     "TPR_THRESHOLD", "bits 31:4 must be 0 with \"use TPR shadow\", is %#x",
			     s->tpr_threshold);
	} else {
		RULE(c, !(p2 & (SECONDARY_EXEC_VIRTUALIZE_X2APIC | SECONDARY_EXEC_APIC_REGISTER_VIRT |
				SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY)),
		     "secondary processor-based VM-execution controls", "SECONDARY_VM_EXEC_CONTROL",
		     "\"virtualize x2APIC mode\", \"APIC-register virtualization\" and "
		     "\"virtual-interrupt delivery\" need \"use TPR shadow\", is %#x", p2);
	}
	RULE(c, (s->pin & PIN_BASED_NMI_EXITING) || !(s->pin & PIN_BASED_VIRTUAL_NMIS),
	     "pin-based VM-execution controls", "PIN_BASED_VM_EXEC_CONTROL",
	     "\"virtual NMIs\" needs \"NMI exiting\", is %#x", s->pin);
	RULE(c, (s->pin & PIN_BASED_VIRTUAL_NMIS) || !(s->proc & CPU_BASED_NMI_WINDOW_EXITING),
	     "primary processor-based VM-execution controls", "CPU_BASED_VM_EXEC_CONTROL",
	     "\"NMI-window exiting\" needs \"virtual NMIs\", is %#x", s->proc);
	if (p2 & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES)
		rule_page_addr(c, "APIC-access address", "APIC_ACCESS_ADDR", s->apic_access_addr);
	RULE(c, !((p2 & SECONDARY_EXEC_VIRTUALIZE_X2APIC) &&
		  (p2 & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES)),
	     "secondary processor-based VM-execution controls", "SECONDARY_VM_EXEC_CONTROL",
	     "\"virtualize x2APIC mode\" and \"virtualize APIC accesses\" must not both be 1, is %#x",
	     p2);
	RULE(c, !(p2 & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY) || (s->pin & PIN_BASED_EXT_INTR_EXITING),
	     "pin-based VM-execution controls", "PIN_BASED_VM_EXEC_CONTROL",
	     "\"virtual-interrupt delivery\" needs \"external-interrupt exiting\", is %#x", s->pin);
	RULE(c, !(s->pin & PIN_BASED_POSTED_INTR) ||
		((p2 & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY) && (s->exit & VM_EXIT_ACK_INTR_ON_EXIT)),
	     "pin-based VM-execution controls", "PIN_BASED_VM_EXEC_CONTROL",
	     "\"process posted interrupts\" needs \"virtual-interrupt delivery\" and "
	     "\"acknowledge interrupt on exit\", is %#x", s->pin);
	if (p2 & SECONDARY_EXEC_ENABLE_VPID)
		RULE(c, s->vpid != 0, "VPID", "VIRTUAL_PROCESSOR_ID",
		     "must not be 0 with \"enable VPID\", is 0");
	if (p2 & SECONDARY_EXEC_ENABLE_EPT) {
		uint64_t e = s->eptp, type = e & EPTP_MEMTYPE;
		uint64_t walk = (e >> EPTP_WALK_SHIFT) & EPTP_WALK_MASK;
		bool type_ok = (type == VMX_MEMTYPE_UC && (s->cap_ept_vpid & VMX_EPT_MEMTYPE_UC)) ||
			       (type == VMX_MEMTYPE_WB && (s->cap_ept_vpid & VMX_EPT_MEMTYPE_WB));
		bool walk_ok = (walk == 3 && (s->cap_ept_vpid & VMX_EPT_PAGE_WALK_4)) ||
			       (walk == 4 && (s->cap_ept_vpid & VMX_EPT_PAGE_WALK_5));

		RULE(c, type_ok, "EPT pointer", "EPT_POINTER",
		     "memory type (bits 2:0) must be one IA32_VMX_EPT_VPID_CAP allows "
		     "(0 UC, 6 WB), is %lu", type);
		RULE(c, walk_ok, "EPT pointer", "EPT_POINTER",
		     "page-walk length - 1 (bits 5:3) must be 3 (4 levels) or a length "
		     "IA32_VMX_EPT_VPID_CAP allows, is %lu", walk);
		RULE(c, !(e & EPTP_AD) || (s->cap_ept_vpid & VMX_EPT_AD_BITS), "EPT pointer",
		     "EPT_POINTER", "bit 6 (accessed/dirty flags) must be 0: not supported, is %#lx", e);
		RULE(c, !(e & EPTP_SSS) || (s->cap_ept_vpid & VMX_EPT_SUPERVISOR_SHADOW_STACK),
		     "EPT pointer", "EPT_POINTER",
		     "bit 7 (supervisor shadow stack) must be 0: not supported, is %#lx", e);
		RULE(c, !(e & EPTP_RSVD_LOW) && fits_phys(c, e & ~(PAGE_SIZE - 1)), "EPT pointer",
		     "EPT_POINTER", "bits 11:8 and bits %u-63 are reserved and must be 0, is %#lx",
		     s->phys_addr_bits, e);
	}
	RULE(c, !(p2 & SECONDARY_EXEC_ENABLE_PML) || (p2 & SECONDARY_EXEC_ENABLE_EPT),
	     "secondary processor-based VM-execution controls", "SECONDARY_VM_EXEC_CONTROL",
	     "\"enable PML\" needs \"enable EPT\", is %#x", p2);
	RULE(c, !(p2 & SECONDARY_EXEC_UNRESTRICTED_GUEST) || (p2 & SECONDARY_EXEC_ENABLE_EPT),
	     "secondary processor-based VM-execution controls", "SECONDARY_VM_EXEC_CONTROL",
	     "\"unrestricted guest\" needs \"enable EPT\", is %#x", p2);
	RULE(c, !(p2 & SECONDARY_EXEC_MODE_BASED_EPT_EXEC) || (p2 & SECONDARY_EXEC_ENABLE_EPT),
	     "secondary processor-based VM-execution controls", "SECONDARY_VM_EXEC_CONTROL",
	     "\"mode-based execute control for EPT\" needs \"enable EPT\", is %#x", p2);
	RULE(c, !(p2 & SECONDARY_EXEC_SUBPAGE_WRITE) || (p2 & SECONDARY_EXEC_ENABLE_EPT),
	     "secondary processor-based VM-execution controls", "SECONDARY_VM_EXEC_CONTROL",
	     "\"sub-page write permissions for EPT\" needs \"enable EPT\", is %#x", p2);
}

static void check_exit_controls(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;

	c->section = S_EXIT;
	rule_ctl_word(c, "VM-exit controls", "VM_EXIT_CONTROLS", s->exit, s->cap_exit,
		      "IA32_VMX_TRUE_EXIT_CTLS");
	RULE(c, (s->pin & PIN_BASED_VMX_PREEMPTION_TIMER) ||
		!(s->exit & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER),
	     "VM-exit controls", "VM_EXIT_CONTROLS",
	     "\"save VMX-preemption timer value\" needs the pin-based \"activate "
	     "VMX-preemption timer\", is %#x", s->exit);
	rule_msr_list(c, "VM-exit MSR-store address", "VM_EXIT_MSR_STORE_ADDR",
		      s->exit_msr_store_count, s->exit_msr_store_addr);
	rule_msr_list(c, "VM-exit MSR-load address", "VM_EXIT_MSR_LOAD_ADDR",
		      s->exit_msr_load_count, s->exit_msr_load_addr);
}

static bool has_error_code(uint32_t vector)
{
	return vector == VEC_DF || vector == 10 || vector == 11 || vector == 12 ||
	       vector == VEC_GP || vector == VEC_PF || vector == VEC_AC;
}

static void check_entry_controls(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	uint32_t info = s->entry_intr_info;

	c->section = S_ENTRY;
	rule_ctl_word(c, "VM-entry controls", "VM_ENTRY_CONTROLS", s->entry, s->cap_entry,
		      "IA32_VMX_TRUE_ENTRY_CTLS");
	if (info & INTR_INFO_VALID) {
		uint32_t type = info & INTR_INFO_TYPE_MASK, vec = info & INTR_INFO_VECTOR_MASK;
		bool code = info & INTR_INFO_DELIVER_CODE;
		const char *w = "VM-entry interruption information";
		const char *f = "VM_ENTRY_INTR_INFO_FIELD";

		RULE(c, type != (1u << INTR_INFO_TYPE_SHIFT), w, f,
		     "interruption type 1 is reserved, is %#x", info);
		RULE(c, type != INTR_TYPE_OTHER ||
			vmx_ctl_allowed1(s->cap_proc, CPU_BASED_MONITOR_TRAP_FLAG), w, f,
		     "interruption type 7 (other event) needs \"monitor trap flag\" support, is %#x",
		     info);
		RULE(c, type != INTR_TYPE_NMI || vec == VEC_NMI, w, f,
		     "an NMI must have vector 2, is %u", vec);
		RULE(c, type != INTR_TYPE_HW_EXCEPTION || vec < VEC_FIRST_EXTERNAL, w, f,
		     "a hardware exception must have a vector 0-31, is %u", vec);
		RULE(c, type != INTR_TYPE_OTHER || vec == 0, w, f,
		     "interruption type 7 (other event) must have vector 0, is %u", vec);
		if (c->ug && !c->pe) {
			RULE(c, !code, w, f,
			     "\"deliver error code\" (bit 11) must be 0 when guest CR0.PE = 0 "
			     "(real mode, unrestricted guest), is %#x", info);
		} else if (!(s->cap_basic & VMX_BASIC_NO_HW_ERRCODE_CHECK) &&
			   !(type == INTR_TYPE_HW_EXCEPTION && vec == 21)) {   /* #CP: with CET */
			bool want = type == INTR_TYPE_HW_EXCEPTION && has_error_code(vec);
			RULE(c, code == want, w, f,
			     "\"deliver error code\" (bit 11) must be %d for type %u vector %u, is %#x",
			     want, type >> INTR_INFO_TYPE_SHIFT, vec, info);
		}
		RULE(c, !(info & INTR_INFO_RESERVED), w, f,
		     "bits 30:12 are reserved and must be 0, is %#x", info);
		if (code)
			RULE(c, !(s->entry_exception_error_code & 0xffff0000u),
			     "VM-entry exception error code", "VM_ENTRY_EXCEPTION_ERROR_CODE",
			     "bits 31:16 must be 0, is %#x", s->entry_exception_error_code);
		if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
		    type == INTR_TYPE_SW_EXCEPTION) {
			bool zero_ok = s->cap_misc & VMX_MISC_ZERO_LEN_INJECTION;
			RULE(c, s->entry_instruction_len <= MAX_INSN_LEN &&
				(s->entry_instruction_len > 0 || zero_ok),
			     "VM-entry instruction length", "VM_ENTRY_INSTRUCTION_LEN",
			     "must be %u-15 for a software interrupt or exception, is %u",
			     zero_ok ? 0 : 1, s->entry_instruction_len);
		}
	}
	rule_msr_list(c, "VM-entry MSR-load address", "VM_ENTRY_MSR_LOAD_ADDR",
		      s->entry_msr_load_count, s->entry_msr_load_addr);
	RULE(c, !(s->entry & (VM_ENTRY_TO_SMM | VM_ENTRY_DEACTIVATE_DUAL_MONITOR)),
	     "VM-entry controls", "VM_ENTRY_CONTROLS",
	     "\"entry to SMM\" and \"deactivate dual-monitor treatment\" must be 0 outside SMM, "
	     "is %#x", s->entry);
}

/* ---- SDM Vol. 3C, "Checks on Host-State Area" ---- */

static void check_host_cr_msrs(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	unsigned hb = host_addr_bits(s);

	c->section = S_HOST_CR;
	RULE(c, (s->host_cr0 & s->cr0_fixed0) == s->cr0_fixed0, "host CR0", "HOST_CR0",
	     "bits %#lx must be 1 (IA32_VMX_CR0_FIXED0), is %#lx",
	     s->cr0_fixed0 & ~s->host_cr0, s->host_cr0);
	RULE(c, !(s->host_cr0 & ~s->cr0_fixed1), "host CR0", "HOST_CR0",
	     "bits %#lx must be 0 (IA32_VMX_CR0_FIXED1), is %#lx",
	     s->host_cr0 & ~s->cr0_fixed1, s->host_cr0);
	RULE(c, (s->host_cr4 & s->cr4_fixed0) == s->cr4_fixed0, "host CR4", "HOST_CR4",
	     "bits %#lx must be 1 (IA32_VMX_CR4_FIXED0), is %#lx",
	     s->cr4_fixed0 & ~s->host_cr4, s->host_cr4);
	RULE(c, !(s->host_cr4 & ~s->cr4_fixed1), "host CR4", "HOST_CR4",
	     "bits %#lx must be 0 (IA32_VMX_CR4_FIXED1), is %#lx",
	     s->host_cr4 & ~s->cr4_fixed1, s->host_cr4);
	RULE(c, fits_phys(c, s->host_cr3), "host CR3", "HOST_CR3",
	     "bits %u-63 must be 0 (physical-address width), is %#lx", s->phys_addr_bits,
	     s->host_cr3);
	RULE(c, canonical(s->host_sysenter_esp, hb), "host IA32_SYSENTER_ESP",
	     "HOST_IA32_SYSENTER_ESP", "must be canonical, is %#lx", s->host_sysenter_esp);
	RULE(c, canonical(s->host_sysenter_eip, hb), "host IA32_SYSENTER_EIP",
	     "HOST_IA32_SYSENTER_EIP", "must be canonical, is %#lx", s->host_sysenter_eip);
	if (s->exit & VM_EXIT_LOAD_PAT)
		RULE(c, pat_valid(s->host_pat), "host IA32_PAT", "HOST_IA32_PAT",
		     "every byte must be a memory type (0, 1, 4, 5, 6 or 7), is %#lx", s->host_pat);
	if (s->exit & VM_EXIT_LOAD_EFER) {
		bool hass = s->exit & VM_EXIT_HOST_ADDR_SPACE_SIZE;
		RULE(c, !(s->host_efer & ~EFER_KNOWN), "host IA32_EFER", "HOST_IA32_EFER",
		     "reserved bits %#lx must be 0, is %#lx", s->host_efer & ~EFER_KNOWN, s->host_efer);
		RULE(c, !(s->host_efer & EFER_LMA) == !hass, "host IA32_EFER", "HOST_IA32_EFER",
		     "LMA (bit 10) must equal \"host address-space size\" (%d), is %#lx", hass,
		     s->host_efer);
		RULE(c, !(s->host_efer & EFER_LME) == !hass, "host IA32_EFER", "HOST_IA32_EFER",
		     "LME (bit 8) must equal \"host address-space size\" (%d), is %#lx", hass,
		     s->host_efer);
	}
}

static void rule_host_sel(struct ctx *c, const char *what, const char *field, uint16_t sel)
{
	RULE(c, !(sel & SEL_RPL_TI), what, field, "RPL and TI (bits 2:0) must be 0, is %#x", sel);
}

static void check_host_segments(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	unsigned hb = host_addr_bits(s);

	c->section = S_HOST_SEG;
	rule_host_sel(c, "host ES selector", "HOST_ES_SELECTOR", s->host_es);
	rule_host_sel(c, "host CS selector", "HOST_CS_SELECTOR", s->host_cs);
	rule_host_sel(c, "host SS selector", "HOST_SS_SELECTOR", s->host_ss);
	rule_host_sel(c, "host DS selector", "HOST_DS_SELECTOR", s->host_ds);
	rule_host_sel(c, "host FS selector", "HOST_FS_SELECTOR", s->host_fs);
	rule_host_sel(c, "host GS selector", "HOST_GS_SELECTOR", s->host_gs);
	rule_host_sel(c, "host TR selector", "HOST_TR_SELECTOR", s->host_tr);
	RULE(c, s->host_cs != 0, "host CS selector", "HOST_CS_SELECTOR", "must not be 0, is 0");
	RULE(c, s->host_tr != 0, "host TR selector", "HOST_TR_SELECTOR", "must not be 0, is 0");
	RULE(c, s->host_ss != 0 || (s->exit & VM_EXIT_HOST_ADDR_SPACE_SIZE), "host SS selector",
	     "HOST_SS_SELECTOR", "must not be 0 with \"host address-space size\" 0, is 0");
	RULE(c, canonical(s->host_fs_base, hb), "host FS base", "HOST_FS_BASE",
	     "must be canonical, is %#lx", s->host_fs_base);
	RULE(c, canonical(s->host_gs_base, hb), "host GS base", "HOST_GS_BASE",
	     "must be canonical, is %#lx", s->host_gs_base);
	RULE(c, canonical(s->host_gdtr_base, hb), "host GDTR base", "HOST_GDTR_BASE",
	     "must be canonical, is %#lx", s->host_gdtr_base);
	RULE(c, canonical(s->host_idtr_base, hb), "host IDTR base", "HOST_IDTR_BASE",
	     "must be canonical, is %#lx", s->host_idtr_base);
	RULE(c, canonical(s->host_tr_base, hb), "host TR base", "HOST_TR_BASE",
	     "must be canonical, is %#lx", s->host_tr_base);
}

static void check_address_space_size(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	bool hass = s->exit & VM_EXIT_HOST_ADDR_SPACE_SIZE;

	c->section = S_ADDR;
	if (s->host_ia32e)
		RULE(c, hass, "VM-exit controls", "VM_EXIT_CONTROLS",
		     "\"host address-space size\" must be 1: the host is in IA-32e mode, is %#x",
		     s->exit);
	else
		RULE(c, !hass && !c->ia32e, "VM-exit controls", "VM_EXIT_CONTROLS",
		     "\"host address-space size\" and \"IA-32e mode guest\" must be 0 outside "
		     "IA-32e mode, is %#x", s->exit);
	if (!hass) {
		RULE(c, !c->ia32e, "VM-entry controls", "VM_ENTRY_CONTROLS",
		     "\"IA-32e mode guest\" needs \"host address-space size\", is %#x", s->entry);
		RULE(c, !(s->host_cr4 & CR4_PCIDE), "host CR4", "HOST_CR4",
		     "PCIDE (bit 17) must be 0 with \"host address-space size\" 0, is %#lx",
		     s->host_cr4);
		RULE(c, !(s->host_rip & UPPER32), "host RIP", "HOST_RIP",
		     "bits 63:32 must be 0 with \"host address-space size\" 0, is %#lx", s->host_rip);
	} else {
		RULE(c, s->host_cr4 & CR4_PAE, "host CR4", "HOST_CR4",
		     "PAE (bit 5) must be 1 with \"host address-space size\" 1, is %#lx", s->host_cr4);
		RULE(c, canonical(s->host_rip, host_addr_bits(s)), "host RIP", "HOST_RIP",
		     "must be canonical, is %#lx", s->host_rip);
	}
}

/* ---- SDM Vol. 3C, "Checks on the Guest State Area" ---- */

static void check_guest_cr_msrs(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	uint64_t must1 = s->cr0_fixed0 & ~(c->ug ? (CR0_PE | CR0_PG) : 0);
	uint64_t cr0 = s->guest_cr0, cr4 = s->guest_cr4;

	c->section = S_GUEST_CR;
	RULE(c, (cr0 & must1) == must1, "guest CR0", "GUEST_CR0",
	     "bits %#lx must be 1 (IA32_VMX_CR0_FIXED0%s), is %#lx", must1 & ~cr0,
	     c->ug ? "; PE and PG exempt with unrestricted guest" : "", cr0);
	RULE(c, !(cr0 & ~s->cr0_fixed1), "guest CR0", "GUEST_CR0",
	     "bits %#lx must be 0 (IA32_VMX_CR0_FIXED1), is %#lx", cr0 & ~s->cr0_fixed1, cr0);
	RULE(c, !(cr0 & CR0_PG) || (cr0 & CR0_PE), "guest CR0", "GUEST_CR0",
	     "PG (bit 31) needs PE (bit 0), is %#lx", cr0);
	RULE(c, (cr4 & s->cr4_fixed0) == s->cr4_fixed0, "guest CR4", "GUEST_CR4",
	     "bits %#lx must be 1 (IA32_VMX_CR4_FIXED0), is %#lx", s->cr4_fixed0 & ~cr4, cr4);
	RULE(c, !(cr4 & ~s->cr4_fixed1), "guest CR4", "GUEST_CR4",
	     "bits %#lx must be 0 (IA32_VMX_CR4_FIXED1), is %#lx", cr4 & ~s->cr4_fixed1, cr4);
	if (s->entry & VM_ENTRY_LOAD_DEBUG_CONTROLS) {
		RULE(c, !(s->guest_debugctl & DEBUGCTL_RESERVED), "guest IA32_DEBUGCTL",
		     "GUEST_IA32_DEBUGCTL", "reserved bits 5:2 and 63:16 must be 0, is %#lx",
		     s->guest_debugctl);
		RULE(c, !(s->guest_dr7 & UPPER32), "guest DR7", "GUEST_DR7",
		     "bits 63:32 must be 0, is %#lx", s->guest_dr7);
	}
	if (c->ia32e)
		RULE(c, (cr0 & CR0_PG) && (cr4 & CR4_PAE), "guest CR0/CR4", "GUEST_CR0",
		     "an IA-32e mode guest needs CR0.PG and CR4.PAE, CR0 is %#lx, CR4 %#lx", cr0, cr4);
	else
		RULE(c, !(cr4 & CR4_PCIDE), "guest CR4", "GUEST_CR4",
		     "PCIDE (bit 17) must be 0 outside IA-32e mode, is %#lx", cr4);
	RULE(c, fits_phys(c, s->guest_cr3), "guest CR3", "GUEST_CR3",
	     "bits %u-63 must be 0 (physical-address width), is %#lx", s->phys_addr_bits,
	     s->guest_cr3);
	RULE(c, canonical(s->guest_sysenter_esp, guest_addr_bits(s)), "guest IA32_SYSENTER_ESP",
	     "GUEST_SYSENTER_ESP", "must be canonical, is %#lx", s->guest_sysenter_esp);
	RULE(c, canonical(s->guest_sysenter_eip, guest_addr_bits(s)), "guest IA32_SYSENTER_EIP",
	     "GUEST_SYSENTER_EIP", "must be canonical, is %#lx", s->guest_sysenter_eip);
	if (s->entry & VM_ENTRY_LOAD_PAT)
		RULE(c, pat_valid(s->guest_pat), "guest IA32_PAT", "GUEST_IA32_PAT",
		     "every byte must be a memory type (0, 1, 4, 5, 6 or 7), is %#lx", s->guest_pat);
	if (s->entry & VM_ENTRY_LOAD_EFER) {
		RULE(c, !(s->guest_efer & ~EFER_KNOWN), "guest IA32_EFER", "GUEST_IA32_EFER",
		     "reserved bits %#lx must be 0, is %#lx", s->guest_efer & ~EFER_KNOWN,
		     s->guest_efer);
		RULE(c, !(s->guest_efer & EFER_LMA) == !c->ia32e, "guest IA32_EFER", "GUEST_IA32_EFER",
		     "LMA (bit 10) must equal \"IA-32e mode guest\" (%d), is %#lx", c->ia32e,
		     s->guest_efer);
		if (cr0 & CR0_PG)
			RULE(c, !(s->guest_efer & EFER_LME) == !c->ia32e, "guest IA32_EFER",
			     "GUEST_IA32_EFER",
			     "LME (bit 8) must equal \"IA-32e mode guest\" (%d) while CR0.PG = 1, is %#lx",
			     c->ia32e, s->guest_efer);
	}
}


#define SEG_FIELDS(kind)                                                        \
	{ "GUEST_ES_" kind, "GUEST_CS_" kind, "GUEST_SS_" kind, "GUEST_DS_" kind, \
	  "GUEST_FS_" kind, "GUEST_GS_" kind, "GUEST_LDTR_" kind, "GUEST_TR_" kind }
static const char *const base_fields[NUM_SNAP_SEGS] = SEG_FIELDS("BASE");
static const char *const limit_fields[NUM_SNAP_SEGS] = SEG_FIELDS("LIMIT");
static const char *const ar_fields[NUM_SNAP_SEGS] = SEG_FIELDS("AR_BYTES");

/* What each field is, as the messages say it: constant strings, so that a
 * VMCS that passes costs no formatting at all. */
struct seg_what {
	const char *sel, *base, *limit, *ar;
};

#define SEG_WHAT(n) { "guest " n " selector", "guest " n " base", "guest " n " limit", \
		      "guest " n " access rights" }
static const struct seg_what seg_whats[NUM_SNAP_SEGS] = {
	SEG_WHAT("ES"), SEG_WHAT("CS"), SEG_WHAT("SS"), SEG_WHAT("DS"),
	SEG_WHAT("FS"), SEG_WHAT("GS"), SEG_WHAT("LDTR"), SEG_WHAT("TR"),
};

static bool usable(const struct snap_segment *g)
{
	return !(g->ar & VMX_AR_UNUSABLE);
}

static unsigned ar_type(uint32_t ar)
{
	return ar & VMX_AR_TYPE_MASK;
}

static unsigned ar_dpl(uint32_t ar)
{
	return (ar >> VMX_AR_DPL_SHIFT) & VMX_AR_DPL_MASK;
}

/* P, reserved bits and granularity: the same for every usable register. */
static void rule_seg_common(struct ctx *c, enum snap_seg i, const struct seg_what *w)
{
	const struct snap_segment *g = &c->s->seg[i];
	const char *f = ar_fields[i];

	RULE(c, g->ar & VMX_AR_P, w->ar, f, "P (bit 7) must be 1, is %#x", g->ar);
	RULE(c, !(g->ar & VMX_AR_RESERVED), w->ar, f,
	     "reserved bits 11:8 and 31:17 must be 0, is %#x", g->ar);
	RULE(c, (g->limit & LIMIT_LOW_12) == LIMIT_LOW_12 || !(g->ar & VMX_AR_G), w->ar, f,
	     "G (bit 15) must be 0 when limit bits 11:0 are not all 1 (limit %#x), is %#x",
	     g->limit, g->ar);
	RULE(c, !(g->limit & LIMIT_HIGH_12) || (g->ar & VMX_AR_G), w->ar, f,
	     "G (bit 15) must be 1 when limit bits 31:20 are not all 0 (limit %#x), is %#x",
	     g->limit, g->ar);
}

static void check_guest_v86(struct ctx *c)
{
	for (enum snap_seg i = SEG_ES; i <= SEG_GS; i++) {
		const struct snap_segment *g = &c->s->seg[i];
		const struct seg_what *w = &seg_whats[i];

		RULE(c, g->base == (uint64_t)g->sel << 4, w->base, base_fields[i],
		     "must be the selector << 4 (%#x) in virtual-8086 mode, is %#lx",
		     (unsigned)g->sel << 4, g->base);
		RULE(c, g->limit == V86_LIMIT, w->limit, limit_fields[i],
		     "must be 0xffff in virtual-8086 mode, is %#x", g->limit);
		RULE(c, g->ar == V86_AR, w->ar, ar_fields[i],
		     "must be 0xf3 in virtual-8086 mode, is %#x", g->ar);
	}
}

static void check_guest_segments(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	const struct snap_segment *cs = &s->seg[SEG_CS], *ss = &s->seg[SEG_SS];
	const struct snap_segment *tr = &s->seg[SEG_TR], *ldtr = &s->seg[SEG_LDTR];
	unsigned gb = guest_addr_bits(s);
	const struct seg_what *w;

	c->section = S_GUEST_SEG;
	/* selectors */
	RULE(c, !(tr->sel & SEL_TI), "guest TR selector", "GUEST_TR_SELECTOR",
	     "TI (bit 2) must be 0, is %#x", tr->sel);
	if (usable(ldtr))
		RULE(c, !(ldtr->sel & SEL_TI), "guest LDTR selector", "GUEST_LDTR_SELECTOR",
		     "TI (bit 2) must be 0, is %#x", ldtr->sel);
	if (!c->v86 && !c->ug)
		RULE(c, (ss->sel & SEL_RPL) == (cs->sel & SEL_RPL), "guest SS selector",
		     "GUEST_SS_SELECTOR", "RPL must equal CS's (%u), is %#x", cs->sel & SEL_RPL,
		     ss->sel);
	if (c->v86) {
		check_guest_v86(c);
	}
	/* bases */
	RULE(c, canonical(tr->base, gb), "guest TR base", "GUEST_TR_BASE",
	     "must be canonical, is %#lx", tr->base);
	RULE(c, canonical(s->seg[SEG_FS].base, gb), "guest FS base", "GUEST_FS_BASE",
	     "must be canonical, is %#lx", s->seg[SEG_FS].base);
	RULE(c, canonical(s->seg[SEG_GS].base, gb), "guest GS base", "GUEST_GS_BASE",
	     "must be canonical, is %#lx", s->seg[SEG_GS].base);
	if (usable(ldtr))
		RULE(c, canonical(ldtr->base, gb), "guest LDTR base", "GUEST_LDTR_BASE",
		     "must be canonical, is %#lx", ldtr->base);
	RULE(c, !(cs->base & UPPER32), "guest CS base", "GUEST_CS_BASE",
	     "bits 63:32 must be 0, is %#lx", cs->base);
	for (enum snap_seg i = SEG_ES; i <= SEG_DS; i++) {
		if (i == SEG_CS || !usable(&s->seg[i]))
			continue;
		w = &seg_whats[i];
		RULE(c, !(s->seg[i].base & UPPER32), w->base, base_fields[i],
		     "bits 63:32 must be 0, is %#lx", s->seg[i].base);
	}
	if (!c->v86) {
		unsigned cst = ar_type(cs->ar);

		/* CS */
		w = &seg_whats[SEG_CS];
		RULE(c, cst == 9 || cst == 11 || cst == 13 || cst == 15 || (c->ug && cst == 3),
		     w->ar, ar_fields[SEG_CS],
		     "type must be 9, 11, 13 or 15 (accessed code)%s, is %u",
		     c->ug ? " or 3 (accessed read/write data, unrestricted guest)" : "", cst);
		RULE(c, cs->ar & VMX_AR_S, w->ar, ar_fields[SEG_CS],
		     "S (bit 4) must be 1 (code or data), is %#x", cs->ar);
		if (cst == 3)
			RULE(c, ar_dpl(cs->ar) == 0, w->ar, ar_fields[SEG_CS],
			     "DPL must be 0 with type 3, is %u", ar_dpl(cs->ar));
		else if (cst == 9 || cst == 11)
			RULE(c, ar_dpl(cs->ar) == ar_dpl(ss->ar), w->ar, ar_fields[SEG_CS],
			     "DPL must equal SS's DPL (%u) for non-conforming code, is %u",
			     ar_dpl(ss->ar), ar_dpl(cs->ar));
		else if (cst == 13 || cst == 15)
			RULE(c, ar_dpl(cs->ar) <= ar_dpl(ss->ar), w->ar, ar_fields[SEG_CS],
			     "DPL must be at most SS's DPL (%u) for conforming code, is %u",
			     ar_dpl(ss->ar), ar_dpl(cs->ar));
		if (c->ia32e && (cs->ar & VMX_AR_L))
			RULE(c, !(cs->ar & VMX_AR_DB), w->ar, ar_fields[SEG_CS],
			     "D/B (bit 14) must be 0 with L = 1 in IA-32e mode, is %#x", cs->ar);
		RULE(c, usable(cs), w->ar, ar_fields[SEG_CS], "CS must be usable (bit 16 = 0), is %#x",
		     cs->ar);
		rule_seg_common(c, SEG_CS, w);

		/* SS */
		w = &seg_whats[SEG_SS];
		if (usable(ss)) {
			unsigned t = ar_type(ss->ar);
			RULE(c, t == 3 || t == 7, w->ar, ar_fields[SEG_SS],
			     "type must be 3 or 7 (accessed read/write data), is %u", t);
			RULE(c, ss->ar & VMX_AR_S, w->ar, ar_fields[SEG_SS],
			     "S (bit 4) must be 1, is %#x", ss->ar);
			rule_seg_common(c, SEG_SS, w);
		}
		if (!c->ug)
			RULE(c, ar_dpl(ss->ar) == (ss->sel & SEL_RPL), w->ar, ar_fields[SEG_SS],
			     "DPL must equal the selector's RPL (%u), is %u", ss->sel & SEL_RPL,
			     ar_dpl(ss->ar));
		if (cst == 3 || !c->pe)
			RULE(c, ar_dpl(ss->ar) == 0, w->ar, ar_fields[SEG_SS],
			     "DPL must be 0 with CS type 3 or CR0.PE = 0, is %u", ar_dpl(ss->ar));

		/* DS, ES, FS, GS */
		for (enum snap_seg i = SEG_ES; i <= SEG_GS; i++) {
			const struct snap_segment *g = &s->seg[i];
			unsigned t = ar_type(g->ar);

			if (i == SEG_CS || i == SEG_SS || !usable(g))
				continue;
			w = &seg_whats[i];
			RULE(c, t & VMX_AR_TYPE_ACCESSED, w->ar, ar_fields[i],
			     "type must have the accessed bit (bit 0), is %u", t);
			RULE(c, !(t & VMX_AR_TYPE_CODE) || (t & VMX_AR_TYPE_READABLE), w->ar,
			     ar_fields[i], "a code segment must be readable (type bit 1), is %u", t);
			RULE(c, g->ar & VMX_AR_S, w->ar, ar_fields[i], "S (bit 4) must be 1, is %#x",
			     g->ar);
			if (!c->ug && t <= 11)
				RULE(c, ar_dpl(g->ar) >= (g->sel & SEL_RPL), w->ar, ar_fields[i],
				     "DPL must be at least the selector's RPL (%u), is %u",
				     g->sel & SEL_RPL, ar_dpl(g->ar));
			rule_seg_common(c, i, w);
		}
	}
	/* TR */
	w = &seg_whats[SEG_TR];
	if (c->ia32e)
		RULE(c, ar_type(tr->ar) == 11, w->ar, ar_fields[SEG_TR],
		     "type must be 11 (busy 32/64-bit TSS) in IA-32e mode, is %u", ar_type(tr->ar));
	else
		RULE(c, ar_type(tr->ar) == 11 || ar_type(tr->ar) == 3, w->ar, ar_fields[SEG_TR],
		     "type must be 11 (busy 32/64-bit TSS) or 3 (busy 16-bit TSS), is %u",
		     ar_type(tr->ar));
	RULE(c, !(tr->ar & VMX_AR_S), w->ar, ar_fields[SEG_TR],
	     "S (bit 4) must be 0 (system segment), is %#x", tr->ar);
	RULE(c, usable(tr), w->ar, ar_fields[SEG_TR], "TR must be usable (bit 16 = 0), is %#x",
	     tr->ar);
	rule_seg_common(c, SEG_TR, w);
	/* LDTR */
	if (usable(ldtr)) {
		w = &seg_whats[SEG_LDTR];
		RULE(c, ar_type(ldtr->ar) == 2, w->ar, ar_fields[SEG_LDTR],
		     "type must be 2 (LDT), is %u", ar_type(ldtr->ar));
		RULE(c, !(ldtr->ar & VMX_AR_S), w->ar, ar_fields[SEG_LDTR],
		     "S (bit 4) must be 0 (system segment), is %#x", ldtr->ar);
		rule_seg_common(c, SEG_LDTR, w);
	}
}

static void check_guest_dt(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	unsigned gb = guest_addr_bits(s);

	c->section = S_GUEST_DT;
	RULE(c, canonical(s->gdtr_base, gb), "guest GDTR base", "GUEST_GDTR_BASE",
	     "must be canonical, is %#lx", s->gdtr_base);
	RULE(c, canonical(s->idtr_base, gb), "guest IDTR base", "GUEST_IDTR_BASE",
	     "must be canonical, is %#lx", s->idtr_base);
	RULE(c, !(s->gdtr_limit & DESC_LIMIT_RSVD), "guest GDTR limit", "GUEST_GDTR_LIMIT",
	     "bits 31:16 must be 0, is %#x", s->gdtr_limit);
	RULE(c, !(s->idtr_limit & DESC_LIMIT_RSVD), "guest IDTR limit", "GUEST_IDTR_LIMIT",
	     "bits 31:16 must be 0, is %#x", s->idtr_limit);
}

static bool injecting(const struct vmcs_snapshot *s, uint32_t type)
{
	return (s->entry_intr_info & INTR_INFO_VALID) &&
	       (s->entry_intr_info & INTR_INFO_TYPE_MASK) == type;
}

static void check_guest_rip_rflags(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	uint64_t rf = s->guest_rflags;

	c->section = S_GUEST_RIP;
	if (c->ia32e && (s->seg[SEG_CS].ar & VMX_AR_L))
		RULE(c, canonical(s->guest_rip, guest_addr_bits(s)), "guest RIP", "GUEST_RIP",
		     "must be canonical in 64-bit mode, is %#lx", s->guest_rip);
	else
		RULE(c, !(s->guest_rip & UPPER32), "guest RIP", "GUEST_RIP",
		     "bits 63:32 must be 0 outside 64-bit mode, is %#lx", s->guest_rip);
	RULE(c, !(rf & RFLAGS_RESERVED0), "guest RFLAGS", "GUEST_RFLAGS",
	     "reserved bits 63:22, 15, 5 and 3 must be 0, is %#lx", rf);
	RULE(c, rf & RFLAGS_RESERVED1, "guest RFLAGS", "GUEST_RFLAGS",
	     "bit 1 must be 1, is %#lx", rf);
	RULE(c, !(rf & RFLAGS_VM) || (!c->ia32e && c->pe), "guest RFLAGS", "GUEST_RFLAGS",
	     "VM (bit 17) must be 0 in IA-32e mode or with CR0.PE = 0, is %#lx", rf);
	RULE(c, !injecting(s, INTR_TYPE_EXT_INTR) || (rf & RFLAGS_IF), "guest RFLAGS",
	     "GUEST_RFLAGS", "IF (bit 9) must be 1 to inject an external interrupt, is %#lx", rf);
}

static void check_guest_nonreg(struct ctx *c)
{
	const struct vmcs_snapshot *s = c->s;
	uint32_t act = s->activity, irq = s->interruptibility;
	uint32_t info = s->entry_intr_info;
	uint32_t type = info & INTR_INFO_TYPE_MASK, vec = info & INTR_INFO_VECTOR_MASK;
	bool inject = info & INTR_INFO_VALID;
	const char *wa = "guest activity state", *fa = "GUEST_ACTIVITY_STATE";
	const char *wi = "guest interruptibility state", *fi = "GUEST_INTERRUPTIBILITY_INFO";

	c->section = S_GUEST_NRS;
	RULE(c, act <= GUEST_ACTIVITY_WAIT_SIPI, wa, fa, "must be 0-3, is %u", act);
	RULE(c, act != GUEST_ACTIVITY_HLT || (s->cap_misc & VMX_MISC_ACTIVITY_HLT), wa, fa,
	     "HLT (1) is not supported (IA32_VMX_MISC bit 6), is %u", act);
	RULE(c, act != GUEST_ACTIVITY_SHUTDOWN || (s->cap_misc & VMX_MISC_ACTIVITY_SHUTDOWN), wa, fa,
	     "shutdown (2) is not supported (IA32_VMX_MISC bit 7), is %u", act);
	RULE(c, act != GUEST_ACTIVITY_WAIT_SIPI || (s->cap_misc & VMX_MISC_ACTIVITY_WAIT_SIPI), wa, fa,
	     "wait-for-SIPI (3) is not supported (IA32_VMX_MISC bit 8), is %u", act);
	RULE(c, act != GUEST_ACTIVITY_HLT || ar_dpl(s->seg[SEG_SS].ar) == 0, wa, fa,
	     "HLT (1) needs SS.DPL = 0, SS.DPL is %u", ar_dpl(s->seg[SEG_SS].ar));
	RULE(c, act == GUEST_ACTIVITY_ACTIVE || !(irq & INTERRUPTIBILITY_STI_MOVSS), wa, fa,
	     "must be active (0) with blocking by STI or MOV SS (interruptibility %#x), is %u",
	     irq, act);
	if (inject) {
		bool ok = true;
		if (act == GUEST_ACTIVITY_HLT)
			ok = type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI ||
			     (type == INTR_TYPE_HW_EXCEPTION && (vec == VEC_DB || vec == VEC_MC)) ||
			     (type == INTR_TYPE_OTHER && vec == 0);
		else if (act == GUEST_ACTIVITY_SHUTDOWN)
			ok = type == INTR_TYPE_NMI ||
			     (type == INTR_TYPE_HW_EXCEPTION && vec == VEC_MC);
		else if (act == GUEST_ACTIVITY_WAIT_SIPI)
			ok = false;
		RULE(c, ok, wa, fa, "state %u cannot take the injected event (type %u vector %u)",
		     act, type >> INTR_INFO_TYPE_SHIFT, vec);
	}
	RULE(c, !(irq & INTERRUPTIBILITY_RESERVED), wi, fi,
	     "reserved bits 31:5 must be 0, is %#x", irq);
	RULE(c, (irq & INTERRUPTIBILITY_STI_MOVSS) != INTERRUPTIBILITY_STI_MOVSS, wi, fi,
	     "blocking by STI and by MOV SS must not both be 1, is %#x", irq);
	RULE(c, !(irq & INTERRUPTIBILITY_STI) || (s->guest_rflags & RFLAGS_IF), wi, fi,
	     "blocking by STI needs RFLAGS.IF = 1 (RFLAGS %#lx), is %#x", s->guest_rflags, irq);
	RULE(c, !injecting(s, INTR_TYPE_EXT_INTR) || !(irq & INTERRUPTIBILITY_STI_MOVSS), wi, fi,
	     "blocking by STI and MOV SS must be 0 to inject an external interrupt, is %#x", irq);
	RULE(c, !injecting(s, INTR_TYPE_NMI) || !(irq & INTERRUPTIBILITY_MOVSS), wi, fi,
	     "blocking by MOV SS must be 0 to inject an NMI, is %#x", irq);
	RULE(c, !(irq & INTERRUPTIBILITY_SMI), wi, fi,
	     "blocking by SMI (bit 2) must be 0 outside SMM, is %#x", irq);
	RULE(c, !((s->pin & PIN_BASED_VIRTUAL_NMIS) && injecting(s, INTR_TYPE_NMI)) ||
		!(irq & INTERRUPTIBILITY_NMI), wi, fi,
	     "blocking by NMI must be 0 to inject an NMI with \"virtual NMIs\", is %#x", irq);
	RULE(c, !(s->pending_dbg & PENDING_DBG_RSVD), "guest pending debug exceptions",
	     "GUEST_PENDING_DBG_EXCEPTIONS",
	     "reserved bits 11:4, 13, 15 and 63:17 must be 0, is %#lx", s->pending_dbg);
	if ((irq & INTERRUPTIBILITY_STI_MOVSS) || act == GUEST_ACTIVITY_HLT) {
		bool tf = s->guest_rflags & RFLAGS_TF, btf = s->guest_debugctl & DEBUGCTL_BTF;
		bool bs = s->pending_dbg & PENDING_DBG_BS;
		RULE(c, bs == (tf && !btf), "guest pending debug exceptions",
		     "GUEST_PENDING_DBG_EXCEPTIONS",
		     "BS (bit 14) must be %d with RFLAGS.TF %d and DEBUGCTL.BTF %d while blocked "
		     "or halted, is %#lx", tf && !btf, tf, btf, s->pending_dbg);
	}
	RULE(c, s->link_pointer == VMCS_LINK_POINTER_NONE, "VMCS link pointer", "VMCS_LINK_POINTER",
	     "must be 0xffffffffffffffff (no VMCS shadowing; any other value must point at a "
	     "VMCS with this CPU's revision identifier), is %#lx", s->link_pointer);
}

bool entry_check(const struct vmcs_snapshot *s, struct entry_check_result *r)
{
	struct ctx c = { .s = s, .r = r };

	r->failures = 0;
	r->rules = 0;
	r->field = NULL;
	r->section = NULL;
	r->msg[0] = '\0';
	c.proc2 = (s->proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ? s->proc2 : 0;
	c.ug = c.proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST;
	c.ia32e = s->entry & VM_ENTRY_IA32E_MODE_GUEST;
	c.v86 = s->guest_rflags & RFLAGS_VM;
	c.pe = s->guest_cr0 & CR0_PE;

	check_exec_controls(&c);
	check_exit_controls(&c);
	check_entry_controls(&c);
	check_host_cr_msrs(&c);
	check_host_segments(&c);
	check_address_space_size(&c);
	check_guest_cr_msrs(&c);
	check_guest_segments(&c);
	check_guest_dt(&c);
	check_guest_rip_rflags(&c);
	check_guest_nonreg(&c);
	return r->failures == 0;
}
