/*
 * tests/unit/test_entry_check.c - cmocka tests of vmx/entry_check.c, the
 * software VM-entry checker.
 *
 * Context: host test (Linux, -DCV_HOST_TEST), no hardware. Each test starts
 * from a snapshot that passes and breaks one rule, then asserts the named
 * failure: the first failing VMCS field and a phrase of its rule.
 *
 * Fixtures:
 *   - capabilities: the Bochs 2.7 corei7_skylake_x values of
 *     tests/unit/test_vmx_caps.c (TRUE_* control MSRs, MISC, fixed bits);
 *     MAXPHYADDR 40;
 *   - multiboot(): the VMCS vmx/vmcs_setup.c:vmcs_init_multiboot writes for
 *     hello.elf on Bochs, copied from the VMCS dump of a break=tr-type run
 *     (controls pin 0x5f proc 0x960061fa proc2 0xaa exit 0x336ffb entry
 *     0x91fb, as vmx/controls.c computes them there);
 *   - realmode(): the same after vmcs_init_realmode (an AP after its SIPI,
 *     vector 0x9f);
 *   - long64(): a 64-bit guest as handle_cr_access leaves it (IA-32e mode
 *     guest, CR0.PG, CR4.PAE, EFER.LME/LMA, CS.L).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/entry_check.h"
#include "vmx/vmx_defs.h"
#include "lib/msr.h"
#include "lib/x86.h"

static void seg(struct snap_segment *g, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	g->sel = sel;
	g->base = base;
	g->limit = limit;
	g->ar = ar;
}

static struct vmcs_snapshot multiboot(void)
{
	struct vmcs_snapshot s = {
		.cap_basic = 0x00d810000000002bULL,
		.cap_pin = 0x0000007f00000016ULL,
		.cap_proc = 0xf7f9fffe04006172ULL,
		.cap_proc2 = 0x02177fff00000000ULL,
		.cap_exit = 0x007fffff00036dfbULL,
		.cap_entry = 0x0000ffff000011fbULL,
		.cap_misc = 0x00000000600401e0ULL,
		.cap_ept_vpid = 0x00000f0106334141ULL,
		.cr0_fixed0 = 0x80000021ULL, .cr0_fixed1 = 0xffffffffULL,
		.cr4_fixed0 = 0x2000ULL, .cr4_fixed1 = 0x3727ffULL,
		.phys_addr_bits = 40,
		.host_ia32e = true,

		.pin = 0x5f, .proc = 0x960061fa, .proc2 = 0xaa,
		.exit = 0x336ffb, .entry = 0x91fb,
		.io_bitmap_a = 0x193000, .io_bitmap_b = 0x194000, .msr_bitmap = 0x195000,
		.eptp = 0x19001e, .vpid = 1,

		.host_cr0 = 0x80000031, .host_cr3 = 0x185000, .host_cr4 = 0x2020,
		.host_es = 0x10, .host_cs = 0x08, .host_ss = 0x10, .host_ds = 0x10,
		.host_tr = 0x18,
		.host_gs_base = 0x11d020, .host_tr_base = 0x13d320,
		.host_gdtr_base = 0x13d9a0, .host_idtr_base = 0x15e450,
		.host_rip = 0x11143c, .host_efer = 0x500,

		.guest_cr0 = 0x31, .guest_cr4 = 0x2000, .guest_dr7 = 0x400,
		.guest_pat = 0x0007040600070406ULL,
		.guest_rip = 0x10000c, .guest_rflags = 0x2,
		.link_pointer = ~0ULL,
	};
	for (int i = SEG_ES; i <= SEG_GS; i++)
		seg(&s.seg[i], 0x10, 0, 0xffffffff, 0xc093);
	seg(&s.seg[SEG_CS], 0x08, 0, 0xffffffff, 0xc09b);
	seg(&s.seg[SEG_LDTR], 0, 0, 0, 0x10000);
	seg(&s.seg[SEG_TR], 0, 0, 0x67, 0x8b);
	return s;
}

#define SIPI_VECTOR 0x9f

static struct vmcs_snapshot realmode(void)
{
	struct vmcs_snapshot s = multiboot();

	s.guest_cr0 = 0x30;
	s.entry &= ~(uint32_t)VM_ENTRY_IA32E_MODE_GUEST;
	for (int i = SEG_ES; i <= SEG_GS; i++)
		seg(&s.seg[i], 0, 0, 0xffff, 0x93);
	seg(&s.seg[SEG_CS], SIPI_VECTOR << 8, SIPI_VECTOR << 12, 0xffff, 0x9b);
	s.gdtr_limit = s.idtr_limit = 0xffff;
	s.guest_rip = 0;
	return s;
}

static struct vmcs_snapshot long64(void)
{
	struct vmcs_snapshot s = multiboot();

	s.entry |= VM_ENTRY_IA32E_MODE_GUEST;
	s.guest_cr0 = 0x80000031;
	s.guest_cr4 = 0x2020;
	s.guest_cr3 = 0x200000;
	s.guest_efer = EFER_LME | EFER_LMA;
	seg(&s.seg[SEG_CS], 0x08, 0, 0xffffffff, 0xa09b);
	s.guest_rip = 0xffffffff80001000ULL;
	return s;
}

static void expect_pass(const struct vmcs_snapshot *s)
{
	struct entry_check_result r;
	bool ok = entry_check(s, &r);

	if (!ok)
		fail_msg("expected to pass, failed %u rule(s), first: %s", r.failures, r.msg);
	assert_int_equal(r.failures, 0);
	assert_true(r.rules > 100);
}

static void expect_fail(const struct vmcs_snapshot *s, const char *field, const char *phrase)
{
	struct entry_check_result r;

	assert_false(entry_check(s, &r));
	assert_true(r.failures >= 1);
	if (strcmp(r.field, field) != 0 || !strstr(r.msg, phrase))
		fail_msg("expected %s / '%s', got %s: %s", field, phrase, r.field, r.msg);
	assert_non_null(strstr(r.msg, "(SDM Vol. 3C, \""));
	assert_non_null(strstr(r.msg, field));
}

/* ---- snapshots that pass ---- */

static void multiboot_passes(void **state) { (void)state; struct vmcs_snapshot s = multiboot(); expect_pass(&s); }
static void realmode_passes(void **state) { (void)state; struct vmcs_snapshot s = realmode(); expect_pass(&s); }
static void long64_passes(void **state) { (void)state; struct vmcs_snapshot s = long64(); expect_pass(&s); }

static void injections_that_pass(void **state)
{
	(void)state;
	struct vmcs_snapshot s = multiboot();
	s.guest_rflags |= RFLAGS_IF;
	s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x30;
	expect_pass(&s);
	s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | INTR_INFO_DELIVER_CODE | VEC_GP;
	expect_pass(&s);
	s = realmode();
	s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | VEC_GP;   /* no code: PE = 0 */
	expect_pass(&s);
}

static void counts_every_failure(void **state)
{
	(void)state;
	struct vmcs_snapshot s = multiboot();
	struct entry_check_result r;
	s.seg[SEG_TR].ar = 0x89;
	s.guest_rflags = 0;
	s.link_pointer = 0;
	assert_false(entry_check(&s, &r));
	assert_int_equal(r.failures, 3);
	assert_string_equal(r.field, "GUEST_TR_AR_BYTES");   /* the first in SDM order */
	assert_string_equal(r.section, "Checks on Guest Segment Registers");
}

/* ---- one broken rule each ---- */

#define CASE(name, base, field, phrase, ...)                           \
	static void name(void **state)                                 \
	{                                                              \
		(void)state;                                           \
		struct vmcs_snapshot s = base();                       \
		__VA_ARGS__;                                           \
		expect_fail(&s, field, phrase);                        \
	}

/* VM-execution controls */
CASE(pin_must1, multiboot, "PIN_BASED_VM_EXEC_CONTROL", "bits 0x2 must be 1", s.pin &= ~2u)
CASE(pin_must0, multiboot, "PIN_BASED_VM_EXEC_CONTROL", "bits 0x80 must be 0", s.pin |= 0x80)
CASE(proc_must1, multiboot, "CPU_BASED_VM_EXEC_CONTROL", "bits 0x4000000 must be 1", s.proc &= ~BIT(26))
CASE(proc2_must0, multiboot, "SECONDARY_VM_EXEC_CONTROL", "bits 0x8000 must be 0", s.proc2 |= BIT(15))
CASE(cr3_target_count, multiboot, "CR3_TARGET_COUNT", "must be at most 4", s.cr3_target_count = 5)
CASE(io_bitmap_a_align, multiboot, "IO_BITMAP_A", "4-KiB aligned", s.io_bitmap_a |= 0x800)
CASE(io_bitmap_b_width, multiboot, "IO_BITMAP_B", "physical-address width (40 bits)", s.io_bitmap_b |= BIT(40))
CASE(msr_bitmap_align, multiboot, "MSR_BITMAP", "4-KiB aligned", s.msr_bitmap += 8)
CASE(tpr_threshold, multiboot, "TPR_THRESHOLD", "bits 31:4 must be 0",
     s.proc |= CPU_BASED_TPR_SHADOW; s.virtual_apic_page = 0x196000; s.tpr_threshold = 0x10)
CASE(virtual_apic_align, multiboot, "VIRTUAL_APIC_PAGE_ADDR", "4-KiB aligned",
     s.proc |= CPU_BASED_TPR_SHADOW; s.virtual_apic_page = 0x196010)
CASE(x2apic_needs_tpr_shadow, multiboot, "SECONDARY_VM_EXEC_CONTROL", "need \"use TPR shadow\"",
     s.proc2 |= SECONDARY_EXEC_VIRTUALIZE_X2APIC)
CASE(virtual_nmis_need_nmi_exiting, multiboot, "PIN_BASED_VM_EXEC_CONTROL", "\"virtual NMIs\" needs \"NMI exiting\"",
     s.pin = (s.pin & ~(uint32_t)PIN_BASED_NMI_EXITING) | PIN_BASED_VIRTUAL_NMIS)
CASE(nmi_window_needs_virtual_nmis, multiboot, "CPU_BASED_VM_EXEC_CONTROL", "\"NMI-window exiting\" needs \"virtual NMIs\"",
     s.proc |= CPU_BASED_NMI_WINDOW_EXITING)
CASE(apic_access_align, multiboot, "APIC_ACCESS_ADDR", "4-KiB aligned",
     s.proc2 |= SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES; s.apic_access_addr = 0xfee00010)
CASE(vpid_zero, multiboot, "VIRTUAL_PROCESSOR_ID", "must not be 0", s.vpid = 0)
CASE(eptp_memtype, multiboot, "EPT_POINTER", "memory type (bits 2:0)", s.eptp = (s.eptp & ~7ULL) | 5)
CASE(eptp_walk, multiboot, "EPT_POINTER", "page-walk length", s.eptp = (s.eptp & ~0x38ULL) | (1 << 3))
CASE(eptp_reserved, multiboot, "EPT_POINTER", "bits 11:8", s.eptp |= BIT(9))
CASE(eptp_ad_unsupported, multiboot, "EPT_POINTER", "accessed/dirty", s.eptp |= BIT(6); s.cap_ept_vpid &= ~(uint64_t)VMX_EPT_AD_BITS)
CASE(eptp_width, multiboot, "EPT_POINTER", "bits 40-63", s.eptp |= BIT(45))
CASE(unrestricted_needs_ept, multiboot, "SECONDARY_VM_EXEC_CONTROL", "\"unrestricted guest\" needs \"enable EPT\"",
     s.proc2 &= ~(uint32_t)SECONDARY_EXEC_ENABLE_EPT)

/* VM-exit controls */
CASE(exit_must1, multiboot, "VM_EXIT_CONTROLS", "bits 0x1 must be 1", s.exit &= ~1u)
CASE(save_timer_needs_timer, multiboot, "VM_EXIT_CONTROLS", "\"save VMX-preemption timer value\" needs",
     s.pin &= ~(uint32_t)PIN_BASED_VMX_PREEMPTION_TIMER; s.exit |= VM_EXIT_SAVE_VMX_PREEMPTION_TIMER)
CASE(exit_msr_store_align, multiboot, "VM_EXIT_MSR_STORE_ADDR", "16-byte aligned",
     s.exit_msr_store_count = 1; s.exit_msr_store_addr = 0x197008)

/* VM-entry controls and event injection */
CASE(entry_must0, multiboot, "VM_ENTRY_CONTROLS", "bits 0x10000 must be 0", s.entry |= BIT(16))
CASE(entry_to_smm, multiboot, "VM_ENTRY_CONTROLS", "\"entry to SMM\"", s.entry |= VM_ENTRY_TO_SMM)
CASE(inject_type1, multiboot, "VM_ENTRY_INTR_INFO_FIELD", "type 1 is reserved",
     s.entry_intr_info = INTR_INFO_VALID | (1u << 8) | 0x30)
CASE(inject_nmi_vector, multiboot, "VM_ENTRY_INTR_INFO_FIELD", "an NMI must have vector 2",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_NMI | 3)
CASE(inject_exception_vector, multiboot, "VM_ENTRY_INTR_INFO_FIELD", "vector 0-31",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | 32)
CASE(inject_gp_without_code, multiboot, "VM_ENTRY_INTR_INFO_FIELD", "must be 1 for type 3 vector 13",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | VEC_GP)
CASE(inject_ud_with_code, multiboot, "VM_ENTRY_INTR_INFO_FIELD", "must be 0 for type 3 vector 6",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | INTR_INFO_DELIVER_CODE | VEC_UD)
CASE(inject_code_in_real_mode, realmode, "VM_ENTRY_INTR_INFO_FIELD", "must be 0 when guest CR0.PE = 0",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | INTR_INFO_DELIVER_CODE | VEC_GP)
CASE(inject_reserved, multiboot, "VM_ENTRY_INTR_INFO_FIELD", "bits 30:12",
     s.guest_rflags |= RFLAGS_IF; s.entry_intr_info = INTR_INFO_VALID | BIT(20) | 0x30)
CASE(inject_error_code_high, multiboot, "VM_ENTRY_EXCEPTION_ERROR_CODE", "bits 31:16 must be 0",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | INTR_INFO_DELIVER_CODE | VEC_GP;
     s.entry_exception_error_code = 0x10000)
CASE(inject_soft_int_length, multiboot, "VM_ENTRY_INSTRUCTION_LEN", "0-15",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_SW_INTR | 0x80; s.entry_instruction_len = 16)
CASE(entry_msr_load_align, multiboot, "VM_ENTRY_MSR_LOAD_ADDR", "16-byte aligned",
     s.entry_msr_load_count = 2; s.entry_msr_load_addr = 0x197004)

/* host state */
CASE(host_cr0_ne, multiboot, "HOST_CR0", "bits 0x20 must be 1", s.host_cr0 &= ~CR0_NE)
CASE(host_cr4_vmxe, multiboot, "HOST_CR4", "bits 0x2000 must be 1", s.host_cr4 &= ~CR4_VMXE)
CASE(host_cr4_fixed1, multiboot, "HOST_CR4", "bits 0x800 must be 0", s.host_cr4 |= BIT(11))
CASE(host_cr3_width, multiboot, "HOST_CR3", "bits 40-63 must be 0", s.host_cr3 |= BIT(52))
CASE(host_sysenter_eip, multiboot, "HOST_IA32_SYSENTER_EIP", "canonical", s.host_sysenter_eip = 0x0000800000000000ULL)
CASE(host_efer_reserved, multiboot, "HOST_IA32_EFER", "reserved bits 0x2", s.host_efer |= 2)
CASE(host_efer_lma, multiboot, "HOST_IA32_EFER", "LMA (bit 10) must equal", s.host_efer &= ~EFER_LMA)
CASE(host_pat, multiboot, "HOST_IA32_PAT", "memory type", s.exit |= VM_EXIT_LOAD_PAT; s.host_pat = 0x0007040600070402ULL)
CASE(host_ds_rpl, multiboot, "HOST_DS_SELECTOR", "RPL and TI", s.host_ds = 0x13)
CASE(host_tr_ti, multiboot, "HOST_TR_SELECTOR", "RPL and TI", s.host_tr = 0x1c)
CASE(host_cs_null, multiboot, "HOST_CS_SELECTOR", "must not be 0", s.host_cs = 0)
CASE(host_tr_null, multiboot, "HOST_TR_SELECTOR", "must not be 0", s.host_tr = 0)
CASE(host_ss_null_32bit, multiboot, "HOST_SS_SELECTOR", "must not be 0",
     s.exit &= ~(uint32_t)(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_EFER); s.host_ss = 0)
CASE(host_gs_base, multiboot, "HOST_GS_BASE", "canonical", s.host_gs_base = 0x8000000000000000ULL)
CASE(host_tr_base, multiboot, "HOST_TR_BASE", "canonical", s.host_tr_base = 0x0001000000000000ULL)
CASE(host_addr_space_size, multiboot, "VM_EXIT_CONTROLS", "the host is in IA-32e mode",
     s.exit &= ~(uint32_t)(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_EFER))
CASE(host_cr4_pae, multiboot, "HOST_CR4", "PAE (bit 5) must be 1", s.host_cr4 &= ~CR4_PAE)
CASE(host_rip, multiboot, "HOST_RIP", "canonical", s.host_rip = 0x0000900000000000ULL)

/* guest control registers and MSRs */
CASE(guest_cr0_ne, multiboot, "GUEST_CR0", "bits 0x20 must be 1 (IA32_VMX_CR0_FIXED0; PE and PG exempt", s.guest_cr0 &= ~CR0_NE)
CASE(guest_cr0_pg_without_ug, multiboot, "GUEST_CR0", "bits 0x80000000 must be 1",
     s.proc2 &= ~(uint32_t)SECONDARY_EXEC_UNRESTRICTED_GUEST)
CASE(guest_cr0_upper, multiboot, "GUEST_CR0", "must be 0 (IA32_VMX_CR0_FIXED1)", s.guest_cr0 |= BIT(32))
CASE(guest_pg_without_pe, realmode, "GUEST_CR0", "PG (bit 31) needs PE", s.guest_cr0 |= CR0_PG)
CASE(guest_cr4_vmxe, multiboot, "GUEST_CR4", "bits 0x2000 must be 1", s.guest_cr4 &= ~CR4_VMXE)
CASE(guest_cr4_fixed1, multiboot, "GUEST_CR4", "bits 0x1000 must be 0", s.guest_cr4 |= CR4_LA57)
CASE(guest_debugctl, multiboot, "GUEST_IA32_DEBUGCTL", "reserved bits",
     s.entry |= VM_ENTRY_LOAD_DEBUG_CONTROLS; s.guest_debugctl = BIT(3))
CASE(guest_dr7_upper, multiboot, "GUEST_DR7", "bits 63:32 must be 0",
     s.entry |= VM_ENTRY_LOAD_DEBUG_CONTROLS; s.guest_dr7 |= BIT(32))
CASE(ia32e_needs_paging, multiboot, "GUEST_CR0", "needs CR0.PG and CR4.PAE", s.entry |= VM_ENTRY_IA32E_MODE_GUEST)
CASE(pcide_outside_ia32e, multiboot, "GUEST_CR4", "PCIDE (bit 17) must be 0", s.guest_cr4 |= CR4_PCIDE)
CASE(guest_cr3_width, long64, "GUEST_CR3", "bits 40-63", s.guest_cr3 |= BIT(41))
CASE(guest_sysenter_esp, multiboot, "GUEST_SYSENTER_ESP", "canonical", s.guest_sysenter_esp = 0x0000800000000000ULL)
CASE(guest_pat, multiboot, "GUEST_IA32_PAT", "memory type", s.entry |= VM_ENTRY_LOAD_PAT; s.guest_pat = 0x0207040600070406ULL)
CASE(guest_efer_reserved, multiboot, "GUEST_IA32_EFER", "reserved bits 0x2", s.guest_efer = 2)
CASE(guest_efer_lma, multiboot, "GUEST_IA32_EFER", "LMA (bit 10) must equal \"IA-32e mode guest\" (0)", s.guest_efer = EFER_LMA)
CASE(guest_efer_lme, long64, "GUEST_IA32_EFER", "LME (bit 8) must equal", s.guest_efer = EFER_LMA)

/* guest segment registers */
CASE(tr_type, multiboot, "GUEST_TR_AR_BYTES", "type must be 11 (busy 32/64-bit TSS) or 3", s.seg[SEG_TR].ar = 0x89)
CASE(tr_type_ia32e, long64, "GUEST_TR_AR_BYTES", "type must be 11 (busy 32/64-bit TSS) in IA-32e mode", s.seg[SEG_TR].ar = 0x83)
CASE(tr_system, multiboot, "GUEST_TR_AR_BYTES", "S (bit 4) must be 0", s.seg[SEG_TR].ar |= VMX_AR_S)
CASE(tr_unusable, multiboot, "GUEST_TR_AR_BYTES", "TR must be usable", s.seg[SEG_TR].ar |= VMX_AR_UNUSABLE)
CASE(tr_present, multiboot, "GUEST_TR_AR_BYTES", "P (bit 7) must be 1", s.seg[SEG_TR].ar &= ~(uint32_t)VMX_AR_P)
CASE(tr_ti, multiboot, "GUEST_TR_SELECTOR", "TI (bit 2) must be 0", s.seg[SEG_TR].sel = 0x2c)
CASE(tr_granularity, multiboot, "GUEST_TR_AR_BYTES", "G (bit 15) must be 1", s.seg[SEG_TR].limit = 0x100fff)
CASE(tr_base, long64, "GUEST_TR_BASE", "canonical", s.seg[SEG_TR].base = 0x0000800000000000ULL)
CASE(ldtr_type, multiboot, "GUEST_LDTR_AR_BYTES", "type must be 2 (LDT)", s.seg[SEG_LDTR].ar = 0x83)
CASE(ldtr_ti, multiboot, "GUEST_LDTR_SELECTOR", "TI (bit 2) must be 0", s.seg[SEG_LDTR].ar = 0x82; s.seg[SEG_LDTR].sel = 0x4)
CASE(cs_accessed, multiboot, "GUEST_CS_AR_BYTES", "type must be 9, 11, 13 or 15", s.seg[SEG_CS].ar &= ~1u)
CASE(cs_data_without_ug, long64, "GUEST_CS_AR_BYTES", "type must be 9, 11, 13 or 15 (accessed code), is 3",
     s.proc2 &= ~(uint32_t)SECONDARY_EXEC_UNRESTRICTED_GUEST; s.seg[SEG_CS].ar = 0xa093)
CASE(cs_dpl, multiboot, "GUEST_CS_AR_BYTES", "DPL must equal SS's DPL", s.seg[SEG_CS].ar |= 3 << 5)
CASE(cs_conforming_dpl, multiboot, "GUEST_CS_AR_BYTES", "at most SS's DPL", s.seg[SEG_CS].ar = 0xc0ff)
CASE(cs_present, multiboot, "GUEST_CS_AR_BYTES", "P (bit 7) must be 1", s.seg[SEG_CS].ar &= ~(uint32_t)VMX_AR_P)
CASE(cs_reserved, multiboot, "GUEST_CS_AR_BYTES", "reserved bits 11:8", s.seg[SEG_CS].ar |= BIT(8))
CASE(cs_system, multiboot, "GUEST_CS_AR_BYTES", "S (bit 4) must be 1", s.seg[SEG_CS].ar &= ~(uint32_t)VMX_AR_S)
CASE(cs_l_and_db, long64, "GUEST_CS_AR_BYTES", "D/B (bit 14) must be 0", s.seg[SEG_CS].ar |= VMX_AR_DB)
CASE(cs_granularity_1, multiboot, "GUEST_CS_AR_BYTES", "G (bit 15) must be 1", s.seg[SEG_CS].ar &= ~(uint32_t)VMX_AR_G)
CASE(cs_granularity_0, multiboot, "GUEST_CS_AR_BYTES", "G (bit 15) must be 0", s.seg[SEG_CS].limit = 0xf000)
CASE(cs_base_upper, multiboot, "GUEST_CS_BASE", "bits 63:32 must be 0", s.seg[SEG_CS].base = BIT(32))
CASE(ss_type, multiboot, "GUEST_SS_AR_BYTES", "type must be 3 or 7", s.seg[SEG_SS].ar = 0xc091)
CASE(ss_rpl_without_ug, long64, "GUEST_SS_SELECTOR", "RPL must equal CS's",
     s.proc2 &= ~(uint32_t)SECONDARY_EXEC_UNRESTRICTED_GUEST; s.seg[SEG_SS].sel = 0x13)
CASE(ss_dpl_real_mode, realmode, "GUEST_SS_AR_BYTES", "DPL must be 0 with CS type 3 or CR0.PE = 0",
     s.seg[SEG_CS].ar = 0xfb; s.seg[SEG_SS].ar = 0xf3)
CASE(ds_accessed, multiboot, "GUEST_DS_AR_BYTES", "accessed bit", s.seg[SEG_DS].ar &= ~1u)
CASE(es_code_unreadable, multiboot, "GUEST_ES_AR_BYTES", "must be readable", s.seg[SEG_ES].ar = 0xc099)
CASE(gs_system, multiboot, "GUEST_GS_AR_BYTES", "S (bit 4) must be 1", s.seg[SEG_GS].ar &= ~(uint32_t)VMX_AR_S)
CASE(ds_dpl_below_rpl, long64, "GUEST_DS_AR_BYTES", "at least the selector's RPL",
     s.proc2 &= ~(uint32_t)SECONDARY_EXEC_UNRESTRICTED_GUEST; s.seg[SEG_DS].sel = 0x13)
CASE(fs_base, long64, "GUEST_FS_BASE", "canonical", s.seg[SEG_FS].base = 0x0080000000000000ULL)
CASE(es_base_upper, multiboot, "GUEST_ES_BASE", "bits 63:32 must be 0", s.seg[SEG_ES].base = BIT(40))
CASE(v86_base, realmode, "GUEST_ES_BASE", "selector << 4",
     s.guest_cr0 |= CR0_PE; s.guest_rflags |= RFLAGS_VM; s.seg[SEG_ES].sel = 0x100;
     for (int i = SEG_ES; i <= SEG_GS; i++) s.seg[i].ar = 0xf3)

/* guest descriptor tables, RIP and RFLAGS */
CASE(gdtr_limit, multiboot, "GUEST_GDTR_LIMIT", "bits 31:16 must be 0", s.gdtr_limit = 0x10000)
CASE(idtr_base, long64, "GUEST_IDTR_BASE", "canonical", s.idtr_base = 0x1234000000000000ULL)
CASE(rip_upper_32bit, multiboot, "GUEST_RIP", "bits 63:32 must be 0", s.guest_rip |= BIT(32))
CASE(rip_canonical_64bit, long64, "GUEST_RIP", "canonical in 64-bit mode", s.guest_rip = 0x0000800000000000ULL)
CASE(rflags_bit1, multiboot, "GUEST_RFLAGS", "bit 1 must be 1", s.guest_rflags &= ~RFLAGS_RESERVED1)
CASE(rflags_reserved, multiboot, "GUEST_RFLAGS", "reserved bits 63:22, 15, 5 and 3", s.guest_rflags |= BIT(3))
CASE(rflags_vm_real_mode, realmode, "GUEST_RFLAGS", "VM (bit 17) must be 0",
     s.guest_rflags |= RFLAGS_VM; for (int i = SEG_ES; i <= SEG_GS; i++) s.seg[i].ar = 0xf3)
CASE(rflags_if_for_ext_intr, multiboot, "GUEST_RFLAGS", "IF (bit 9) must be 1 to inject",
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x30)

/* guest non-register state */
CASE(activity_range, multiboot, "GUEST_ACTIVITY_STATE", "must be 0-3", s.activity = 4)
CASE(activity_hlt_unsupported, multiboot, "GUEST_ACTIVITY_STATE", "not supported (IA32_VMX_MISC bit 6)",
     s.activity = GUEST_ACTIVITY_HLT; s.cap_misc &= ~(uint64_t)VMX_MISC_ACTIVITY_HLT)
CASE(activity_hlt_ss_dpl, multiboot, "GUEST_ACTIVITY_STATE", "needs SS.DPL = 0",
     s.activity = GUEST_ACTIVITY_HLT; s.seg[SEG_CS].ar = 0xc09f; s.seg[SEG_SS].ar = 0xc0f3)
CASE(activity_hlt_with_sti_blocking, multiboot, "GUEST_ACTIVITY_STATE", "must be active (0) with blocking",
     s.activity = GUEST_ACTIVITY_HLT; s.guest_rflags |= RFLAGS_IF; s.interruptibility = INTERRUPTIBILITY_STI)
CASE(wait_sipi_with_injection, realmode, "GUEST_ACTIVITY_STATE", "cannot take the injected event",
     s.activity = GUEST_ACTIVITY_WAIT_SIPI; s.guest_rflags |= RFLAGS_IF;
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x30)
CASE(irq_reserved, multiboot, "GUEST_INTERRUPTIBILITY_INFO", "reserved bits 31:5", s.interruptibility = BIT(5))
CASE(sti_and_movss, multiboot, "GUEST_INTERRUPTIBILITY_INFO", "must not both be 1",
     s.guest_rflags |= RFLAGS_IF; s.interruptibility = INTERRUPTIBILITY_STI_MOVSS)
CASE(sti_needs_if, multiboot, "GUEST_INTERRUPTIBILITY_INFO", "blocking by STI needs RFLAGS.IF = 1",
     s.interruptibility = INTERRUPTIBILITY_STI)
CASE(ext_intr_with_movss, multiboot, "GUEST_INTERRUPTIBILITY_INFO", "to inject an external interrupt",
     s.guest_rflags |= RFLAGS_IF; s.interruptibility = INTERRUPTIBILITY_MOVSS;
     s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x30)
CASE(nmi_with_movss, multiboot, "GUEST_INTERRUPTIBILITY_INFO", "MOV SS must be 0 to inject an NMI",
     s.interruptibility = INTERRUPTIBILITY_MOVSS; s.entry_intr_info = INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI)
CASE(smi_blocking, multiboot, "GUEST_INTERRUPTIBILITY_INFO", "blocking by SMI", s.interruptibility = INTERRUPTIBILITY_SMI)
CASE(pending_dbg_reserved, multiboot, "GUEST_PENDING_DBG_EXCEPTIONS", "reserved bits 11:4", s.pending_dbg = BIT(4))
CASE(pending_dbg_bs, multiboot, "GUEST_PENDING_DBG_EXCEPTIONS", "BS (bit 14) must be 1",
     s.guest_rflags |= RFLAGS_IF | RFLAGS_TF; s.interruptibility = INTERRUPTIBILITY_STI)
CASE(link_pointer, multiboot, "VMCS_LINK_POINTER", "must be 0xffffffffffffffff", s.link_pointer = 0)

#define T(name) cmocka_unit_test(name)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(multiboot_passes), T(realmode_passes), T(long64_passes), T(injections_that_pass),
		T(counts_every_failure),
		T(pin_must1), T(pin_must0), T(proc_must1), T(proc2_must0), T(cr3_target_count),
		T(io_bitmap_a_align), T(io_bitmap_b_width), T(msr_bitmap_align), T(tpr_threshold),
		T(virtual_apic_align), T(x2apic_needs_tpr_shadow), T(virtual_nmis_need_nmi_exiting),
		T(nmi_window_needs_virtual_nmis), T(apic_access_align), T(vpid_zero), T(eptp_memtype),
		T(eptp_walk), T(eptp_reserved), T(eptp_ad_unsupported), T(eptp_width),
		T(unrestricted_needs_ept),
		T(exit_must1), T(save_timer_needs_timer), T(exit_msr_store_align),
		T(entry_must0), T(entry_to_smm), T(inject_type1), T(inject_nmi_vector),
		T(inject_exception_vector), T(inject_gp_without_code), T(inject_ud_with_code),
		T(inject_code_in_real_mode), T(inject_reserved), T(inject_error_code_high),
		T(inject_soft_int_length), T(entry_msr_load_align),
		T(host_cr0_ne), T(host_cr4_vmxe), T(host_cr4_fixed1), T(host_cr3_width),
		T(host_sysenter_eip), T(host_efer_reserved), T(host_efer_lma), T(host_pat),
		T(host_ds_rpl), T(host_tr_ti), T(host_cs_null), T(host_tr_null), T(host_ss_null_32bit),
		T(host_gs_base), T(host_tr_base), T(host_addr_space_size), T(host_cr4_pae), T(host_rip),
		T(guest_cr0_ne), T(guest_cr0_pg_without_ug), T(guest_cr0_upper), T(guest_pg_without_pe),
		T(guest_cr4_vmxe), T(guest_cr4_fixed1), T(guest_debugctl), T(guest_dr7_upper),
		T(ia32e_needs_paging), T(pcide_outside_ia32e), T(guest_cr3_width),
		T(guest_sysenter_esp), T(guest_pat), T(guest_efer_reserved), T(guest_efer_lma),
		T(guest_efer_lme),
		T(tr_type), T(tr_type_ia32e), T(tr_system), T(tr_unusable), T(tr_present), T(tr_ti),
		T(tr_granularity), T(tr_base), T(ldtr_type), T(ldtr_ti), T(cs_accessed),
		T(cs_data_without_ug), T(cs_dpl), T(cs_conforming_dpl), T(cs_present), T(cs_reserved),
		T(cs_system), T(cs_l_and_db), T(cs_granularity_1), T(cs_granularity_0),
		T(cs_base_upper), T(ss_type), T(ss_rpl_without_ug), T(ss_dpl_real_mode),
		T(ds_accessed), T(es_code_unreadable), T(gs_system), T(ds_dpl_below_rpl), T(fs_base),
		T(es_base_upper), T(v86_base),
		T(gdtr_limit), T(idtr_base), T(rip_upper_32bit), T(rip_canonical_64bit),
		T(rflags_bit1), T(rflags_reserved), T(rflags_vm_real_mode), T(rflags_if_for_ext_intr),
		T(activity_range), T(activity_hlt_unsupported), T(activity_hlt_ss_dpl),
		T(activity_hlt_with_sti_blocking), T(wait_sipi_with_injection), T(irq_reserved),
		T(sti_and_movss), T(sti_needs_if), T(ext_intr_with_movss), T(nmi_with_movss),
		T(smi_blocking), T(pending_dbg_reserved), T(pending_dbg_bs), T(link_pointer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
