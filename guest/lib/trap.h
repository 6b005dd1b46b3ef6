/*
 * guest/lib/trap.h - exceptions in the guest: the IDT and expected exceptions.
 *
 * Context: guest, 64-bit mode, any CPU (state per CPU in guest/lib/cpu.h).
 *
 * Vectors 0-31 go to trap_handler(), 32-255 to irq_handler() (guest/lib/irq.h),
 * NMI (2) to a registered NMI handler if there is one. An exception at an instruction listed in
 * the exception table (.ex_table, like Linux's extable) is EXPECTED: the
 * handler records vector, error code and RIP in this_cpu() and resumes at the
 * entry's fixup address. Any other exception is UNEXPECTED: the handler prints
 * vector, name, RIP, error code (and CR2 for #PF), counts a failed test and
 * ends the run through report_summary() (status 1).
 *
 * Writing a checked instruction (inline asm):
 *     exception_clear();
 *     asm volatile("1: rdmsr\n\t"
 *                  "2:\n\t"
 *                  EX_TABLE_ENTRY("1b", "2b")
 *                  : ... : ... : "memory");
 *     if (exception_vector() >= 0) ... it faulted ...
 * Outputs of a faulting instruction are left unchanged: do not use them.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

#include "guest/lib/cpu.h"

#define VEC_DE   0
#define VEC_DB   1
#define VEC_NMI  2
#define VEC_BP   3
#define VEC_UD   6
#define VEC_DF   8
#define VEC_GP   13
#define VEC_PF   14

#define RFLAGS_TF (1ULL << 8)    /* trap flag: single step */

/* Saved by guest/lib/isr.asm; offsets are checked in trap.c. */
struct trap_frame {
	uint64_t rax;           /* 0 */
	uint64_t rbx;           /* 8 */
	uint64_t rcx;           /* 16 */
	uint64_t rdx;           /* 24 */
	uint64_t rsi;           /* 32 */
	uint64_t rdi;           /* 40 */
	uint64_t rbp;           /* 48 */
	uint64_t r8;            /* 56 */
	uint64_t r9;            /* 64 */
	uint64_t r10;           /* 72 */
	uint64_t r11;           /* 80 */
	uint64_t r12;           /* 88 */
	uint64_t r13;           /* 96 */
	uint64_t r14;           /* 104 */
	uint64_t r15;           /* 112 */
	uint64_t vector;        /* 120: pushed by the stub */
	uint64_t error_code;    /* 128: the CPU's, or 0 from the stub */
	uint64_t rip;           /* 136: from here on, the CPU's frame */
	uint64_t cs;            /* 144 */
	uint64_t rflags;        /* 152 */
	uint64_t rsp;           /* 160 */
	uint64_t ss;            /* 168 */
};

struct ex_table_entry {
	uint64_t insn;          /* address of the instruction that may fault */
	uint64_t fixup;         /* where to resume if it does */
};

#define EX_TABLE_ENTRY(insn_label, fixup_label)                         \
	".pushsection .ex_table, \"a\"\n\t"                               \
	".balign 8\n\t"                                                   \
	".quad " insn_label ", " fixup_label "\n\t"                       \
	".popsection\n\t"

void trap_init(void);
void trap_handler(struct trap_frame *f);
/* NMIs go to h (NULL: an NMI is an unexpected exception again). Use
 * irq_register(VEC_NMI, ...) (guest/lib/irq.h), which counts them. */
void trap_set_nmi_handler(void (*h)(struct trap_frame *f));
const char *exception_name(unsigned vector);

static inline void exception_clear(void)
{
	this_cpu()->ex_vector = -1;
}

/* Vector of the last expected exception since exception_clear(), or -1. */
static inline int exception_vector(void)
{
	return this_cpu()->ex_vector;
}

static inline uint64_t exception_error_code(void)
{
	return this_cpu()->ex_error_code;
}

/* Checked instructions: 0 on success, -1 on any exception (usually #GP;
 * exception_vector() says which). */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);
int write_cr4_safe(uint64_t val);

#endif
