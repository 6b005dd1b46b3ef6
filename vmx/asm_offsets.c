/*
 * vmx/asm_offsets.c - generates build/gen/asm-offsets.inc for NASM.
 *
 * Context: build time only; compiled with -S, never linked. Each DEFINE
 * leaves a "->NAME value" marker in the assembler output, which the Makefile
 * turns into "%define NAME value", so vmx/entry.asm uses offsets computed
 * from struct guest_regs by the compiler itself and cannot drift from it.
 */
#include "vmx/guest_regs.h"
#include "vmx/vmcs.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %c0\"" ::"i"(val))
#define OFFSET(sym, field) DEFINE(sym, __builtin_offsetof(struct guest_regs, field))

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(REGS_RAX, rax);
	OFFSET(REGS_RCX, rcx);
	OFFSET(REGS_RDX, rdx);
	OFFSET(REGS_RBX, rbx);
	OFFSET(REGS_RBP, rbp);
	OFFSET(REGS_RSI, rsi);
	OFFSET(REGS_RDI, rdi);
	OFFSET(REGS_R8, r8);
	OFFSET(REGS_R9, r9);
	OFFSET(REGS_R10, r10);
	OFFSET(REGS_R11, r11);
	OFFSET(REGS_R12, r12);
	OFFSET(REGS_R13, r13);
	OFFSET(REGS_R14, r14);
	OFFSET(REGS_R15, r15);
	OFFSET(REGS_CR2, cr2);
	OFFSET(REGS_EXIT_TSC, exit_tsc);
	DEFINE(VMCS_HOST_RSP, HOST_RSP);
}
