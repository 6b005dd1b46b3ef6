/*
 * vmx/guest_regs.h - a guest's general registers while it is not running.
 *
 * Context: VMX root. The VMCS holds RSP, RIP and RFLAGS but not the other
 * general registers, nor CR2, so vmx/entry.asm loads them before VM entry and
 * stores them after VM exit. Fields are in register-number order (the order
 * of ModRM/SIB encodings and of the CR-access and I/O exit qualifications),
 * so by_index[n] is register n. The offsets the stub uses are generated from
 * this struct at build time (vmx/asm_offsets.c), never typed by hand.
 */
#ifndef CV_GUEST_REGS_H
#define CV_GUEST_REGS_H

#include "lib/types.h"

enum gpr_index {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	NUM_GPRS
};

struct guest_regs {
	union {
		struct {
			uint64_t rax;     /*   0 */
			uint64_t rcx;     /*   8 */
			uint64_t rdx;     /*  16 */
			uint64_t rbx;     /*  24 */
			uint64_t rsp_unused; /* 32: the real RSP is GUEST_RSP in the VMCS */
			uint64_t rbp;     /*  40 */
			uint64_t rsi;     /*  48 */
			uint64_t rdi;     /*  56 */
			uint64_t r8;      /*  64 */
			uint64_t r9;      /*  72 */
			uint64_t r10;     /*  80 */
			uint64_t r11;     /*  88 */
			uint64_t r12;     /*  96 */
			uint64_t r13;     /* 104 */
			uint64_t r14;     /* 112 */
			uint64_t r15;     /* 120 */
		};
		uint64_t by_index[NUM_GPRS];
	};
	uint64_t cr2;                     /* 128: valid while the vCPU is off any pCPU */
	/* This pCPU's TSC, read by the stub right after each VM exit: the
	 * exit path compares it with the slice's end. (What an exit costs is
	 * measured from the guest, over the whole path: make bench.) */
	uint64_t exit_tsc;                /* 136 */
};

_Static_assert(sizeof(struct guest_regs) == 18 * 8, "guest_regs layout");

/* What the exit stub calls after every VM exit, on the vmx_run stack, with
 * the guest's registers stored in *regs: handle the exit and say whether to
 * resume the same guest at once. The policy layer supplies it (vmm/exit.c:
 * vmm_handle_exit), so this mechanism layer names no handler. */
typedef bool (*vmx_exit_fn)(struct guest_regs *regs);

/* Enter the guest whose VMCS is current on this pCPU: VMLAUNCH if !launched,
 * else VMRESUME, and keep resuming it after each exit for which on_exit
 * returns true. Returns 0 once on_exit returns false (regs hold the guest's
 * registers), or the failed entry's class: 1 = VMfailInvalid, 2 =
 * VMfailValid. Defined in vmx/entry.asm. */
int vmx_run(struct guest_regs *regs, int launched, vmx_exit_fn on_exit);

/* Leave the exit being handled at once, as if on_exit had returned false:
 * vmx_run returns 0 to its caller. host_rsp is this exit's stack pointer,
 * the HOST_RSP field of the VMCS it came from; the calls on_exit has made
 * so far are dropped without returning (none may hold a lock). For an exit
 * whose VMCS this pCPU has just cleared and given away (vmm/run.c:
 * vcpu_clear_handed): the rest of the exit path would read a vCPU that is
 * another pCPU's. Defined in vmx/entry.asm. */
__attribute__((noreturn)) void vmx_exit_to_scheduler(uint64_t host_rsp);

/* Print the general registers and CR2 (the full dump adds vmcs_dump()). */
void guest_regs_dump(const struct guest_regs *r);

/* Where VM exits land (HOST_RIP); only vmx/entry.asm jumps here. */
void vmx_exit_stub(void);

#endif
