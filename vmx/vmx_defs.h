/*
 * vmx/vmx_defs.h - VMX architectural definitions with SDM names: the layout
 * of the VMX capability MSRs and one enum per VM-execution, VM-exit and
 * VM-entry control word, each in bit order.
 *
 * Context: any (kernel and host unit tests); definitions only, no code that
 * touches hardware. MSR numbers are in lib/msr.h.
 *
 * Sources (cite by title; section numbers move between SDM revisions):
 *   SDM Vol. 3C, "VM-Execution Control Fields" (pin-based, primary and
 *     secondary processor-based controls), "VM-Exit Control Fields",
 *     "VM-Entry Control Fields", "Discovering Support for VMX";
 *   SDM Vol. 3D, appendix "VMX Capability Reporting Facility": "Basic VMX
 *     Information", "Miscellaneous Data", "VMX-Fixed Bits in CR0",
 *     "VMX-Fixed Bits in CR4", "VMCS Enumeration", "VPID and EPT
 *     Capabilities", "VM Functions".
 * Names follow Linux (arch/x86/include/asm/vmx.h) and NOVA where they exist,
 * so a grep finds the same control in either code base. Bits 31..0 of each
 * control word are the bits of the VMCS field; the capability MSR reports
 * them twice (see vmx/caps.h).
 */
#ifndef CV_VMX_DEFS_H
#define CV_VMX_DEFS_H

#include "lib/types.h"
#include "lib/x86.h"

/* SDM Vol. 3C, "Discovering Support for VMX": CPUID.1:ECX.VMX[bit 5]. */

/*
 * IA32_VMX_BASIC (SDM Vol. 3D, "Basic VMX Information").
 */
#define VMX_BASIC_REVISION_ID_MASK	0x7fffffffULL	/* bits 30:0 */
#define VMX_BASIC_VMCS_SIZE_SHIFT	32		/* bits 44:32, bytes */
#define VMX_BASIC_VMCS_SIZE_MASK	0x1fffULL
#define VMX_BASIC_32BIT_PHYS_ADDR	BIT(48)	/* VMXON/VMCS/bitmaps below 4 GiB */
#define VMX_BASIC_DUAL_MONITOR		BIT(49)	/* dual-monitor treatment of SMM */
#define VMX_BASIC_MEM_TYPE_SHIFT	50		/* bits 53:50 */
#define VMX_BASIC_MEM_TYPE_MASK		0xfULL
#define VMX_BASIC_INOUT			BIT(54)	/* exit info for INS/OUTS */
#define VMX_BASIC_TRUE_CTLS		BIT(55)	/* IA32_VMX_TRUE_*_CTLS exist */
#define VMX_BASIC_NO_HW_ERRCODE_CHECK	BIT(56)	/* entry may inject any error code */

/* Memory types the VMCS/EPT structures may use ("Basic VMX Information"). */
#define VMX_MEMTYPE_UC			0
#define VMX_MEMTYPE_WB			6

static inline uint32_t vmx_basic_revision_id(uint64_t basic)
{
	return (uint32_t)(basic & VMX_BASIC_REVISION_ID_MASK);
}

static inline uint32_t vmx_basic_vmcs_size(uint64_t basic)
{
	return (uint32_t)((basic >> VMX_BASIC_VMCS_SIZE_SHIFT) &
			  VMX_BASIC_VMCS_SIZE_MASK);
}

static inline uint32_t vmx_basic_mem_type(uint64_t basic)
{
	return (uint32_t)((basic >> VMX_BASIC_MEM_TYPE_SHIFT) &
			  VMX_BASIC_MEM_TYPE_MASK);
}

/*
 * Pin-based VM-execution controls (SDM Vol. 3C, "Pin-Based VM-Execution
 * Controls"). Bits 1, 2 and 4 are reserved "default1" bits.
 */
enum vmx_pin_based_ctls {
	PIN_BASED_EXT_INTR_EXITING		= BIT(0),
	PIN_BASED_NMI_EXITING			= BIT(3),
	PIN_BASED_VIRTUAL_NMIS			= BIT(5),
	PIN_BASED_VMX_PREEMPTION_TIMER		= BIT(6),
	PIN_BASED_POSTED_INTR			= BIT(7),
};

/*
 * Primary processor-based VM-execution controls (SDM Vol. 3C,
 * "Processor-Based VM-Execution Controls", primary table). Bits 1, 4-6, 8,
 * 13-16 and 26 are "default1"; without TRUE controls CR3-load/store exiting
 * (15, 16) cannot be cleared.
 */
enum vmx_cpu_based_ctls {
	CPU_BASED_INTR_WINDOW_EXITING		= BIT(2),
	CPU_BASED_USE_TSC_OFFSETTING		= BIT(3),
	CPU_BASED_HLT_EXITING			= BIT(7),
	CPU_BASED_INVLPG_EXITING		= BIT(9),
	CPU_BASED_MWAIT_EXITING			= BIT(10),
	CPU_BASED_RDPMC_EXITING			= BIT(11),
	CPU_BASED_RDTSC_EXITING			= BIT(12),
	CPU_BASED_CR3_LOAD_EXITING		= BIT(15),
	CPU_BASED_CR3_STORE_EXITING		= BIT(16),
	CPU_BASED_ACTIVATE_TERTIARY_CONTROLS	= BIT(17),
	CPU_BASED_CR8_LOAD_EXITING		= BIT(19),
	CPU_BASED_CR8_STORE_EXITING		= BIT(20),
	CPU_BASED_TPR_SHADOW			= BIT(21),
	CPU_BASED_NMI_WINDOW_EXITING		= BIT(22),
	CPU_BASED_MOV_DR_EXITING		= BIT(23),
	CPU_BASED_UNCOND_IO_EXITING		= BIT(24),
	CPU_BASED_USE_IO_BITMAPS		= BIT(25),
	CPU_BASED_MONITOR_TRAP_FLAG		= BIT(27),
	CPU_BASED_USE_MSR_BITMAPS		= BIT(28),
	CPU_BASED_MONITOR_EXITING		= BIT(29),
	CPU_BASED_PAUSE_EXITING			= BIT(30),
	CPU_BASED_ACTIVATE_SECONDARY_CONTROLS	= BIT(31),
};

/*
 * Secondary processor-based VM-execution controls (SDM Vol. 3C,
 * "Processor-Based VM-Execution Controls", secondary table). They act only
 * while CPU_BASED_ACTIVATE_SECONDARY_CONTROLS is set. No default1 bits.
 */
enum vmx_secondary_exec_ctls {
	SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES	= BIT(0),
	SECONDARY_EXEC_ENABLE_EPT		= BIT(1),
	SECONDARY_EXEC_DESC_TABLE_EXITING	= BIT(2),
	SECONDARY_EXEC_ENABLE_RDTSCP		= BIT(3),
	SECONDARY_EXEC_VIRTUALIZE_X2APIC	= BIT(4),
	SECONDARY_EXEC_ENABLE_VPID		= BIT(5),
	SECONDARY_EXEC_WBINVD_EXITING		= BIT(6),
	SECONDARY_EXEC_UNRESTRICTED_GUEST	= BIT(7),
	SECONDARY_EXEC_APIC_REGISTER_VIRT	= BIT(8),
	SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY	= BIT(9),
	SECONDARY_EXEC_PAUSE_LOOP_EXITING	= BIT(10),
	SECONDARY_EXEC_RDRAND_EXITING		= BIT(11),
	SECONDARY_EXEC_ENABLE_INVPCID		= BIT(12),
	SECONDARY_EXEC_ENABLE_VMFUNC		= BIT(13),
	SECONDARY_EXEC_SHADOW_VMCS		= BIT(14),
	SECONDARY_EXEC_ENCLS_EXITING		= BIT(15),
	SECONDARY_EXEC_RDSEED_EXITING		= BIT(16),
	SECONDARY_EXEC_ENABLE_PML		= BIT(17),
	SECONDARY_EXEC_EPT_VIOLATION_VE		= BIT(18),
	SECONDARY_EXEC_PT_CONCEAL		= BIT(19),
	SECONDARY_EXEC_ENABLE_XSAVES		= BIT(20),
	SECONDARY_EXEC_MODE_BASED_EPT_EXEC	= BIT(22),
	SECONDARY_EXEC_SUBPAGE_WRITE		= BIT(23),
	SECONDARY_EXEC_PT_USE_GPA		= BIT(24),
	SECONDARY_EXEC_TSC_SCALING		= BIT(25),
	SECONDARY_EXEC_USER_WAIT_PAUSE		= BIT(26),
	SECONDARY_EXEC_ENABLE_PCONFIG		= BIT(27),
	SECONDARY_EXEC_ENCLV_EXITING		= BIT(28),
	SECONDARY_EXEC_BUS_LOCK_DETECTION	= BIT(30),
	SECONDARY_EXEC_NOTIFY_VM_EXITING	= BIT(31),
};

/*
 * VM-exit controls (SDM Vol. 3C, "VM-Exit Controls"). Bits 0-8, 10, 11, 13,
 * 14, 16 and 17 are "default1"; with TRUE controls bit 2 may be cleared.
 */
enum vmx_exit_ctls {
	VM_EXIT_SAVE_DEBUG_CONTROLS		= BIT(2),
	VM_EXIT_HOST_ADDR_SPACE_SIZE		= BIT(9),
	VM_EXIT_LOAD_PERF_GLOBAL_CTRL		= BIT(12),
	VM_EXIT_ACK_INTR_ON_EXIT		= BIT(15),
	VM_EXIT_SAVE_PAT			= BIT(18),
	VM_EXIT_LOAD_PAT			= BIT(19),
	VM_EXIT_SAVE_EFER			= BIT(20),
	VM_EXIT_LOAD_EFER			= BIT(21),
	VM_EXIT_SAVE_VMX_PREEMPTION_TIMER	= BIT(22),
	VM_EXIT_CLEAR_BNDCFGS			= BIT(23),
	VM_EXIT_PT_CONCEAL			= BIT(24),
	VM_EXIT_CLEAR_RTIT_CTL			= BIT(25),
	VM_EXIT_CLEAR_LBR_CTL			= BIT(26),
	VM_EXIT_CLEAR_UINV			= BIT(27),
	VM_EXIT_LOAD_CET_STATE			= BIT(28),
	VM_EXIT_LOAD_PKRS			= BIT(29),
	VM_EXIT_SAVE_PERF_GLOBAL_CTRL		= BIT(30),
	VM_EXIT_ACTIVATE_SECONDARY_CONTROLS	= BIT(31),
};

/*
 * VM-entry controls (SDM Vol. 3C, "VM-Entry Controls"). Bits 0-8 and 12 are
 * "default1"; with TRUE controls bit 2 may be cleared.
 */
enum vmx_entry_ctls {
	VM_ENTRY_LOAD_DEBUG_CONTROLS		= BIT(2),
	VM_ENTRY_IA32E_MODE_GUEST		= BIT(9),
	VM_ENTRY_TO_SMM				= BIT(10),
	VM_ENTRY_DEACTIVATE_DUAL_MONITOR	= BIT(11),
	VM_ENTRY_LOAD_PERF_GLOBAL_CTRL		= BIT(13),
	VM_ENTRY_LOAD_PAT			= BIT(14),
	VM_ENTRY_LOAD_EFER			= BIT(15),
	VM_ENTRY_LOAD_BNDCFGS			= BIT(16),
	VM_ENTRY_PT_CONCEAL			= BIT(17),
	VM_ENTRY_LOAD_RTIT_CTL			= BIT(18),
	VM_ENTRY_LOAD_UINV			= BIT(19),
	VM_ENTRY_LOAD_CET_STATE			= BIT(20),
	VM_ENTRY_LOAD_LBR_CTL			= BIT(21),
	VM_ENTRY_LOAD_PKRS			= BIT(22),
};

/*
 * IA32_VMX_MISC (SDM Vol. 3D, "Miscellaneous Data").
 */
#define VMX_MISC_PREEMPTION_TIMER_RATE_MASK 0x1fULL	/* bits 4:0 */
#define VMX_MISC_SAVE_EFER_LMA		BIT(5)	/* exit stores EFER.LMA in IA32E_MODE_GUEST */
#define VMX_MISC_ACTIVITY_HLT		BIT(6)
#define VMX_MISC_ACTIVITY_SHUTDOWN	BIT(7)
#define VMX_MISC_ACTIVITY_WAIT_SIPI	BIT(8)
#define VMX_MISC_INTEL_PT		BIT(14)	/* Intel PT usable in VMX operation */
#define VMX_MISC_RDMSR_SMBASE		BIT(15)	/* RDMSR of IA32_SMBASE in SMM */
#define VMX_MISC_CR3_TARGETS_SHIFT	16		/* bits 24:16 */
#define VMX_MISC_CR3_TARGETS_MASK	0x1ffULL
#define VMX_MISC_MAX_MSR_LIST_SHIFT	25		/* bits 27:25 */
#define VMX_MISC_MAX_MSR_LIST_MASK	0x7ULL
#define VMX_MISC_MSR_LIST_UNIT		512		/* recommended max = 512 * (N + 1) */
#define VMX_MISC_SMM_MONITOR_CTL_B2	BIT(28)	/* IA32_SMM_MONITOR_CTL bit 2 settable */
#define VMX_MISC_VMWRITE_EXIT_INFO	BIT(29)	/* VMWRITE to VM-exit information fields */
#define VMX_MISC_ZERO_LEN_INJECTION	BIT(30)	/* inject sw events with length 0 */
#define VMX_MISC_MSEG_REVISION_SHIFT	32		/* bits 63:32 */

/* The VMX-preemption timer counts down by 1 each time TSC bit N changes. */
static inline uint32_t vmx_misc_preemption_timer_rate(uint64_t misc)
{
	return (uint32_t)(misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);
}

static inline uint32_t vmx_misc_cr3_targets(uint64_t misc)
{
	return (uint32_t)((misc >> VMX_MISC_CR3_TARGETS_SHIFT) &
			  VMX_MISC_CR3_TARGETS_MASK);
}

/* Recommended maximum number of entries in each VM-exit/entry MSR list. */
static inline uint32_t vmx_misc_max_msr_list(uint64_t misc)
{
	uint32_t n = (uint32_t)((misc >> VMX_MISC_MAX_MSR_LIST_SHIFT) &
				VMX_MISC_MAX_MSR_LIST_MASK);

	return VMX_MISC_MSR_LIST_UNIT * (n + 1);
}

/*
 * IA32_VMX_VMCS_ENUM (SDM Vol. 3D, "VMCS Enumeration"): bits 9:1 give the
 * highest index value used in any VMCS field encoding.
 */
#define VMX_VMCS_ENUM_MAX_INDEX_SHIFT	1
#define VMX_VMCS_ENUM_MAX_INDEX_MASK	0x1ffULL

/*
 * IA32_VMX_EPT_VPID_CAP (SDM Vol. 3D, "VPID and EPT Capabilities"). The MSR
 * exists only if secondary controls exist and allow "enable EPT" or
 * "enable VPID".
 */
enum vmx_ept_vpid_cap {
	VMX_EPT_EXECUTE_ONLY			= BIT(0),
	VMX_EPT_PAGE_WALK_4			= BIT(6),
	VMX_EPT_PAGE_WALK_5			= BIT(7),
	VMX_EPT_MEMTYPE_UC			= BIT(8),
	VMX_EPT_MEMTYPE_WB			= BIT(14),
	VMX_EPT_2MB_PAGE			= BIT(16),
	VMX_EPT_1GB_PAGE			= BIT(17),
	VMX_EPT_INVEPT				= BIT(20),
	VMX_EPT_AD_BITS				= BIT(21),
	VMX_EPT_ADVANCED_EXIT_INFO		= BIT(22),
	VMX_EPT_SUPERVISOR_SHADOW_STACK		= BIT(23),
	VMX_EPT_INVEPT_SINGLE_CONTEXT		= BIT(25),
	VMX_EPT_INVEPT_ALL_CONTEXT		= BIT(26),
	VMX_VPID_INVVPID			= BIT(32),
	VMX_VPID_INVVPID_INDIVIDUAL_ADDR	= BIT(40),
	VMX_VPID_INVVPID_SINGLE_CONTEXT		= BIT(41),
	VMX_VPID_INVVPID_ALL_CONTEXT		= BIT(42),
	VMX_VPID_INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS = BIT(43),
};

/*
 * IA32_VMX_VMFUNC (SDM Vol. 3D, "VM Functions"): which VM functions may be
 * enabled. Exists only if secondary controls allow "enable VM functions".
 */
enum vmx_vmfunc_ctls {
	VMX_VMFUNC_EPTP_SWITCHING		= BIT(0),
};

#endif
