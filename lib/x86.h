/*
 * lib/x86.h - architectural constants of x86-64, each written once.
 *
 * Context: any layer, and host unit tests (constants only: no instruction,
 * no hardware access; the accessors are kernel/arch.h). Names follow the
 * SDM and Linux (arch/x86/include/asm/processor-flags.h) so that a reader
 * can grep across both. MSR numbers and EFER bits are lib/msr.h; VMX
 * encodings are vmx/.
 */
#ifndef CV_X86_H
#define CV_X86_H

#include "lib/types.h"

/* CR0, SDM Vol. 3A, "Control Registers" */
#define CR0_PE              BIT(0)     /* protected mode */
#define CR0_MP              BIT(1)
#define CR0_EM              BIT(2)
#define CR0_TS              BIT(3)
#define CR0_ET              BIT(4)     /* always 1 since the i486 */
#define CR0_NE              BIT(5)     /* native x87 errors; VMX requires it */
#define CR0_WP              BIT(16)
#define CR0_AM              BIT(18)
#define CR0_NW              BIT(29)
#define CR0_CD              BIT(30)
#define CR0_PG              BIT(31)

/* CR4, SDM Vol. 3A, "Control Registers" */
#define CR4_VME             BIT(0)
#define CR4_PVI             BIT(1)
#define CR4_TSD             BIT(2)
#define CR4_DE              BIT(3)
#define CR4_PSE             BIT(4)
#define CR4_PAE             BIT(5)
#define CR4_MCE             BIT(6)
#define CR4_PGE             BIT(7)
#define CR4_PCE             BIT(8)
#define CR4_OSFXSR          BIT(9)
#define CR4_OSXMMEXCPT      BIT(10)
#define CR4_UMIP            BIT(11)
#define CR4_LA57            BIT(12)
#define CR4_VMXE            BIT(13)
#define CR4_SMXE            BIT(14)
#define CR4_FSGSBASE        BIT(16)
#define CR4_PCIDE           BIT(17)
#define CR4_OSXSAVE         BIT(18)
#define CR4_KL              BIT(19)
#define CR4_SMEP            BIT(20)    /* no supervisor execution of user pages */
#define CR4_SMAP            BIT(21)    /* no supervisor access to user pages */
#define CR4_PKE             BIT(22)
#define CR4_CET             BIT(23)
#define CR4_PKS             BIT(24)
#define CR4_UINTR           BIT(25)
#define CR4_LAM_SUP         BIT(28)

/* XCR0 state components, SDM Vol. 1, "XSAVE-Supported Features and
 * State-Component Bitmaps" */
#define XFEATURE_X87        BIT(0)
#define XFEATURE_SSE        BIT(1)
#define XFEATURE_YMM        BIT(2)     /* AVX: upper halves of YMM0-15 */
#define XFEATURE_BNDREGS    BIT(3)     /* MPX */
#define XFEATURE_BNDCSR     BIT(4)
#define XFEATURE_OPMASK     BIT(5)     /* AVX-512: k0-k7 */
#define XFEATURE_ZMM_HI256  BIT(6)     /* AVX-512: upper halves of ZMM0-15 */
#define XFEATURE_HI16_ZMM   BIT(7)     /* AVX-512: ZMM16-31 */
#define XFEATURE_AVX512     (XFEATURE_OPMASK | XFEATURE_ZMM_HI256 | XFEATURE_HI16_ZMM)
#define XFEATURE_PKRU       BIT(9)
#define XFEATURE_AMX        (BIT(17) | BIT(18))

/* Debug registers at reset, SDM Vol. 3B, "Debug Registers" */
#define DR6_INIT            0xFFFF0FF0ULL
#define DR7_INIT            0x400ULL

/* RFLAGS, SDM Vol. 1, "EFLAGS Register" */
#define RFLAGS_RESERVED1    BIT(1)     /* always 1; VM entry checks it */
#define RFLAGS_TF           BIT(8)     /* single-step */
#define RFLAGS_IF           BIT(9)
#define RFLAGS_VM           BIT(17)    /* virtual-8086 mode */
/* bits 63:22, 15, 5 and 3 are reserved (0); VM entry checks them */
#define RFLAGS_RESERVED0    (~0ULL << 22 | BIT(15) | BIT(5) | BIT(3))

/* Exception and interrupt vectors, SDM Vol. 3A, "Exception and Interrupt Reference" */
#define VEC_DE              0
#define VEC_DB              1
#define VEC_NMI             2
#define VEC_BP              3
#define VEC_UD              6
#define VEC_DF              8
#define VEC_GP              13
#define VEC_PF              14
#define VEC_AC              17
#define VEC_MC              18
#define VEC_FIRST_EXTERNAL  32         /* 0-31 are the CPU's own */

/* IA32_APIC_BASE (MSR 0x1B), SDM Vol. 3A, "Local APIC Status and Location" */
#define APIC_BASE_BSP       BIT(8)
#define APIC_BASE_EXTD      BIT(10)    /* x2APIC mode */
#define APIC_BASE_ENABLE    BIT(11)    /* APIC global enable */
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ULL
#define APIC_DEFAULT_PHYS   0xFEE00000ULL

/* Local APIC registers (SDM Vol. 3A, "Local APIC Register Address Map"):
 * xAPIC byte offsets in the 4 KiB page, one 32-bit register per 16 bytes;
 * in x2APIC mode register offset OFF is MSR 0x800 + OFF / 16 ("x2APIC
 * Register Address Space"), and the ICR is one 64-bit MSR. */
#define APIC_REG_ID             0x020
#define APIC_REG_VERSION        0x030
#define APIC_REG_TPR            0x080
#define APIC_REG_APR            0x090   /* xAPIC only */
#define APIC_REG_PPR            0x0A0
#define APIC_REG_EOI            0x0B0
#define APIC_REG_RRD            0x0C0   /* xAPIC only */
#define APIC_REG_LDR            0x0D0
#define APIC_REG_DFR            0x0E0   /* xAPIC only */
#define APIC_REG_SVR            0x0F0
#define APIC_REG_ISR            0x100   /* 8 registers 0x10 apart: vectors 32*i..32*i+31 */
#define APIC_REG_TMR            0x180
#define APIC_REG_IRR            0x200
#define APIC_REG_ESR            0x280
#define APIC_REG_LVT_CMCI       0x2F0
#define APIC_REG_ICR_LOW        0x300
#define APIC_REG_ICR_HIGH       0x310   /* xAPIC only */
#define APIC_REG_LVT_TIMER      0x320
#define APIC_REG_LVT_THERMAL    0x330
#define APIC_REG_LVT_PERF       0x340
#define APIC_REG_LVT_LINT0      0x350
#define APIC_REG_LVT_LINT1      0x360
#define APIC_REG_LVT_ERROR      0x370
#define APIC_REG_TIMER_INITIAL  0x380
#define APIC_REG_TIMER_CURRENT  0x390
#define APIC_REG_TIMER_DIVIDE   0x3E0
#define APIC_REG_SELF_IPI       0x3F0   /* x2APIC only */
#define APIC_REG_SLOT           16u     /* bytes between two registers */
#define APIC_REG_BYTES          4u
#define APIC_REG_WORDS          8u      /* ISR, TMR, IRR: 8 x 32 bits */

#define APIC_XAPIC_ID_SHIFT     24      /* xAPIC ID, LDR, ICR destination: bits 31:24 */
#define APIC_TPR_CLASS(x)       (((x) >> 4) & 0xFu)     /* priority class of a vector or TPR */
#define APIC_SVR_VECTOR_MASK    0xFFu
#define APIC_SVR_ENABLE         BIT(8)  /* APIC software enable */
#define APIC_SVR_FOCUS_DISABLE  BIT(9)
#define APIC_DFR_FLAT           0xFu    /* DFR[31:28]: flat model; 0x0: cluster model */
/* ESR bits, SDM Vol. 3A, "Error Handling" */
#define APIC_ESR_SEND_ILLEGAL   BIT(5)
#define APIC_ESR_RECV_ILLEGAL   BIT(6)
#define APIC_ESR_ILLEGAL_REG    BIT(7)

/* ICR and LVT fields, SDM Vol. 3A, "Interrupt Command Register (ICR)" and
 * "Local Vector Table" */
#define APIC_VECTOR_MASK        0xFFu
#define APIC_DM_SHIFT           8       /* delivery mode 10:8 */
#define APIC_DM_MASK            (7u << 8)
#define APIC_DM_FIXED           0u
#define APIC_DM_LOWEST          1u
#define APIC_DM_SMI             2u
#define APIC_DM_NMI             4u
#define APIC_DM_INIT            5u
#define APIC_DM_STARTUP         6u
#define APIC_DM_EXTINT          7u
#define APIC_ICR_DEST_LOGICAL   BIT(11)
#define APIC_DELIVERY_STATUS    BIT(12) /* ICR and LVT: send pending (read-only) */
#define APIC_LVT_POLARITY       BIT(13)
#define APIC_LVT_REMOTE_IRR     BIT(14)
#define APIC_ICR_LEVEL_ASSERT   BIT(14)
#define APIC_TRIGGER_LEVEL      BIT(15)
#define APIC_LVT_MASKED         BIT(16)
#define APIC_SHORTHAND_SHIFT    18      /* ICR destination shorthand 19:18 */
#define APIC_SHORTHAND_NONE     0u
#define APIC_SHORTHAND_SELF     1u
#define APIC_SHORTHAND_ALL      2u
#define APIC_SHORTHAND_OTHERS   3u
#define APIC_TIMER_MODE_SHIFT   17      /* LVT timer mode 18:17, "APIC Timer" */
#define APIC_TIMER_MODE_MASK    (3u << 17)
#define APIC_TIMER_ONESHOT      0u
#define APIC_TIMER_PERIODIC     1u
#define APIC_TIMER_TSC_DEADLINE 2u
#define APIC_XAPIC_BROADCAST    0xFFu
#define APIC_X2APIC_BROADCAST   0xFFFFFFFFu

/* The VM-entry interruption-information field and the IDT-vectoring and
 * VM-exit interruption-information fields share this layout (SDM Vol. 3C,
 * "VM-Entry Controls for Event Injection" and "Information for VM Exits
 * Due to Vectored Events"): vector 7:0, type 10:8, error code valid 11,
 * NMI unblocking due to IRET 12, valid 31. */
#define INTR_INFO_VECTOR_MASK       0xFFu
#define INTR_INFO_TYPE_SHIFT        8
#define INTR_INFO_TYPE_MASK         (7u << 8)
#define INTR_INFO_DELIVER_CODE      BIT(11)
#define INTR_INFO_NMI_UNBLOCK_IRET  BIT(12)
#define INTR_INFO_VALID             BIT(31)
#define INTR_TYPE_EXT_INTR          (0u << 8)
#define INTR_TYPE_NMI               (2u << 8)
#define INTR_TYPE_HW_EXCEPTION      (3u << 8)
#define INTR_TYPE_SW_INTR           (4u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION (5u << 8)
#define INTR_TYPE_SW_EXCEPTION      (6u << 8)
#define INTR_TYPE_OTHER             (7u << 8)  /* pending MTF VM exit */
#define INTR_INFO_RESERVED          0x7ffff000u   /* bits 30:12 */

/* Exit qualification for EPT violations, SDM Vol. 3C, "Exit Qualification
 * for EPT Violations": the access was a data read, a data write, a fetch. */
#define EPT_QUAL_READ               BIT(0)
#define EPT_QUAL_WRITE              BIT(1)
#define EPT_QUAL_FETCH              BIT(2)

/* Exit qualification for EPT violations, SDM Vol. 3C, "Exit Qualification
 * for EPT Violations": the access was a data read, a data write, a fetch. */
#define EPT_QUAL_READ               BIT(0)
#define EPT_QUAL_WRITE              BIT(1)
#define EPT_QUAL_FETCH              BIT(2)

/* Guest interruptibility state, SDM Vol. 3C, "Guest Non-Register State" */
#define INTERRUPTIBILITY_STI        BIT(0)
#define INTERRUPTIBILITY_MOVSS      BIT(1)
#define INTERRUPTIBILITY_STI_MOVSS  0x3u
#define INTERRUPTIBILITY_SMI        BIT(2)
#define INTERRUPTIBILITY_NMI        BIT(3)
#define INTERRUPTIBILITY_RESERVED   (~0u << 5)

/* CPUID bits the hypervisor tests, SDM Vol. 2A, "CPUID" */
#define CPUID_LEAF_FEATURES         1
#define CPUID_1_ECX_VMX             BIT(5)
#define CPUID_1_ECX_X2APIC          BIT(21)
#define CPUID_1_ECX_TSC_DEADLINE    BIT(24)
#define CPUID_1_ECX_XSAVE           BIT(26)
#define CPUID_1_ECX_OSXSAVE         BIT(27)
#define CPUID_1_ECX_HYPERVISOR      BIT(31)
#define CPUID_1_EDX_APIC            BIT(9)
#define CPUID_1_EDX_MTRR            BIT(12)
#define CPUID_LEAF_EXT_FEATURES     7
#define CPUID_MAX_EXT_LEAF          0x80000000u
#define CPUID_LEAF_ADDR_SIZES       0x80000008u
#define CPUID_7_EBX_TSC_ADJUST      BIT(1)
#define CPUID_7_EBX_SMEP            BIT(7)
#define CPUID_7_EBX_SMAP            BIT(20)
#define CPUID_7_EDX_IBRS_IBPB       BIT(26)    /* IA32_SPEC_CTRL.IBRS and IA32_PRED_CMD.IBPB */
#define CPUID_LEAF_EXT_MAX          0x80000000u   /* EAX: the highest extended leaf */
#define CPUID_LEAF_EXT_INFO         0x80000001u
#define CPUID_80000001_EDX_NX       BIT(20)    /* execute-disable bit (EFER.NXE) */
#define CPUID_7_ECX_OSPKE           BIT(4)

/* The BIOS data area word holding the EBDA's segment (kernel/bios.c). */
#define BDA_EBDA_SEGMENT    0x40E

#endif
