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
#define CR4_PSE             BIT(4)
#define CR4_PAE             BIT(5)
#define CR4_LA57            BIT(12)
#define CR4_VMXE            BIT(13)
#define CR4_OSXSAVE         BIT(18)

/* RFLAGS, SDM Vol. 1, "EFLAGS Register" */
#define RFLAGS_RESERVED1    BIT(1)     /* always 1; VM entry checks it */
#define RFLAGS_IF           BIT(9)
#define RFLAGS_VM           BIT(17)    /* virtual-8086 mode */

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

/* Exit qualification for EPT violations, SDM Vol. 3C, "Exit Qualification
 * for EPT Violations": the access was a data read, a data write, a fetch. */
#define EPT_QUAL_READ               BIT(0)
#define EPT_QUAL_WRITE              BIT(1)
#define EPT_QUAL_FETCH              BIT(2)

/* Guest interruptibility state, SDM Vol. 3C, "Guest Non-Register State" */
#define INTERRUPTIBILITY_STI        BIT(0)
#define INTERRUPTIBILITY_MOVSS      BIT(1)
#define INTERRUPTIBILITY_STI_MOVSS  0x3u
#define INTERRUPTIBILITY_NMI        BIT(3)

/* CPUID bits the hypervisor tests, SDM Vol. 2A, "CPUID" */
#define CPUID_LEAF_FEATURES         1
#define CPUID_1_ECX_VMX             BIT(5)
#define CPUID_1_ECX_X2APIC          BIT(21)
#define CPUID_1_ECX_TSC_DEADLINE    BIT(24)
#define CPUID_1_ECX_XSAVE           BIT(26)
#define CPUID_1_ECX_HYPERVISOR      BIT(31)
#define CPUID_1_EDX_APIC            BIT(9)
#define CPUID_LEAF_EXT_FEATURES     7
#define CPUID_7_EBX_TSC_ADJUST      BIT(1)

/* The BIOS data area word holding the EBDA's segment (kernel/bios.c). */
#define BDA_EBDA_SEGMENT    0x40E

#endif
