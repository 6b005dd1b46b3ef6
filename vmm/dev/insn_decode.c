/*
 * vmm/dev/insn_decode.c - length and operand decoding of the MOV forms guests use
 * on MMIO (see vmm/dev/insn_decode.h for the accepted list).
 *
 * Context: pure C, no hardware access (VMX root and host unit tests).
 * The layout followed is SDM Vol. 2A, "Instruction Format": legacy prefixes,
 * REX (64-bit mode only), opcode, ModRM, SIB, displacement, immediate; with
 * the 16-bit and 32/64-bit ModRM tables of "32-Bit Addressing Forms with the
 * ModR/M Byte" and "16-Bit Addressing Forms with the ModR/M Byte". Only the
 * length of the memory operand matters here: the address itself comes from
 * the VM exit (guest-physical address), so base, index and segment are
 * skipped, never evaluated.
 */
#include "vmm/dev/insn_decode.h"

#define PREFIX_OPSIZE    0x66
#define PREFIX_ADDRSIZE  0x67
#define PREFIX_LOCK      0xF0
#define PREFIX_ES        0x26
#define PREFIX_CS        0x2E
#define PREFIX_SS        0x36
#define PREFIX_DS        0x3E
#define PREFIX_FS        0x64
#define PREFIX_GS        0x65
#define REX_MASK         0xF0
#define REX_BASE         0x40
#define REX_W            0x08
#define REX_R            0x04

#define OP_TWO_BYTE      0x0F
#define OP_MOV_RM8_R8    0x88
#define OP_MOV_RM_R      0x89
#define OP_MOV_R8_RM8    0x8A
#define OP_MOV_R_RM      0x8B
#define OP_MOV_AL_MOFFS  0xA0
#define OP_MOV_AX_MOFFS  0xA1
#define OP_MOV_MOFFS_AL  0xA2
#define OP_MOV_MOFFS_AX  0xA3
#define OP_MOV_RM8_IMM8  0xC6
#define OP_MOV_RM_IMM    0xC7
#define OP2_MOVZX_B      0xB6
#define OP2_MOVZX_W      0xB7
#define OP2_MOVSX_B      0xBE
#define OP2_MOVSX_W      0xBF

#define MODRM_MOD(m)     ((m) >> 6)
#define MODRM_REG(m)     (((m) >> 3) & 7)
#define MODRM_RM(m)      ((m) & 7)
#define MOD_NO_DISP      0
#define MOD_DISP8        1
#define MOD_REGISTER     3
#define RM_SIB           4          /* 32/64-bit addressing: a SIB byte follows */
#define RM_DISP32        5          /* mod 00: disp32 (RIP-relative in 64-bit mode) */
#define SIB_BASE_NONE    5          /* mod 00: no base, disp32 */
#define RM16_DISP16      6          /* 16-bit addressing, mod 00: disp16 only */
#define REG_HIGH8_FIRST  4          /* without REX, byte registers 4-7 are AH CH DH BH */

/* Reads bytes one at a time and enforces both the buffer end and the
 * 15-byte limit (the limit wins: hardware raises #GP there). */
struct cursor {
	const uint8_t *bytes;
	size_t avail;
	size_t pos;
};

static int take(struct cursor *c, size_t n, uint64_t *value)
{
	uint64_t v = 0;

	if (c->pos + n > INSN_MAX_LEN)
		return INSN_ERR_TOO_LONG;
	if (c->pos + n > c->avail)
		return INSN_ERR_TRUNCATED;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
	c->pos += n;
	if (value)
		*value = v;
	return 0;
}

static int take_byte(struct cursor *c, uint8_t *b)
{
	uint64_t v;
	int err = take(c, 1, &v);

	*b = (uint8_t)v;
	return err;
}

/* Skip ModRM, SIB and displacement of a memory operand; *reg_field gets
 * ModRM.reg (without REX.R). addr_size is 2, 4 or 8 bytes. */
static int skip_modrm(struct cursor *c, unsigned addr_size, uint8_t *reg_field)
{
	uint8_t modrm, sib;
	size_t disp;
	int err;

	if ((err = take_byte(c, &modrm)))
		return err;
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);
	*reg_field = MODRM_REG(modrm);
	if (mod == MOD_REGISTER)
		return INSN_ERR_UNSUPPORTED;    /* a register, not memory */

	if (addr_size == 2) {
		if (mod == MOD_NO_DISP)
			disp = rm == RM16_DISP16 ? 2 : 0;
		else
			disp = mod == MOD_DISP8 ? 1 : 2;
		return take(c, disp, NULL);
	}
	if (mod == MOD_NO_DISP)
		disp = 0;
	else
		disp = mod == MOD_DISP8 ? 1 : 4;
	if (rm == RM_SIB) {
		if ((err = take_byte(c, &sib)))
			return err;
		if (mod == MOD_NO_DISP && MODRM_RM(sib) == SIB_BASE_NONE)
			disp = 4;
	} else if (mod == MOD_NO_DISP && rm == RM_DISP32) {
		disp = 4;
	}
	return take(c, disp, NULL);
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Sign-extend the low `from` bytes of v to 64 bits. */
static uint64_t sign_extend(uint64_t v, unsigned from)
{
	unsigned shift = 64 - 8 * from;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

int insn_decode_mov(const uint8_t *bytes, size_t avail, enum cpu_mode mode, struct mmio_insn *out)
{
	struct cursor c = { bytes, avail, 0 };
	bool opsize_prefix = false, addrsize_prefix = false;
	uint8_t rex = 0, op, reg_field;
	int err;

	*out = (struct mmio_insn){ 0 };

	/* Legacy prefixes in any order; a REX counts only if it comes last
	 * (SDM Vol. 2A, "REX Prefixes": a REX followed by another prefix is
	 * ignored). */
	for (;;) {
		if ((err = take_byte(&c, &op)))
			return err;
		if (mode == CPU_MODE_64 && (op & REX_MASK) == REX_BASE) {
			rex = op;
			continue;
		}
		switch (op) {
		case PREFIX_OPSIZE:
			opsize_prefix = true;
			break;
		case PREFIX_ADDRSIZE:
			addrsize_prefix = true;
			break;
		case PREFIX_ES: case PREFIX_CS: case PREFIX_SS: case PREFIX_DS:
		case PREFIX_FS: case PREFIX_GS: case PREFIX_LOCK:
			break;          /* the address comes from the exit */
		default:
			goto opcode;
		}
		rex = 0;
	}
opcode:;     /* a label must label a statement before C23 (clang rejects a declaration) */
	/* Operand and address size (SDM Vol. 1, "Operand-Size and Address-Size
	 * Attributes"; Vol. 2A, "Instruction Prefixes" for 64-bit mode). */
	unsigned opsize, addr_size;
	switch (mode) {
	case CPU_MODE_64:
		opsize = (rex & REX_W) ? 8 : opsize_prefix ? 2 : 4;
		addr_size = addrsize_prefix ? 4 : 8;
		break;
	case CPU_MODE_32:
		opsize = opsize_prefix ? 2 : 4;
		addr_size = addrsize_prefix ? 2 : 4;
		break;
	default:
		opsize = opsize_prefix ? 4 : 2;
		addr_size = addrsize_prefix ? 4 : 2;
		break;
	}

	switch (op) {
	case OP_MOV_RM8_R8:
	case OP_MOV_RM_R:
	case OP_MOV_R8_RM8:
	case OP_MOV_R_RM:
		if ((err = skip_modrm(&c, addr_size, &reg_field)))
			return err;
		out->is_write = op == OP_MOV_RM8_R8 || op == OP_MOV_RM_R;
		out->size = (op == OP_MOV_RM8_R8 || op == OP_MOV_R8_RM8) ? 1 : (uint8_t)opsize;
		out->reg_size = out->size;
		out->reg = reg_field | ((rex & REX_R) ? 8 : 0);
		break;
	case OP_MOV_RM8_IMM8:
	case OP_MOV_RM_IMM: {
		uint64_t imm;
		if ((err = skip_modrm(&c, addr_size, &reg_field)))
			return err;
		if (reg_field != 0)
			return INSN_ERR_UNSUPPORTED;    /* only /0 is MOV */
		out->size = op == OP_MOV_RM8_IMM8 ? 1 : (uint8_t)opsize;
		unsigned imm_size = out->size == 8 ? 4 : out->size;
		if ((err = take(&c, imm_size, &imm)))
			return err;
		out->is_write = true;
		out->has_imm = true;
		out->imm = sign_extend(imm, imm_size) & size_mask(out->size);
		out->reg_size = out->size;
		break;
	}
	case OP_MOV_AL_MOFFS:
	case OP_MOV_AX_MOFFS:
	case OP_MOV_MOFFS_AL:
	case OP_MOV_MOFFS_AX:
		if ((err = take(&c, addr_size, NULL)))
			return err;
		out->is_write = op == OP_MOV_MOFFS_AL || op == OP_MOV_MOFFS_AX;
		out->size = (op == OP_MOV_AL_MOFFS || op == OP_MOV_MOFFS_AL) ? 1 : (uint8_t)opsize;
		out->reg_size = out->size;
		out->reg = 0;                           /* AL / AX / EAX / RAX */
		break;
	case OP_TWO_BYTE:
		if ((err = take_byte(&c, &op)))
			return err;
		if (op != OP2_MOVZX_B && op != OP2_MOVZX_W && op != OP2_MOVSX_B && op != OP2_MOVSX_W)
			return INSN_ERR_UNSUPPORTED;
		if ((err = skip_modrm(&c, addr_size, &reg_field)))
			return err;
		out->size = (op == OP2_MOVZX_B || op == OP2_MOVSX_B) ? 1 : 2;
		out->reg_size = (uint8_t)opsize;
		out->extend = (op == OP2_MOVZX_B || op == OP2_MOVZX_W) ? MMIO_EXTEND_ZERO
								      : MMIO_EXTEND_SIGN;
		out->reg = reg_field | ((rex & REX_R) ? 8 : 0);
		break;
	default:
		return INSN_ERR_UNSUPPORTED;
	}

	/* Byte registers 4-7 are AH CH DH BH unless any REX is present
	 * (SDM Vol. 2A, "Byte-Register Addressing in 64-Bit Mode"). */
	if (!out->has_imm && out->reg_size == 1 && !rex && out->reg >= REG_HIGH8_FIRST) {
		out->reg -= REG_HIGH8_FIRST;
		out->reg_high8 = true;
	}
	out->len = (uint8_t)c.pos;
	return 0;
}

const char *insn_decode_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case INSN_ERR_TRUNCATED:
		return "instruction bytes end early (unreadable code page?)";
	case INSN_ERR_UNSUPPORTED:
		return "not MOV/MOVZX/MOVSX with memory";
	case INSN_ERR_TOO_LONG:
		return "longer than 15 bytes";
	default:
		return "unknown decode error";
	}
}
