/*
 * vmm/core/cr_check.h - is a MOV to CR0 or CR4 the CPU would accept, or a #GP?
 *
 * Context: pure C, no hardware access: the exit handler (vmm/exits_core.c:
 * handle_cr_access) asks it for the writes it emulates, and the host unit
 * tests (tests/unit/test_cr_check.c) ask it directly. An emulated write
 * must fault exactly where the CPU would (SDM Vol. 3A, "Control
 * Registers"; SDM Vol. 2B, "MOV—Move to/from Control Registers",
 * "Protected Mode Exceptions"); a value that gets past these checks must
 * also pass the VM-entry checks on CR0/CR4 (SDM Vol. 3C, "Checks on Guest
 * Control Registers, Debug Registers, and MSRs"), or the guest would get a
 * failed VM entry instead of its #GP.
 */
#ifndef CV_CR_CHECK_H
#define CV_CR_CHECK_H

#include "lib/types.h"

/* The guest state a control-register write is checked against. */
struct cr_state {
	uint64_t cr0, cr3, cr4, efer;
	bool cs_l;                    /* the guest runs 64-bit code (CS.L = 1) */
};

/* The CR0 bits that exist (SDM Vol. 3A, "Control Registers"): the others in
 * 31:0 are reserved and a write of 1 there is ignored; 63:32 must be 0. */
#define CR0_DEFINED_BITS 0xE005003FULL

/*
 * MOV to CR0 with val: true and *load = the value CR0 takes (reserved bits
 * 31:0 dropped, ET = 1 as on every CPU since the i486), or false with *why
 * naming the rule: bits 63:32 set; PG = 1 with PE = 0; NW = 1 with CD = 0;
 * PG turned on with EFER.LME = 1 and CR4.PAE = 0; PG turned off in 64-bit
 * code; WP cleared with CR4.CET = 1.
 */
bool cr0_write_check(const struct cr_state *s, uint64_t val, uint64_t *load, const char **why);

/*
 * MOV to CR4 with val, given the CR4 bits this guest may set (allowed: the
 * bits the CPU lets be 1 in VMX operation, IA32_VMX_CR4_FIXED1, minus the
 * features hidden from the guest): true, or false with *why: a bit outside
 * allowed (reserved or hidden); PAE cleared in IA-32e mode; LA57 changed in
 * IA-32e mode; PCIDE set outside IA-32e mode or with CR3[11:0] != 0; CET set
 * with CR0.WP = 0.
 */
bool cr4_write_check(const struct cr_state *s, uint64_t val, uint64_t allowed, const char **why);

#endif
