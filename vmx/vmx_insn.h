/*
 * vmx/vmx_insn.h - the VMX instructions, each one checked.
 *
 * Context: VMX root operation (kernel). Every VMX instruction reports failure
 * through RFLAGS (SDM Vol. 3C, "Conventions" in "VMX Instruction Reference"):
 * CF = 1 is VMfailInvalid (no current VMCS, or the operand itself is bad),
 * ZF = 1 is VMfailValid (the reason is in the VM-instruction error field of
 * the current VMCS). Both are tested after every instruction; callers that
 * cannot go on use the *_or_die forms, which print the failure class, the
 * operand, the named error and the caller, then end the run.
 */
#ifndef CV_VMX_INSN_H
#define CV_VMX_INSN_H

#include "lib/types.h"

enum vmx_result {
	VMX_SUCCEED = 0,
	VMX_FAIL_INVALID = 1,   /* CF set */
	VMX_FAIL_VALID = 2,     /* ZF set: see VM_INSTRUCTION_ERROR */
};

/* "setna" cannot tell CF from ZF; read both and classify. */
#define VMX_ASM_RESULT(insn, ...)                                            \
	({                                                                   \
		uint8_t cf_, zf_;                                            \
		__asm__ volatile(insn "\n\tsetc %0\n\tsetz %1"               \
				 : "=qm"(cf_), "=qm"(zf_)                    \
				 : __VA_ARGS__ : "cc", "memory");            \
		cf_ ? VMX_FAIL_INVALID : zf_ ? VMX_FAIL_VALID : VMX_SUCCEED; \
	})

static inline enum vmx_result vmxon(uint64_t region_pa)
{
	return VMX_ASM_RESULT("vmxon %2", "m"(region_pa));
}

static inline enum vmx_result vmxoff(void)
{
	return VMX_ASM_RESULT("vmxoff", "i"(0));
}

static inline enum vmx_result vmclear(uint64_t vmcs_pa)
{
	return VMX_ASM_RESULT("vmclear %2", "m"(vmcs_pa));
}

static inline enum vmx_result vmptrld(uint64_t vmcs_pa)
{
	return VMX_ASM_RESULT("vmptrld %2", "m"(vmcs_pa));
}

static inline enum vmx_result vmread_raw(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;
	uint64_t v = 0;
	__asm__ volatile("vmread %3, %0\n\tsetc %1\n\tsetz %2"
			 : "=rm"(v), "=qm"(cf), "=qm"(zf)
			 : "r"(field)
			 : "cc");
	*value = v;
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_SUCCEED;
}

static inline enum vmx_result vmwrite_raw(uint64_t field, uint64_t value)
{
	return VMX_ASM_RESULT("vmwrite %3, %2", "r"(field), "rm"(value));
}

/* INVEPT/INVVPID descriptors: SDM Vol. 3C, "INVEPT" and "INVVPID". */
#define INVEPT_SINGLE_CONTEXT   1
#define INVEPT_ALL_CONTEXT      2
#define INVVPID_SINGLE_CONTEXT  1
#define INVVPID_ALL_CONTEXT     2

static inline enum vmx_result invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, reserved; } desc = { eptp, 0 };
	return VMX_ASM_RESULT("invept %3, %2", "r"(type), "m"(desc));
}

static inline enum vmx_result invvpid(uint64_t type, uint16_t vpid, uint64_t gla)
{
	struct { uint64_t vpid, gla; } desc = { vpid, gla };
	return VMX_ASM_RESULT("invvpid %3, %2", "r"(type), "m"(desc));
}

/* Name of a VM-instruction error number (SDM Vol. 3C, "VM Instruction Error Numbers"). */
const char *vmx_instruction_error_name(uint32_t err);

/* Print "<insn> <operand> failed: VMfailInvalid | VMfailValid error N (name)"
 * with the caller, then end the run (fatal). */
NORETURN void vmx_insn_fatal(const char *insn, uint64_t operand, uint64_t value,
			     enum vmx_result r, const char *caller);

/* VMPTRLD and VMCLEAR on the path of every move (vmm/run.c), checked with
 * two branches on the flags themselves (asm goto) rather than by reading
 * them into registers: each failure class still ends the run by name.
 * Defines vmptrld_checked(pa, caller) and vmclear_checked(pa, caller). */
#define VMX_PTR_INSN_CHECKED(insn)                                           \
	static inline void insn##_checked(uint64_t vmcs_pa, const char *caller) \
	{                                                                    \
		__asm__ goto(#insn " %0\n\tjc %l[invalid]\n\tjz %l[valid]"   \
			     : : "m"(vmcs_pa) : "cc", "memory" : invalid, valid); \
		return;                                                      \
	invalid:                                                             \
		vmx_insn_fatal(#insn, vmcs_pa, 0, VMX_FAIL_INVALID, caller); \
	valid:                                                               \
		vmx_insn_fatal(#insn, vmcs_pa, 0, VMX_FAIL_VALID, caller);   \
	}
VMX_PTR_INSN_CHECKED(vmptrld)
VMX_PTR_INSN_CHECKED(vmclear)

#define VMX_CHECK(insn_name, operand, call)                                  \
	do {                                                                 \
		enum vmx_result r_ = (call);                                 \
		if (r_ != VMX_SUCCEED)                                       \
			vmx_insn_fatal(insn_name, (operand), 0, r_, __func__); \
	} while (0)

#endif
