/*
 * vmx/vmcs.h - VMCS field encodings and width-checked accessors.
 *
 * Context: VMX root operation, on the pCPU where the VMCS is current.
 * vmcs_read16/32/64/nat and vmcs_write* check at compile time that the
 * field's width (encoding bits 14:13) matches the accessor, as Linux's
 * vmx_ops.h does, so a 16-bit field can never be written as 64 bits by
 * mistake. A failing VMREAD/VMWRITE is fatal with the field's name.
 */
#ifndef CV_VMCS_H
#define CV_VMCS_H

#include "lib/types.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_insn.h"

enum vmcs_field {
#define VMCS_ENUM(name, enc) name = enc,
	VMCS_FIELDS(VMCS_ENUM)
#undef VMCS_ENUM
};

#define VMCS_WIDTH(f)        (((f) >> 13) & 3)
#define VMCS_WIDTH_16        0
#define VMCS_WIDTH_64        1
#define VMCS_WIDTH_32        2
#define VMCS_WIDTH_NATURAL   3

/* The failure paths, out of line: tell VMfailInvalid from VMfailValid,
 * print the field by name and end the run. */
NORETURN void vmcs_read_failed(uint32_t field, const char *caller);
NORETURN void vmcs_write_failed(uint32_t field, uint64_t value, const char *caller);

#ifdef CV_FAKE_VMCS
/* Host builds of the device model (tests/fuzz/fake_vmm.c, docs/fuzzing.md):
 * the current VMCS is a table in memory; an encoding that is not in
 * vmx/vmcs_fields.h ends the run there as VMfailValid would here. */
uint64_t fake_vmcs_read(uint32_t field, const char *caller);
void fake_vmcs_write(uint32_t field, uint64_t value, const char *caller);

static inline uint64_t __vmcs_read(uint32_t field, const char *caller)
{
	return fake_vmcs_read(field, caller);
}

static inline void __vmcs_write(uint32_t field, uint64_t value, const char *caller)
{
	fake_vmcs_write(field, value, caller);
}
#else
/* Inline, two instructions on the exit path: the access and a JBE, which
 * is taken on CF (VMfailInvalid) or ZF (VMfailValid) alike. */
static inline uint64_t __vmcs_read(uint32_t field, const char *caller)
{
	uint64_t v;
	__asm__ goto("vmread %1, %0\n\tjbe %l[failed]"
		     : "=r"(v) : "r"((uint64_t)field) : "cc" : failed);
	return v;
failed:
	vmcs_read_failed(field, caller);
}

static inline void __vmcs_write(uint32_t field, uint64_t value, const char *caller)
{
	__asm__ goto("vmwrite %1, %0\n\tjbe %l[failed]"
		     : : "r"((uint64_t)field), "rm"(value) : "cc", "memory" : failed);
	return;
failed:
	vmcs_write_failed(field, value, caller);
}
#endif

#define VMCS_ACCESS_CHECK(f, w)                                              \
	_Static_assert(__builtin_constant_p(f) && VMCS_WIDTH(f) == (w),      \
		       "VMCS accessor width does not match field " #f)

#define vmcs_read16(f)  ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_16); (uint16_t)__vmcs_read(f, __func__); })
#define vmcs_read32(f)  ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_32); (uint32_t)__vmcs_read(f, __func__); })
#define vmcs_read64(f)  ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_64); __vmcs_read(f, __func__); })
#define vmcs_readnat(f) ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_NATURAL); __vmcs_read(f, __func__); })

#define vmcs_write16(f, v)  ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_16); __vmcs_write(f, (uint16_t)(v), __func__); })
#define vmcs_write32(f, v)  ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_32); __vmcs_write(f, (uint32_t)(v), __func__); })
#define vmcs_write64(f, v)  ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_64); __vmcs_write(f, (uint64_t)(v), __func__); })
#define vmcs_writenat(f, v) ({ VMCS_ACCESS_CHECK(f, VMCS_WIDTH_NATURAL); __vmcs_write(f, (uint64_t)(v), __func__); })

/* The field's Linux-style name, or NULL for an encoding not in the list. */
const char *vmcs_field_name(uint32_t field);

/* Every field of the current VMCS, by name, grouped as in the SDM appendix;
 * fields this CPU does not implement are shown as "n/a". */
void vmcs_dump(void);

#endif
