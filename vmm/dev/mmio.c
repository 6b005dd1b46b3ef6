/*
 * vmm/dev/mmio.c - one emulated guest memory access: instruction fetch and
 * decode, operand get/set, RIP advance (the contract is in vmm/dev/mmio.h).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#include "vmm/dev/mmio.h"
#include "kernel/console.h"
#include "lib/msr.h"
#include "lib/printf.h"
#include "lib/x86.h"
#include "vmm/core/vcpu.h"
#include "vmm/loader/guest_mem.h"
#include "vmx/vmcs.h"

#define CS_AR_L                 BIT(13)         /* 64-bit code segment */
#define CS_AR_DB                BIT(14)         /* default operand size 32 */
#define IP16_MASK               0xFFFFULL
#define EIP_MASK                0xFFFFFFFFULL

/* Code size from CR0.PE, RFLAGS.VM, EFER.LMA and CS (SDM Vol. 3A,
 * "IA-32e Mode" and "Segment Descriptors": the L and D/B flags). */
static enum cpu_mode guest_cpu_mode(void)
{
	uint32_t cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if (!(vmcs_readnat(GUEST_CR0) & CR0_PE) || (vmcs_readnat(GUEST_RFLAGS) & RFLAGS_VM))
		return CPU_MODE_16;
	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (cs_ar & CS_AR_L))
		return CPU_MODE_64;
	return (cs_ar & CS_AR_DB) ? CPU_MODE_32 : CPU_MODE_16;
}

uint64_t mmio_size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t gpr_get(struct vcpu *v, unsigned reg)
{
	return reg == GPR_RSP ? vmcs_readnat(GUEST_RSP) : v->regs.by_index[reg];
}

static void gpr_set(struct vcpu *v, unsigned reg, uint64_t val)
{
	if (reg == GPR_RSP)
		vmcs_writenat(GUEST_RSP, val);
	else
		v->regs.by_index[reg] = val;
}

/* The value a write instruction stores. */
static uint64_t source_value(struct vcpu *v, const struct mmio_insn *in)
{
	if (in->has_imm)
		return in->imm;
	uint64_t r = gpr_get(v, in->reg);
	return (in->reg_high8 ? r >> 8 : r) & mmio_size_mask(in->size);
}

/* Put what a read returned into the destination register (SDM Vol. 1,
 * "General-Purpose Registers in 64-Bit Mode": a 32-bit result is
 * zero-extended to 64 bits, 8- and 16-bit results leave the rest alone). */
static void dest_store(struct vcpu *v, const struct mmio_insn *in, uint64_t val)
{
	unsigned shift;

	if (in->extend == MMIO_EXTEND_SIGN) {
		shift = 64 - 8 * in->size;
		val = (uint64_t)((int64_t)(val << shift) >> shift);
	}
	val &= mmio_size_mask(in->reg_size);

	uint64_t r = gpr_get(v, in->reg);
	if (in->reg_high8)
		r = (r & ~0xFF00ULL) | (val << 8);
	else if (in->reg_size >= 4)
		r = val;
	else
		r = (r & ~mmio_size_mask(in->reg_size)) | val;
	gpr_set(v, in->reg, r);
}

/* RIP += len, and the instruction retired, so blocking by STI or MOV SS
 * ends (as vcpu_skip_instruction does; it cannot be used here because the
 * exit's instruction length is undefined for EPT violations). */
static void advance_rip(struct vcpu *v, enum cpu_mode mode, unsigned len)
{
	uint64_t rip = v->rip + len;

	if (mode == CPU_MODE_16)
		rip &= IP16_MASK;
	else if (mode == CPU_MODE_32)
		rip &= EIP_MASK;
	vmcs_writenat(GUEST_RIP, rip);
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_STI_MOVSS);
}

static void end_undecodable(struct vcpu *v, const char *device, uint64_t gpa, const char *why,
			    const uint8_t *bytes, size_t n)
{
	char hex[INSN_MAX_LEN * 5 + 1];
	size_t pos = 0;

	hex[0] = '\0';
	for (size_t i = 0; i < n && pos + 6 <= sizeof(hex); i++)
		pos += (size_t)cv_snprintf(hex + pos, sizeof(hex) - pos, "%s0x%02x", i ? " " : "",
					   bytes[i]);
	kprintf("[hv] vm%u vcpu%u: cannot emulate %s access at %#lx: %s; bytes %s at RIP %#lx\n",
		v->vm->id, v->id, device, gpa, why, n ? hex : "(none readable)", v->rip);
	vm_end(v->vm, VM_END_UNHANDLED_EXIT, "%s +%#x: %s; bytes %s at RIP %#lx", device,
	       (unsigned)(gpa & (PAGE_SIZE - 1)), why, n ? hex : "(none readable)", v->rip);
}

bool mmio_decode(struct vcpu *v, uint64_t gpa, const char *device, struct mmio_access *a)
{
	uint64_t q = vcpu_exit_qualification(v);

	if (q & EPT_QUAL_FETCH) {
		vm_end(v->vm, VM_END_BAD_ACCESS, "instruction fetch from the %s page at %#lx (RIP %#lx)",
		       device, gpa, v->rip);
		return false;
	}
	return mmio_decode_dir(v, gpa, device, q & EPT_QUAL_WRITE, a);
}

bool mmio_decode_dir(struct vcpu *v, uint64_t gpa, const char *device, bool write,
		     struct mmio_access *a)
{
	/* Fetch and decode: CS base + RIP (the base is 0 in 64-bit mode). */
	a->gpa = gpa;
	a->mode = guest_cpu_mode();
	uint64_t la = v->rip;
	if (a->mode != CPU_MODE_64)
		la = (vmcs_readnat(GUEST_CS_BASE) + la) & EIP_MASK;
	uint8_t bytes[INSN_MAX_LEN];
	size_t n = guest_read_linear_upto(v, la, bytes, sizeof(bytes));
	int err = insn_decode_mov(bytes, n, a->mode, &a->insn);
	if (err) {
		end_undecodable(v, device, gpa, insn_decode_strerror(err), bytes, n);
		return false;
	}
	if (a->insn.is_write != write) {
		end_undecodable(v, device, gpa, a->insn.is_write ? "decoded a write, the exit says read"
								  : "decoded a read, the exit says write",
				bytes, a->insn.len);
		return false;
	}
	if ((gpa & (PAGE_SIZE - 1)) + a->insn.size > PAGE_SIZE) {
		end_undecodable(v, device, gpa, "access crosses the end of the page", bytes,
				a->insn.len);
		return false;
	}
	a->value = a->insn.is_write ? source_value(v, &a->insn) : 0;
	return true;
}

void mmio_complete_read(struct vcpu *v, const struct mmio_access *a, uint64_t val)
{
	dest_store(v, &a->insn, val);
	advance_rip(v, a->mode, a->insn.len);
}

void mmio_complete_write(struct vcpu *v, const struct mmio_access *a)
{
	advance_rip(v, a->mode, a->insn.len);
}
