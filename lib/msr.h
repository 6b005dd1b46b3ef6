/*
 * lib/msr.h - architectural MSR numbers and bits, with SDM names.
 *
 * Context: kernel. Numbers from SDM Vol. 4, "Model-Specific Registers",
 * table "IA-32 Architectural MSRs". VMX capability MSRs are here too; the
 * meaning of their bits is in vmx/vmx_defs.h.
 */
#ifndef CV_MSR_H
#define CV_MSR_H

#define MSR_IA32_TIME_STAMP_COUNTER    0x00000010
#define MSR_IA32_APIC_BASE             0x0000001B
#define MSR_IA32_FEATURE_CONTROL       0x0000003A
#define MSR_IA32_TSC_ADJUST            0x0000003B
#define MSR_IA32_SYSENTER_CS           0x00000174
#define MSR_IA32_SYSENTER_ESP          0x00000175
#define MSR_IA32_SYSENTER_EIP          0x00000176
#define MSR_IA32_PRED_CMD              0x00000049   /* write-only: bit 0 = IBPB */
#define MSR_IA32_BIOS_SIGN_ID          0x0000008B
#define MSR_IA32_MISC_ENABLE           0x000001A0
#define MSR_IA32_MTRRCAP               0x000000FE   /* VCNT 7:0, FIX bit 8, WC bit 10 */
#define MSR_IA32_MTRR_PHYSBASE0        0x00000200   /* PHYSBASEn = 0x200 + 2n, PHYSMASKn = 0x201 + 2n */
#define MSR_IA32_MTRR_FIX64K_00000     0x00000250
#define MSR_IA32_MTRR_FIX16K_80000     0x00000258
#define MSR_IA32_MTRR_FIX16K_A0000     0x00000259
#define MSR_IA32_MTRR_FIX4K_C0000      0x00000268   /* .. FIX4K_F8000 = 0x26F */
/* IA32_MISC_ENABLE bits (SDM Vol. 4, "IA-32 Architectural MSRs") */
#define MISC_ENABLE_FAST_STRINGS       0x1ULL           /* bit 0 */
#define MISC_ENABLE_BTS_UNAVAIL        0x800ULL         /* bit 11, read-only */
#define MISC_ENABLE_PEBS_UNAVAIL       0x1000ULL        /* bit 12, read-only */
#define MISC_ENABLE_LIMIT_CPUID        0x400000ULL      /* bit 22: CPUID.0:EAX at most 2 */
#define MSR_IA32_MCG_CAP               0x00000179
#define MSR_IA32_MCG_STATUS            0x0000017A
#define MSR_IA32_MCG_CTL               0x0000017B
#define MSR_IA32_MC0_CTL               0x00000400   /* bank i: CTL STATUS ADDR MISC at 0x400 + 4i */
#define MSR_IA32_MC0_CTL2              0x00000280   /* bank i: 0x280 + i (with CMCI) */
#define MSR_IA32_DS_AREA               0x00000600
#define MSR_IA32_PAT                   0x00000277
#define MSR_IA32_MTRR_DEF_TYPE         0x000002FF   /* type 7:0, FE bit 10, E bit 11 */
#define MSR_IA32_TSC_DEADLINE          0x000006E0
#define MSR_X2APIC_FIRST               0x00000800   /* x2APIC registers: 0x800 + offset / 16 */
#define MSR_X2APIC_LAST                0x000008FF
#define MSR_X2APIC_ICR                 0x00000830   /* the 64-bit ICR */

#define MSR_IA32_VMX_BASIC             0x00000480
#define MSR_IA32_VMX_PINBASED_CTLS     0x00000481
#define MSR_IA32_VMX_PROCBASED_CTLS    0x00000482
#define MSR_IA32_VMX_EXIT_CTLS         0x00000483
#define MSR_IA32_VMX_ENTRY_CTLS        0x00000484
#define MSR_IA32_VMX_MISC              0x00000485
#define MSR_IA32_VMX_CR0_FIXED0        0x00000486
#define MSR_IA32_VMX_CR0_FIXED1        0x00000487
#define MSR_IA32_VMX_CR4_FIXED0        0x00000488
#define MSR_IA32_VMX_CR4_FIXED1        0x00000489
#define MSR_IA32_VMX_VMCS_ENUM         0x0000048A
#define MSR_IA32_VMX_PROCBASED_CTLS2   0x0000048B
#define MSR_IA32_VMX_EPT_VPID_CAP      0x0000048C
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x0000048D
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048E
#define MSR_IA32_VMX_TRUE_EXIT_CTLS    0x0000048F
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS   0x00000490
#define MSR_IA32_VMX_VMFUNC            0x00000491

#define MSR_IA32_EFER                  0xC0000080
#define MSR_IA32_STAR                  0xC0000081
#define MSR_IA32_LSTAR                 0xC0000082
#define MSR_IA32_CSTAR                 0xC0000083
#define MSR_IA32_FMASK                 0xC0000084
#define MSR_IA32_FS_BASE               0xC0000100
#define MSR_IA32_GS_BASE               0xC0000101
#define MSR_IA32_KERNEL_GS_BASE        0xC0000102
#define MSR_IA32_TSC_AUX               0xC0000103

/* IA32_FEATURE_CONTROL bits (SDM Vol. 3C, "Enabling and Entering VMX Operation") */
#define FEATURE_CONTROL_LOCK           (1ULL << 0)
#define FEATURE_CONTROL_VMX_IN_SMX     (1ULL << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ULL << 2)

/* IA32_EFER bits */
#define EFER_SCE                       (1ULL << 0)
#define EFER_LME                       (1ULL << 8)
#define EFER_LMA                       (1ULL << 10)
#define EFER_NXE                       (1ULL << 11)

#define PRED_CMD_IBPB                  (1ULL << 0)  /* indirect branch prediction barrier */

/* IA32_DEBUGCTL bits (SDM Vol. 3B, "IA32_DEBUGCTL MSR"): 5:2 and 63:16 reserved */
#define DEBUGCTL_BTF                   (1ULL << 1)
#define DEBUGCTL_RESERVED              (~0ULL << 16 | 0x3cULL)

#endif
