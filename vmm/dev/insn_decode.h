/*
 * vmm/dev/insn_decode.h - decode the guest's MOV instructions that touch emulated
 * MMIO (the xAPIC page), because an EPT violation gives no instruction length
 * and no operand (SDM Vol. 3C, "VM-Exit Instruction Length": defined only for
 * some exits, and EPT violations are not among them).
 *
 * Context: pure C, no hardware access: runs in VMX root and in host unit
 * tests (tests/unit/test_insn_decode.c).
 *
 * Accepted (SDM Vol. 2A, "Instruction Format" and Vol. 2B, "MOV", "MOVZX",
 * "MOVSX"), in 16-bit, 32-bit and 64-bit code:
 *   prefixes  0x66 operand size, 0x67 address size, segment overrides
 *             0x26 0x2E 0x36 0x3E 0x64 0x65 (the faulting address comes from
 *             the exit, so the segment does not matter), 0xF0 LOCK (ignored),
 *             REX 0x40-0x4F in 64-bit mode only, and only right before the
 *             opcode (a REX followed by another prefix is ignored, as the CPU
 *             does)
 *   88 /r     MOV r/m8, r8          89 /r  MOV r/m, r
 *   8A /r     MOV r8, r/m8          8B /r  MOV r, r/m
 *   C6 /0 ib  MOV r/m8, imm8        C7 /0  MOV r/m, imm16/imm32 (sign-extended
 *                                          to 64 bits with REX.W)
 *   A0-A3     MOV AL/eAX <-> moffs (what assemblers emit for an absolute
 *             address and the accumulator in 16/32-bit code)
 *   0F B6/B7  MOVZX r, r/m8 / r/m16  0F BE/BF  MOVSX r, r/m8 / r/m16
 * A register operand (ModRM.mod = 3) cannot be an MMIO access and is refused;
 * so is everything else, including F2/F3 prefixes.
 */
#ifndef CV_INSN_DECODE_H
#define CV_INSN_DECODE_H

#include "lib/types.h"

/* The longest legal x86 instruction (SDM Vol. 2A, "Instruction Format"). */
#define INSN_MAX_LEN 15

/* Code size of the faulting instruction, from CS.L/CS.D and CR0.PE. */
enum cpu_mode {
	CPU_MODE_16,        /* real mode, virtual-8086, or CS.D = 0 */
	CPU_MODE_32,        /* protected mode (or compatibility mode) with CS.D = 1 */
	CPU_MODE_64,        /* IA-32e mode with CS.L = 1 */
};

enum mmio_extend {
	MMIO_EXTEND_NONE,   /* MOV: register width == access size */
	MMIO_EXTEND_ZERO,   /* MOVZX */
	MMIO_EXTEND_SIGN,   /* MOVSX */
};

struct mmio_insn {
	bool is_write;          /* memory is the destination */
	uint8_t size;           /* bytes accessed in memory: 1, 2, 4 or 8 */
	uint8_t reg_size;       /* width of the register operand (reads: destination) */
	enum mmio_extend extend;
	bool has_imm;           /* writes only: the source is imm, not a register */
	uint64_t imm;           /* already sign-extended to size bytes */
	uint8_t reg;            /* register number 0-15 (REX.R included) */
	bool reg_high8;         /* AH/CH/DH/BH: bits 15:8 of register reg (0-3) */
	uint8_t len;            /* total length, prefixes to immediate */
};

/* Decode errors (negative returns of insn_decode_mov). */
#define INSN_ERR_TRUNCATED    (-1)  /* avail ended inside the instruction */
#define INSN_ERR_UNSUPPORTED  (-2)  /* not one of the forms above */
#define INSN_ERR_TOO_LONG     (-3)  /* over INSN_MAX_LEN bytes (#GP on hardware) */

/* Decode the instruction at bytes[0..avail). Returns 0 and fills out, or an
 * INSN_ERR_* value (out then undefined). */
int insn_decode_mov(const uint8_t *bytes, size_t avail, enum cpu_mode mode, struct mmio_insn *out);

/* A short English phrase for an INSN_ERR_* value. */
const char *insn_decode_strerror(int err);

#endif
