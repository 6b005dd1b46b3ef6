/*
 * vmx/entry_check.h - a software VM-entry checker: the SDM's VM-entry rules,
 * run over a copy of the VMCS before the CPU sees it.
 *
 * Context: two halves. entry_check() (vmx/entry_check.c) is pure C over a
 * struct vmcs_snapshot: no VMREAD, built for the host too and unit-tested
 * (tests/unit/test_entry_check.c). vmcs_snapshot_read() (vmx/entry_check_read.c)
 * fills the snapshot from the current VMCS, vmx_caps and CPUID (kernel only).
 *
 * Why: emulators are lenient (Bochs does not check everything), and the
 * CPU's own diagnosis is a bare number (VMfailValid 7/8, exit 33 with
 * qualification 0). The checker names the field and the rule, e.g.
 *   guest TR access rights (GUEST_TR_AR_BYTES): type must be 11 (busy
 *   32/64-bit TSS), is 9 (SDM Vol. 3C, "Checks on Guest Segment Registers")
 *
 * Rules: SDM Vol. 3C, "Checks on VMX Controls and Host-State Area" and
 * "Checks on the Guest State Area", for the features chronovisor uses
 * (vmx/entry_check.c lists what is left out). Processors are assumed to
 * support Intel 64 (every chronovisor host does).
 */
#ifndef CV_ENTRY_CHECK_H
#define CV_ENTRY_CHECK_H

#include "lib/types.h"

/* Guest segment registers, in the order of their VMCS encodings. */
enum snap_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, NUM_SNAP_SEGS };

struct snap_segment {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t ar;          /* access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16 */
};

struct vmcs_snapshot {
	/* ---- what the CPU allows (vmx/caps.h: TRUE_* MSRs where they exist) ---- */
	uint64_t cap_basic, cap_pin, cap_proc, cap_proc2, cap_exit, cap_entry;
	uint64_t cap_misc, cap_ept_vpid;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint32_t phys_addr_bits;      /* MAXPHYADDR, CPUID.80000008H:EAX[7:0] */
	bool host_ia32e;              /* the logical processor is in IA-32e mode (host EFER.LMA) */

	/* ---- VM-execution, VM-exit and VM-entry control fields ---- */
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t cr3_target_count;
	uint64_t io_bitmap_a, io_bitmap_b, msr_bitmap;
	uint64_t virtual_apic_page, apic_access_addr;
	uint32_t tpr_threshold;
	uint64_t eptp;
	uint16_t vpid;
	uint32_t exit_msr_store_count, exit_msr_load_count, entry_msr_load_count;
	uint64_t exit_msr_store_addr, exit_msr_load_addr, entry_msr_load_addr;
	uint32_t entry_intr_info, entry_exception_error_code, entry_instruction_len;

	/* ---- host-state area ---- */
	uint64_t host_cr0, host_cr3, host_cr4;
	uint16_t host_es, host_cs, host_ss, host_ds, host_fs, host_gs, host_tr;
	uint64_t host_fs_base, host_gs_base, host_tr_base, host_gdtr_base, host_idtr_base;
	uint64_t host_sysenter_esp, host_sysenter_eip, host_rip;
	uint64_t host_pat, host_efer;

	/* ---- guest-state area ---- */
	uint64_t guest_cr0, guest_cr3, guest_cr4, guest_dr7;
	uint64_t guest_debugctl, guest_pat, guest_efer;
	uint64_t guest_sysenter_esp, guest_sysenter_eip;
	struct snap_segment seg[NUM_SNAP_SEGS];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint64_t guest_rip, guest_rflags;
	uint32_t interruptibility, activity;
	uint64_t pending_dbg;
	uint64_t link_pointer;
};

/* What entry_check() found: the first failure in the SDM's order (the one
 * the CPU would most likely report) and how many rules failed in all. */
struct entry_check_result {
	unsigned failures;
	unsigned rules;               /* rules evaluated (each counted once per check) */
	const char *field;            /* the first failure's VMCS field, as the dump names it */
	const char *section;          /* its SDM Vol. 3C section title */
	char msg[256];                /* "what (FIELD): rule, is value (SDM Vol. 3C, "section")" */
};

/* Run every rule on s. Returns true when nothing failed. */
bool entry_check(const struct vmcs_snapshot *s, struct entry_check_result *r);

/* Kernel only (vmx/entry_check_read.c): s from the current VMCS, vmx_caps
 * and this pCPU. */
void vmcs_snapshot_read(struct vmcs_snapshot *s);

#endif
