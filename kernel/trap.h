/*
 * kernel/trap.h - CPU exceptions in the hypervisor: IDT and the register dump.
 *
 * Context: kernel, any pCPU in VMX root operation or during boot.
 */
#ifndef CV_TRAP_H
#define CV_TRAP_H

#include "lib/types.h"

/* Saved by boot/isr.asm; the field order is the push order reversed.
 * Byte offsets are written beside the fields and checked in kernel/trap.c. */
struct trap_frame {
	uint64_t rax;       /*   0 */
	uint64_t rbx;       /*   8 */
	uint64_t rcx;       /*  16 */
	uint64_t rdx;       /*  24 */
	uint64_t rsi;       /*  32 */
	uint64_t rdi;       /*  40 */
	uint64_t rbp;       /*  48 */
	uint64_t r8;        /*  56 */
	uint64_t r9;        /*  64 */
	uint64_t r10;       /*  72 */
	uint64_t r11;       /*  80 */
	uint64_t r12;       /*  88 */
	uint64_t r13;       /*  96 */
	uint64_t r14;       /* 104 */
	uint64_t r15;       /* 112 */
	uint64_t vector;    /* 120: pushed by the stub */
	uint64_t error;     /* 128: by the CPU, or a 0 the stub pushed */
	uint64_t rip;       /* 136: the rest is the CPU's interrupt frame */
	uint64_t cs;        /* 144 */
	uint64_t rflags;    /* 152 */
	uint64_t rsp;       /* 160 */
	uint64_t ss;        /* 168 */
};

/* Build the IDT (once) and load it on this pCPU. */
void idt_load(void);
uint64_t idt_base(void);

/* Called from boot/isr.asm. An NMI is counted (percpu nmis_root) and
 * returns; any exception prints the full dump and ends the run. */
void trap_handler(struct trap_frame *tf);

/* End NMI blocking on this pCPU with an IRET to the next instruction (a VM
 * exit caused by an NMI leaves NMIs blocked, as the NMI's delivery would).
 * An NMI latched meanwhile is then taken through the host IDT and counted. */
void nmi_unblock(void);

#endif
