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
 * Each control word and capability below is one X-macro, X(PREFIX, NAME, BIT),
 * in bit order: it makes the enum (PREFIX##NAME = BIT(bit)) here, and the
 * names the capability report prints (vmx/caps_decode.c), so a bit is
 * written once. Which of them chronovisor requires, uses or only reports is
 * the one feature table, vmx/caps_decode.c:vmx_features.
 */
#define VMX_BIT_ENUM(prefix, name, bit) prefix##name = BIT(bit),

/*
 * Pin-based VM-execution controls (SDM Vol. 3C, "Pin-Based VM-Execution
 * Controls"). Bits 1, 2 and 4 are reserved "default1" bits.
 */
#define VMX_PIN_BASED_BITS(X) \
	X(PIN_BASED_, EXT_INTR_EXITING, 0)      \
	X(PIN_BASED_, NMI_EXITING, 3)           \
	X(PIN_BASED_, VIRTUAL_NMIS, 5)          \
	X(PIN_BASED_, VMX_PREEMPTION_TIMER, 6)  \
	X(PIN_BASED_, POSTED_INTR, 7)
enum vmx_pin_based_ctls {
	VMX_PIN_BASED_BITS(VMX_BIT_ENUM)
};

/*
 * Primary processor-based VM-execution controls (SDM Vol. 3C,
 * "Processor-Based VM-Execution Controls", primary table). Bits 1, 4-6, 8,
 * 13-16 and 26 are "default1"; without TRUE controls CR3-load/store exiting
 * (15, 16) cannot be cleared.
 */
#define VMX_CPU_BASED_BITS(X) \
	X(CPU_BASED_, INTR_WINDOW_EXITING, 2)           \
	X(CPU_BASED_, USE_TSC_OFFSETTING, 3)            \
	X(CPU_BASED_, HLT_EXITING, 7)                   \
	X(CPU_BASED_, INVLPG_EXITING, 9)                \
	X(CPU_BASED_, MWAIT_EXITING, 10)                \
	X(CPU_BASED_, RDPMC_EXITING, 11)                \
	X(CPU_BASED_, RDTSC_EXITING, 12)                \
	X(CPU_BASED_, CR3_LOAD_EXITING, 15)             \
	X(CPU_BASED_, CR3_STORE_EXITING, 16)            \
	X(CPU_BASED_, ACTIVATE_TERTIARY_CONTROLS, 17)   \
	X(CPU_BASED_, CR8_LOAD_EXITING, 19)             \
	X(CPU_BASED_, CR8_STORE_EXITING, 20)            \
	X(CPU_BASED_, TPR_SHADOW, 21)                   \
	X(CPU_BASED_, NMI_WINDOW_EXITING, 22)           \
	X(CPU_BASED_, MOV_DR_EXITING, 23)               \
	X(CPU_BASED_, UNCOND_IO_EXITING, 24)            \
	X(CPU_BASED_, USE_IO_BITMAPS, 25)               \
	X(CPU_BASED_, MONITOR_TRAP_FLAG, 27)            \
	X(CPU_BASED_, USE_MSR_BITMAPS, 28)              \
	X(CPU_BASED_, MONITOR_EXITING, 29)              \
	X(CPU_BASED_, PAUSE_EXITING, 30)                \
	X(CPU_BASED_, ACTIVATE_SECONDARY_CONTROLS, 31)
enum vmx_cpu_based_ctls {
	VMX_CPU_BASED_BITS(VMX_BIT_ENUM)
};

/*
 * Secondary processor-based VM-execution controls (SDM Vol. 3C,
 * "Processor-Based VM-Execution Controls", secondary table). They act only
 * while CPU_BASED_ACTIVATE_SECONDARY_CONTROLS is set. No default1 bits.
 */
#define VMX_SECONDARY_EXEC_BITS(X) \
	X(SECONDARY_EXEC_, VIRTUALIZE_APIC_ACCESSES, 0)  \
	X(SECONDARY_EXEC_, ENABLE_EPT, 1)                \
	X(SECONDARY_EXEC_, DESC_TABLE_EXITING, 2)        \
	X(SECONDARY_EXEC_, ENABLE_RDTSCP, 3)             \
	X(SECONDARY_EXEC_, VIRTUALIZE_X2APIC, 4)         \
	X(SECONDARY_EXEC_, ENABLE_VPID, 5)               \
	X(SECONDARY_EXEC_, WBINVD_EXITING, 6)            \
	X(SECONDARY_EXEC_, UNRESTRICTED_GUEST, 7)        \
	X(SECONDARY_EXEC_, APIC_REGISTER_VIRT, 8)        \
	X(SECONDARY_EXEC_, VIRTUAL_INTR_DELIVERY, 9)     \
	X(SECONDARY_EXEC_, PAUSE_LOOP_EXITING, 10)       \
	X(SECONDARY_EXEC_, RDRAND_EXITING, 11)           \
	X(SECONDARY_EXEC_, ENABLE_INVPCID, 12)           \
	X(SECONDARY_EXEC_, ENABLE_VMFUNC, 13)            \
	X(SECONDARY_EXEC_, SHADOW_VMCS, 14)              \
	X(SECONDARY_EXEC_, ENCLS_EXITING, 15)            \
	X(SECONDARY_EXEC_, RDSEED_EXITING, 16)           \
	X(SECONDARY_EXEC_, ENABLE_PML, 17)               \
	X(SECONDARY_EXEC_, EPT_VIOLATION_VE, 18)         \
	X(SECONDARY_EXEC_, PT_CONCEAL, 19)               \
	X(SECONDARY_EXEC_, ENABLE_XSAVES, 20)            \
	X(SECONDARY_EXEC_, MODE_BASED_EPT_EXEC, 22)      \
	X(SECONDARY_EXEC_, SUBPAGE_WRITE, 23)            \
	X(SECONDARY_EXEC_, PT_USE_GPA, 24)               \
	X(SECONDARY_EXEC_, TSC_SCALING, 25)              \
	X(SECONDARY_EXEC_, USER_WAIT_PAUSE, 26)          \
	X(SECONDARY_EXEC_, ENABLE_PCONFIG, 27)           \
	X(SECONDARY_EXEC_, ENCLV_EXITING, 28)            \
	X(SECONDARY_EXEC_, BUS_LOCK_DETECTION, 30)       \
	X(SECONDARY_EXEC_, NOTIFY_VM_EXITING, 31)
enum vmx_secondary_exec_ctls {
	VMX_SECONDARY_EXEC_BITS(VMX_BIT_ENUM)
};

/* apicv=on: the three controls of SDM Vol. 3C, "APIC Virtualization and
 * Virtual Interrupts", always together (vmx/vmcs_setup.c). */
#define APICV_SECONDARY_BITS (SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES | \
			      SECONDARY_EXEC_APIC_REGISTER_VIRT | SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY)

/*
 * VM-exit controls (SDM Vol. 3C, "VM-Exit Controls"). Bits 0-8, 10, 11, 13,
 * 14, 16 and 17 are "default1"; with TRUE controls bit 2 may be cleared.
 */
#define VMX_EXIT_BITS(X) \
	X(VM_EXIT_, SAVE_DEBUG_CONTROLS, 2)           \
	X(VM_EXIT_, HOST_ADDR_SPACE_SIZE, 9)          \
	X(VM_EXIT_, LOAD_PERF_GLOBAL_CTRL, 12)        \
	X(VM_EXIT_, ACK_INTR_ON_EXIT, 15)             \
	X(VM_EXIT_, SAVE_PAT, 18)                     \
	X(VM_EXIT_, LOAD_PAT, 19)                     \
	X(VM_EXIT_, SAVE_EFER, 20)                    \
	X(VM_EXIT_, LOAD_EFER, 21)                    \
	X(VM_EXIT_, SAVE_VMX_PREEMPTION_TIMER, 22)    \
	X(VM_EXIT_, CLEAR_BNDCFGS, 23)                \
	X(VM_EXIT_, PT_CONCEAL, 24)                   \
	X(VM_EXIT_, CLEAR_RTIT_CTL, 25)               \
	X(VM_EXIT_, CLEAR_LBR_CTL, 26)                \
	X(VM_EXIT_, CLEAR_UINV, 27)                   \
	X(VM_EXIT_, LOAD_CET_STATE, 28)               \
	X(VM_EXIT_, LOAD_PKRS, 29)                    \
	X(VM_EXIT_, SAVE_PERF_GLOBAL_CTRL, 30)        \
	X(VM_EXIT_, ACTIVATE_SECONDARY_CONTROLS, 31)
enum vmx_exit_ctls {
	VMX_EXIT_BITS(VMX_BIT_ENUM)
};

/*
 * VM-entry controls (SDM Vol. 3C, "VM-Entry Controls"). Bits 0-8 and 12 are
 * "default1"; with TRUE controls bit 2 may be cleared.
 */
#define VMX_ENTRY_BITS(X) \
	X(VM_ENTRY_, LOAD_DEBUG_CONTROLS, 2)       \
	X(VM_ENTRY_, IA32E_MODE_GUEST, 9)          \
	X(VM_ENTRY_, TO_SMM, 10)                   \
	X(VM_ENTRY_, DEACTIVATE_DUAL_MONITOR, 11)  \
	X(VM_ENTRY_, LOAD_PERF_GLOBAL_CTRL, 13)    \
	X(VM_ENTRY_, LOAD_PAT, 14)                 \
	X(VM_ENTRY_, LOAD_EFER, 15)                \
	X(VM_ENTRY_, LOAD_BNDCFGS, 16)             \
	X(VM_ENTRY_, PT_CONCEAL, 17)               \
	X(VM_ENTRY_, LOAD_RTIT_CTL, 18)            \
	X(VM_ENTRY_, LOAD_UINV, 19)                \
	X(VM_ENTRY_, LOAD_CET_STATE, 20)           \
	X(VM_ENTRY_, LOAD_LBR_CTL, 21)             \
	X(VM_ENTRY_, LOAD_PKRS, 22)
enum vmx_entry_ctls {
	VMX_ENTRY_BITS(VMX_BIT_ENUM)
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
#define VMX_EPT_VPID_BITS(X) \
	X(VMX_EPT_, EXECUTE_ONLY, 0)                                \
	X(VMX_EPT_, PAGE_WALK_4, 6)                                 \
	X(VMX_EPT_, PAGE_WALK_5, 7)                                 \
	X(VMX_EPT_, MEMTYPE_UC, 8)                                  \
	X(VMX_EPT_, MEMTYPE_WB, 14)                                 \
	X(VMX_EPT_, 2MB_PAGE, 16)                                   \
	X(VMX_EPT_, 1GB_PAGE, 17)                                   \
	X(VMX_EPT_, INVEPT, 20)                                     \
	X(VMX_EPT_, AD_BITS, 21)                                    \
	X(VMX_EPT_, ADVANCED_EXIT_INFO, 22)                         \
	X(VMX_EPT_, SUPERVISOR_SHADOW_STACK, 23)                    \
	X(VMX_EPT_, INVEPT_SINGLE_CONTEXT, 25)                      \
	X(VMX_EPT_, INVEPT_ALL_CONTEXT, 26)                         \
	X(VMX_VPID_, INVVPID, 32)                                   \
	X(VMX_VPID_, INVVPID_INDIVIDUAL_ADDR, 40)                   \
	X(VMX_VPID_, INVVPID_SINGLE_CONTEXT, 41)                    \
	X(VMX_VPID_, INVVPID_ALL_CONTEXT, 42)                       \
	X(VMX_VPID_, INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS, 43)
enum vmx_ept_vpid_cap {
	VMX_EPT_VPID_BITS(VMX_BIT_ENUM)
};

/*
 * IA32_VMX_VMFUNC (SDM Vol. 3D, "VM Functions"): which VM functions may be
 * enabled. Exists only if secondary controls allow "enable VM functions".
 */
#define VMX_VMFUNC_BITS(X) \
	X(VMX_VMFUNC_, EPTP_SWITCHING, 0)
enum vmx_vmfunc_ctls {
	VMX_VMFUNC_BITS(VMX_BIT_ENUM)
};

/*
 * Segment access rights as the VMCS holds them (SDM Vol. 3C, "Guest Register
 * State"): type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15,
 * unusable 16; 11:8 and 31:17 reserved.
 */
#define VMX_AR_TYPE_MASK	0xfu
#define VMX_AR_TYPE_ACCESSED	0x1u	/* code and data: accessed */
#define VMX_AR_TYPE_READABLE	0x2u	/* code: readable (data: writable) */
#define VMX_AR_TYPE_CODE	0x8u
#define VMX_AR_S		BIT(4)	/* code or data, not system */
#define VMX_AR_DPL_SHIFT	5
#define VMX_AR_DPL_MASK		0x3u
#define VMX_AR_P		BIT(7)
#define VMX_AR_L		BIT(13)	/* 64-bit code */
#define VMX_AR_DB		BIT(14)
#define VMX_AR_G		BIT(15)
#define VMX_AR_UNUSABLE		BIT(16)
#define VMX_AR_RESERVED		0xfffe0f00u

/* Guest activity state (SDM Vol. 3C, "Guest Non-Register State"). */
#define GUEST_ACTIVITY_ACTIVE		0
#define GUEST_ACTIVITY_HLT		1
#define GUEST_ACTIVITY_SHUTDOWN		2
#define GUEST_ACTIVITY_WAIT_SIPI	3

/* VMCS link pointer without VMCS shadowing: ~0 (SDM Vol. 3C, "Checks on
 * Guest Non-Register State"). */
#define VMCS_LINK_POINTER_NONE		(~0ULL)

#endif
