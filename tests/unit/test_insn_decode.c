/*
 * tests/unit/test_insn_decode.c - cmocka tests of vmm/dev/insn_decode.c (the MOV
 * forms guests use on the xAPIC page) and of the pure page walk in
 * vmm/loader/guest_mem.c that fetches them.
 *
 * Context: host test (Linux, -DCV_HOST_TEST), no hardware. Every encoding is
 * what NASM 2.16 assembled for the instruction in the comment beside it
 * (bits 64 / bits 32 / bits 16 as the test's mode says).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/loader/guest_mem.h"
#include "vmm/dev/insn_decode.h"

/* ---- decoder ---- */

#define B(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

struct want {
	bool is_write;
	uint8_t size, reg_size;
	enum mmio_extend extend;
	bool has_imm;
	uint64_t imm;
	uint8_t reg;
	bool reg_high8;
	uint8_t len;
};

static void check(const uint8_t *bytes, size_t n, enum cpu_mode mode, struct want w)
{
	struct mmio_insn in;

	assert_int_equal(insn_decode_mov(bytes, n, mode, &in), 0);
	assert_int_equal(in.is_write, w.is_write);
	assert_int_equal(in.size, w.size);
	assert_int_equal(in.reg_size, w.reg_size ? w.reg_size : w.size);
	assert_int_equal(in.extend, w.extend);
	assert_int_equal(in.has_imm, w.has_imm);
	if (w.has_imm)
		assert_true(in.imm == w.imm);
	else
		assert_int_equal(in.reg, w.reg);
	assert_int_equal(in.reg_high8, w.reg_high8);
	assert_int_equal(in.len, w.len);
	assert_int_equal(in.len, n);    /* every fixture is exactly one instruction */

	/* Any shorter buffer is truncated, never mis-decoded. */
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(insn_decode_mov(bytes, cut, mode, &in), INSN_ERR_TRUNCATED);
}

static void expect_err(const uint8_t *bytes, size_t n, enum cpu_mode mode, int err)
{
	struct mmio_insn in;

	assert_int_equal(insn_decode_mov(bytes, n, mode, &in), err);
}

static void test_mov_64(void **state)
{
	/* mov dword [rax+0x30], ecx */
	check(B(0x89, 0x48, 0x30), CPU_MODE_64, (struct want){ .is_write = true, .size = 4, .reg = 1, .len = 3 });
	/* mov r9d, [rdx+rcx*4+0x100]: REX.R, SIB, disp32 */
	check(B(0x44, 0x8B, 0x8C, 0x8A, 0x00, 0x01, 0x00, 0x00), CPU_MODE_64,
	      (struct want){ .size = 4, .reg = 9, .len = 8 });
	/* mov rax, [0xFEE00030]: REX.W, SIB with no base and no index */
	check(B(0x48, 0x8B, 0x04, 0x25, 0x30, 0x00, 0xE0, 0xFE), CPU_MODE_64,
	      (struct want){ .size = 8, .reg = 0, .len = 8 });
	/* mov eax, [abs 0xFEE00030] */
	check(B(0x8B, 0x04, 0x25, 0x30, 0x00, 0xE0, 0xFE), CPU_MODE_64,
	      (struct want){ .size = 4, .reg = 0, .len = 7 });
	/* mov [r12], r15: REX.WRB, SIB because the base is r12 */
	check(B(0x4D, 0x89, 0x3C, 0x24), CPU_MODE_64,
	      (struct want){ .is_write = true, .size = 8, .reg = 15, .len = 4 });
	/* mov eax, [rsp] */
	check(B(0x8B, 0x04, 0x24), CPU_MODE_64, (struct want){ .size = 4, .reg = 0, .len = 3 });
	/* mov ecx, [rcx*8+0xFEE00000]: SIB index, no base, disp32 */
	check(B(0x8B, 0x0C, 0xCD, 0x00, 0x00, 0xE0, 0xFE), CPU_MODE_64,
	      (struct want){ .size = 4, .reg = 1, .len = 7 });
	/* mov eax, [rel $]: RIP-relative disp32 */
	check(B(0x8B, 0x05, 0xFA, 0xFF, 0xFF, 0xFF), CPU_MODE_64,
	      (struct want){ .size = 4, .reg = 0, .len = 6 });
	/* mov esp, [rax] / mov [rax], esp: register 4 is ESP, not AH */
	check(B(0x8B, 0x20), CPU_MODE_64, (struct want){ .size = 4, .reg = 4, .len = 2 });
	check(B(0x89, 0x20), CPU_MODE_64, (struct want){ .is_write = true, .size = 4, .reg = 4, .len = 2 });
	/* mov ax, [rdi] */
	check(B(0x66, 0x8B, 0x07), CPU_MODE_64, (struct want){ .size = 2, .reg = 0, .len = 3 });
	/* mov [rbp], ... with mod 01 disp8 0: 88 7D 00 is mov [rbp], bh */
	check(B(0x88, 0x7D, 0x00), CPU_MODE_64,
	      (struct want){ .is_write = true, .size = 1, .reg = 3, .reg_high8 = true, .len = 3 });
}

static void test_prefixes_64(void **state)
{
	/* mov eax, [ebx]: address-size prefix, 32-bit addressing */
	check(B(0x67, 0x8B, 0x03), CPU_MODE_64, (struct want){ .size = 4, .reg = 0, .len = 3 });
	/* mov eax, [ebp+0x12345678] */
	check(B(0x67, 0x8B, 0x85, 0x78, 0x56, 0x34, 0x12), CPU_MODE_64,
	      (struct want){ .size = 4, .reg = 0, .len = 7 });
	/* fs mov eax, [rax] */
	check(B(0x64, 0x8B, 0x00), CPU_MODE_64, (struct want){ .size = 4, .reg = 0, .len = 3 });
	/* lock mov [rax], eax (NASM warns "not lockable"; we ignore LOCK) */
	check(B(0xF0, 0x89, 0x00), CPU_MODE_64, (struct want){ .is_write = true, .size = 4, .len = 3 });
	/* 66 40 8B 00: mov ax, [rax] with an empty REX */
	check(B(0x66, 0x40, 0x8B, 0x00), CPU_MODE_64, (struct want){ .size = 2, .reg = 0, .len = 4 });
	/* A REX followed by a legacy prefix is ignored: 48 66 8B 00 is mov ax, [rax] */
	check(B(0x48, 0x66, 0x8B, 0x00), CPU_MODE_64, (struct want){ .size = 2, .reg = 0, .len = 4 });
	/* REX.W wins over 0x66: 66 48 8B 00 is mov rax, [rax] */
	check(B(0x66, 0x48, 0x8B, 0x00), CPU_MODE_64, (struct want){ .size = 8, .reg = 0, .len = 4 });
	/* Segment overrides, all accepted: 26 2E 36 3E 65 8B 00 */
	check(B(0x26, 0x2E, 0x36, 0x3E, 0x65, 0x8B, 0x00), CPU_MODE_64,
	      (struct want){ .size = 4, .reg = 0, .len = 7 });
}

static void test_imm_64(void **state)
{
	/* mov dword [rel $+0x1234], 0x1ff: RIP-relative with imm32 */
	check(B(0xC7, 0x05, 0x2A, 0x12, 0x00, 0x00, 0xFF, 0x01, 0x00, 0x00), CPU_MODE_64,
	      (struct want){ .is_write = true, .size = 4, .has_imm = true, .imm = 0x1FF, .len = 10 });
	/* mov qword [rax], -1: imm32 sign-extended to 64 bits */
	check(B(0x48, 0xC7, 0x00, 0xFF, 0xFF, 0xFF, 0xFF), CPU_MODE_64,
	      (struct want){ .is_write = true, .size = 8, .has_imm = true, .imm = ~0ULL, .len = 7 });
	/* mov byte [rax+rbx*2], 0x80 */
	check(B(0xC6, 0x04, 0x58, 0x80), CPU_MODE_64,
	      (struct want){ .is_write = true, .size = 1, .has_imm = true, .imm = 0x80, .len = 4 });
	/* mov word [rdi], 0x1234 */
	check(B(0x66, 0xC7, 0x07, 0x34, 0x12), CPU_MODE_64,
	      (struct want){ .is_write = true, .size = 2, .has_imm = true, .imm = 0x1234, .len = 5 });
	/* C7 /1 is not MOV */
	expect_err(B(0xC7, 0x08, 0x00, 0x00, 0x00, 0x00), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
}

static void test_byte_regs_64(void **state)
{
	/* mov ah, [rsi]: register 4 without REX is AH */
	check(B(0x8A, 0x26), CPU_MODE_64, (struct want){ .size = 1, .reg = 0, .reg_high8 = true, .len = 2 });
	/* mov sil, [rsi]: with any REX it is SIL */
	check(B(0x40, 0x8A, 0x36), CPU_MODE_64, (struct want){ .size = 1, .reg = 6, .len = 3 });
	/* mov al, [abs qword 0xFEE00020]: moffs64 */
	check(B(0xA0, 0x20, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00), CPU_MODE_64,
	      (struct want){ .size = 1, .reg = 0, .len = 9 });
	/* mov [abs qword 0xFEE00020], eax */
	check(B(0xA3, 0x20, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00), CPU_MODE_64,
	      (struct want){ .is_write = true, .size = 4, .reg = 0, .len = 9 });
	/* a32 mov eax, [abs 0xFEE000B0]: moffs32 */
	check(B(0x67, 0xA1, 0xB0, 0x00, 0xE0, 0xFE), CPU_MODE_64,
	      (struct want){ .size = 4, .reg = 0, .len = 6 });
}

static void test_movzx_movsx(void **state)
{
	/* movzx eax, byte [rbx] */
	check(B(0x0F, 0xB6, 0x03), CPU_MODE_64,
	      (struct want){ .size = 1, .reg_size = 4, .extend = MMIO_EXTEND_ZERO, .reg = 0, .len = 3 });
	/* movzx r10, word [r13+8] */
	check(B(0x4D, 0x0F, 0xB7, 0x55, 0x08), CPU_MODE_64,
	      (struct want){ .size = 2, .reg_size = 8, .extend = MMIO_EXTEND_ZERO, .reg = 10, .len = 5 });
	/* movsx ecx, byte [rdi] */
	check(B(0x0F, 0xBE, 0x0F), CPU_MODE_64,
	      (struct want){ .size = 1, .reg_size = 4, .extend = MMIO_EXTEND_SIGN, .reg = 1, .len = 3 });
	/* movzx esp, byte [rax] (0F B6 20): destination ESP, never AH */
	check(B(0x0F, 0xB6, 0x20), CPU_MODE_64,
	      (struct want){ .size = 1, .reg_size = 4, .extend = MMIO_EXTEND_ZERO, .reg = 4, .len = 3 });
	/* bits 32: movzx eax, word [esi+edi*2+0x10] */
	check(B(0x0F, 0xB7, 0x44, 0x7E, 0x10), CPU_MODE_32,
	      (struct want){ .size = 2, .reg_size = 4, .extend = MMIO_EXTEND_ZERO, .reg = 0, .len = 5 });
	/* 0F AF (IMUL) is not accepted */
	expect_err(B(0x0F, 0xAF, 0x00), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
}

static void test_mov_32(void **state)
{
	/* mov eax, [0xFEE00030]: NASM picks the moffs form A1 */
	check(B(0xA1, 0x30, 0x00, 0xE0, 0xFE), CPU_MODE_32, (struct want){ .size = 4, .reg = 0, .len = 5 });
	/* mov ecx, [0xFEE00030]: mod 00 rm 101 is disp32, absolute */
	check(B(0x8B, 0x0D, 0x30, 0x00, 0xE0, 0xFE), CPU_MODE_32,
	      (struct want){ .size = 4, .reg = 1, .len = 6 });
	/* mov dword [0xFEE000B0], 0 */
	check(B(0xC7, 0x05, 0xB0, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00), CPU_MODE_32,
	      (struct want){ .is_write = true, .size = 4, .has_imm = true, .imm = 0, .len = 10 });
	/* mov [eax+0xF0], edx */
	check(B(0x89, 0x90, 0xF0, 0x00, 0x00, 0x00), CPU_MODE_32,
	      (struct want){ .is_write = true, .size = 4, .reg = 2, .len = 6 });
	/* mov ax, [eax] / mov word [eax], 0x1234 */
	check(B(0x66, 0x8B, 0x00), CPU_MODE_32, (struct want){ .size = 2, .reg = 0, .len = 3 });
	check(B(0x66, 0xC7, 0x00, 0x34, 0x12), CPU_MODE_32,
	      (struct want){ .is_write = true, .size = 2, .has_imm = true, .imm = 0x1234, .len = 5 });
	/* mov dh, [eax] */
	check(B(0x8A, 0x30), CPU_MODE_32, (struct want){ .size = 1, .reg = 2, .reg_high8 = true, .len = 2 });
	/* mov eax, [esp+4]: SIB + disp8 */
	check(B(0x8B, 0x44, 0x24, 0x04), CPU_MODE_32, (struct want){ .size = 4, .reg = 0, .len = 4 });
	/* mov eax, [bx+si]: 16-bit addressing through 0x67 */
	check(B(0x67, 0x8B, 0x00), CPU_MODE_32, (struct want){ .size = 4, .reg = 0, .len = 3 });
	/* 0x48 is DEC EAX outside 64-bit mode, not REX */
	expect_err(B(0x48, 0x8B, 0x00), CPU_MODE_32, INSN_ERR_UNSUPPORTED);
}

static void test_mov_16(void **state)
{
	/* mov eax, [bx+si+0x10] */
	check(B(0x66, 0x8B, 0x40, 0x10), CPU_MODE_16, (struct want){ .size = 4, .reg = 0, .len = 4 });
	/* mov ax, [bp]: mod 01 disp8 */
	check(B(0x8B, 0x46, 0x00), CPU_MODE_16, (struct want){ .size = 2, .reg = 0, .len = 3 });
	/* mov ax, [0x30]: moffs16 */
	check(B(0xA1, 0x30, 0x00), CPU_MODE_16, (struct want){ .size = 2, .reg = 0, .len = 3 });
	/* mov cx, [0x30]: mod 00 rm 110 is disp16 */
	check(B(0x8B, 0x0E, 0x30, 0x00), CPU_MODE_16, (struct want){ .size = 2, .reg = 1, .len = 4 });
	/* mov cx, [bx+0x1234]: mod 10 disp16 */
	check(B(0x8B, 0x8F, 0x34, 0x12), CPU_MODE_16, (struct want){ .size = 2, .reg = 1, .len = 4 });
	/* mov dword [di], 0x12345678 */
	check(B(0x66, 0xC7, 0x05, 0x78, 0x56, 0x34, 0x12), CPU_MODE_16,
	      (struct want){ .is_write = true, .size = 4, .has_imm = true, .imm = 0x12345678, .len = 7 });
	/* mov word [si], 0xabcd */
	check(B(0xC7, 0x04, 0xCD, 0xAB), CPU_MODE_16,
	      (struct want){ .is_write = true, .size = 2, .has_imm = true, .imm = 0xABCD, .len = 4 });
	/* mov eax, [eax+4]: both prefixes, 32-bit addressing */
	check(B(0x66, 0x67, 0x8B, 0x40, 0x04), CPU_MODE_16, (struct want){ .size = 4, .reg = 0, .len = 5 });
	/* mov bl, [bx] */
	check(B(0x8A, 0x1F), CPU_MODE_16, (struct want){ .size = 1, .reg = 3, .len = 2 });
}

static void test_errors(void **state)
{
	/* register operands: mov eax, ecx (8B C1) cannot be MMIO */
	expect_err(B(0x8B, 0xC1), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
	/* unsupported opcodes: add [rax], eax; or dword [rax], 1; xchg [rax], eax */
	expect_err(B(0x01, 0x00), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
	expect_err(B(0x83, 0x08, 0x01), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
	expect_err(B(0x87, 0x00), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
	/* rep prefix: refused */
	expect_err(B(0xF3, 0x8B, 0x00), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
	/* add [rax], al; then empty input, a lone prefix, a lone 0F, ModRM missing */
	expect_err(B(0x00, 0x00), CPU_MODE_64, INSN_ERR_UNSUPPORTED);
	expect_err(NULL, 0, CPU_MODE_64, INSN_ERR_TRUNCATED);
	expect_err(B(0x66), CPU_MODE_64, INSN_ERR_TRUNCATED);
	expect_err(B(0x0F), CPU_MODE_64, INSN_ERR_TRUNCATED);
	expect_err(B(0x8B), CPU_MODE_64, INSN_ERR_TRUNCATED);
	/* SIB present but disp32 cut short */
	expect_err(B(0x8B, 0x04, 0x25, 0x30, 0x00), CPU_MODE_64, INSN_ERR_TRUNCATED);
	/* 14 prefixes + 8B 00 = 16 bytes: over the limit even with more input */
	expect_err(B(0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E,
		     0x3E, 0x3E, 0x8B, 0x00), CPU_MODE_64, INSN_ERR_TOO_LONG);
	/* 13 prefixes + 8B 00 = 15 bytes: still legal */
	check(B(0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E,
		0x8B, 0x00), CPU_MODE_64, (struct want){ .size = 4, .reg = 0, .len = 15 });
	/* 10 prefixes + C7 05 disp32 imm32 = 20 bytes */
	expect_err(B(0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0x3E, 0xC7, 0x05, 0, 0,
		     0, 0, 0, 0, 0, 0), CPU_MODE_64, INSN_ERR_TOO_LONG);
	assert_non_null(insn_decode_strerror(INSN_ERR_TRUNCATED));
	assert_non_null(insn_decode_strerror(INSN_ERR_UNSUPPORTED));
	assert_non_null(insn_decode_strerror(INSN_ERR_TOO_LONG));
	assert_non_null(insn_decode_strerror(-99));
}

/* Trailing bytes after the instruction do not change the result. */
static void test_trailing_bytes(void **state)
{
	const uint8_t bytes[] = { 0x89, 0x48, 0x30, 0xC3, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC,
				  0xCC, 0xCC, 0xCC, 0xCC, 0xCC };
	struct mmio_insn in;

	assert_int_equal(insn_decode_mov(bytes, sizeof(bytes), CPU_MODE_64, &in), 0);
	assert_int_equal(in.len, 3);
}

/* ---- page walk, over a fake guest-physical memory ---- */

/* Weak so that this test still links while vmm/loader/guest_mem.c is not in the
 * Makefile's HOSTLIB_SRCS; the walk tests are then reported as skipped. */
#pragma weak guest_page_walk

#define FAKE_RAM (8 * 1024 * 1024)
static uint8_t ram[FAKE_RAM];
static unsigned reads;

static int fake_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *value)
{
	uint64_t v = 0;

	assert_ptr_equal(ctx, ram);
	reads++;
	if (gpa >= FAKE_RAM || size > FAKE_RAM - gpa)
		return -1;
	memcpy(&v, ram + gpa, size);
	*value = v;
	return 0;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }

static struct guest_paging_state paging(enum guest_paging mode, uint64_t cr3)
{
	if (!guest_page_walk)
		skip();
	memset(ram, 0, sizeof(ram));
	reads = 0;
	return (struct guest_paging_state){ .mode = mode, .cr3 = cr3, .read = fake_read, .ctx = ram };
}

static uint64_t walk_ok(const struct guest_paging_state *s, uint64_t gla)
{
	uint64_t gpa = ~0ULL;

	assert_int_equal(guest_page_walk(s, gla, &gpa), 0);
	return gpa;
}

static void walk_fails(const struct guest_paging_state *s, uint64_t gla)
{
	uint64_t gpa;

	assert_int_equal(guest_page_walk(s, gla, &gpa), -1);
}

#define P     0x1ULL
#define RW    0x2ULL
#define PS    0x80ULL
#define NX    (1ULL << 63)

static void test_walk_none(void **state)
{
	struct guest_paging_state s = paging(GUEST_PAGING_NONE, 0);

	assert_true(walk_ok(&s, 0x123456) == 0x123456);
	assert_true(walk_ok(&s, 0x1FEE00030ULL) == 0xFEE00030);   /* 32-bit linear */
	assert_int_equal(reads, 0);
}

static void test_walk_4level(void **state)
{
	struct guest_paging_state s = paging(GUEST_PAGING_4LEVEL, 0x1000 | 0x18 /* PCD|PWT */);

	/* 0xFFFF800000201234 -> PML4[256] -> PDPT[0] -> PD[1] -> PT[1] */
	put64(0x1000 + 256 * 8, 0x2000 | P | RW);
	put64(0x2000 + 0 * 8, 0x3000 | P | RW);
	put64(0x3000 + 1 * 8, 0x4000 | P | RW);
	put64(0x4000 + 1 * 8, 0x7000 | P | RW | NX);
	assert_true(walk_ok(&s, 0xFFFF800000201234ULL) == 0x7234);
	assert_int_equal(reads, 4);

	/* PML4[0] -> PDPT with a 1 GiB page at 0x40000000 for PDPT[1]... */
	put64(0x1000, 0x5000 | P);
	put64(0x5000 + 1 * 8, 0x40000000 | P | PS);
	assert_true(walk_ok(&s, 0x40ABCDEF) == 0x40ABCDEF);
	/* ...and a 2 MiB page (PAT bit 12 set must not leak into the address) */
	put64(0x5000 + 0 * 8, 0x6000 | P);
	put64(0x6000 + 3 * 8, 0x600000 | 0x1000 | P | PS);
	assert_true(walk_ok(&s, 0x0070ABCD) == 0x0070ABCD);

	walk_fails(&s, 0x0000800000000000ULL);          /* not canonical */
	walk_fails(&s, 0x0000008000000000ULL);          /* PML4[1] not present */
	walk_fails(&s, 0x00000000C0000000ULL);          /* PDPT[3] not present */
	put64(0x6000 + 4 * 8, 0x7FFF000 | P);           /* PT outside RAM */
	walk_fails(&s, 0x00800000);
}

static void test_walk_pae(void **state)
{
	struct guest_paging_state s = paging(GUEST_PAGING_PAE, 0x1000);

	s.pdpte[3] = 0x2000 | P;
	put64(0x2000 + 0x1F7 * 8, 0x3000 | P);          /* 0xFEE00000: PD index 0x1F7 */
	put64(0x3000 + 0 * 8, 0x5000 | P | NX);
	assert_true(walk_ok(&s, 0xFEE00030) == 0x5030);
	put64(0x2000 + 0x1F8 * 8, 0x400000 | P | PS);   /* 2 MiB page */
	assert_true(walk_ok(&s, 0xFF012345) == 0x412345);
	walk_fails(&s, 0x00001000);                     /* PDPTE 0 not present */
	walk_fails(&s, 0xFEE01000);                     /* PTE 1 not present */
}

static void test_walk_32bit(void **state)
{
	struct guest_paging_state s = paging(GUEST_PAGING_32, 0x1000);

	put32(0x1000 + 0x300 * 4, 0x2000 | P);          /* 0xC0000000 */
	put32(0x2000 + 5 * 4, 0x9000 | P);
	assert_true(walk_ok(&s, 0xC0005ABC) == 0x9ABC);
	assert_int_equal(reads, 2);

	/* a 4 MiB page with PSE-36 bits 20:13 = 1 -> physical bit 32 */
	put32(0x1000 + 0x3FB * 4, 0x00400000 | (1u << 13) | P | PS);
	s.pse = true;
	assert_true(walk_ok(&s, 0xFEE00030) == 0x100600030ULL);
	/* without CR4.PSE the PS bit is ignored: the PDE points to a table */
	put32(0x1000 + 0x3FC * 4, 0x3000 | P | PS);
	put32(0x3000 + 0x0 * 4, 0xA000 | P);
	s.pse = false;
	assert_true(walk_ok(&s, 0xFF000010) == 0xA010);
	walk_fails(&s, 0x00000000);                     /* PDE 0 not present */
	walk_fails(&s, 0xC0006000);                     /* PTE 6 not present */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_64),
		cmocka_unit_test(test_prefixes_64),
		cmocka_unit_test(test_imm_64),
		cmocka_unit_test(test_byte_regs_64),
		cmocka_unit_test(test_movzx_movsx),
		cmocka_unit_test(test_mov_32),
		cmocka_unit_test(test_mov_16),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_walk_none),
		cmocka_unit_test(test_walk_4level),
		cmocka_unit_test(test_walk_pae),
		cmocka_unit_test(test_walk_32bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
