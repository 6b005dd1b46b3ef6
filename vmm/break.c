/*
 * vmm/break.c - the break= corruptions (see vmm/break.h).
 *
 * Context: VMX root, the vCPU's VMCS current. Each case prints which field
 * it changes, from what to what, and which failure to expect. The software
 * entry checker (vmx/entry_check.c, run before VMLAUNCH) then names the
 * broken rule; with entry_check=off the CPU sees the VMCS, and its failure
 * is diagnosed by vmx/exit.c like any real one. The checks
 * involved are in SDM Vol. 3C, "Checks on VMX Controls and Host-State Area"
 * and "Checks on the Guest State Area".
 */
#include "vmm/break.h"
#include "lib/x86.h"
#include "kernel/console.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define AR_TYPE_MASK        0xFu
#define AR_TYPE_TSS32_AVAIL 0x9u
#define AR_TYPE_ACCESSED    0x1u

const char *const break_names[] = {
	[BREAK_NONE] = "none",
	[BREAK_TR_TYPE] = "tr-type",
	[BREAK_CS_ACCESSED] = "cs-accessed",
	[BREAK_LINK_POINTER] = "link-pointer",
	[BREAK_CR0_NE] = "cr0-ne",
	[BREAK_RFLAGS] = "rflags",
	[BREAK_HOST_TR] = "host-tr",
	[BREAK_CONTROLS] = "controls",
	[NUM_BREAKS] = NULL,
};

/* expect is the CPU's diagnosis. With the entry checker on (the default) it
 * refuses the VMLAUNCH first, so the CPU's shows only with entry_check=off. */
static bool checked;   /* the entry checker runs before this VMLAUNCH */

static void announce(struct vcpu *v, enum break_kind kind, const char *field, uint64_t from,
		     uint64_t to, const char *expect)
{
	kprintf("[hv] break=%s: vm%u: corrupting %s %#lx -> %#lx; expect %s%s%s\n",
		break_names[kind], v->vm->id, field, from, to,
		checked ? "the entry check to name the rule (the CPU's diagnosis with entry_check=off: " : "",
		expect, checked ? ")" : "");
}

void break_apply(struct vcpu *v, enum break_kind kind, bool entry_checked)
{
	uint64_t old;

	checked = entry_checked;

	switch (kind) {
	case BREAK_NONE:
		return;
	case BREAK_TR_TYPE:
		old = vmcs_read32(GUEST_TR_AR_BYTES);
		vmcs_write32(GUEST_TR_AR_BYTES, (old & ~AR_TYPE_MASK) | AR_TYPE_TSS32_AVAIL);
		announce(v, kind, "GUEST_TR_AR_BYTES", old, vmcs_read32(GUEST_TR_AR_BYTES),
			 "exit 33 (invalid guest state): TR must be a busy TSS");
		return;
	case BREAK_CS_ACCESSED:
		old = vmcs_read32(GUEST_CS_AR_BYTES);
		vmcs_write32(GUEST_CS_AR_BYTES, old & ~AR_TYPE_ACCESSED);
		announce(v, kind, "GUEST_CS_AR_BYTES", old, old & ~AR_TYPE_ACCESSED,
			 "exit 33 (invalid guest state): CS must be accessed");
		return;
	case BREAK_LINK_POINTER:
		old = vmcs_read64(VMCS_LINK_POINTER);
		vmcs_write64(VMCS_LINK_POINTER, 0);
		announce(v, kind, "VMCS_LINK_POINTER", old, 0,
			 "exit 33 (invalid guest state), qualification 4");
		return;
	case BREAK_CR0_NE:
		old = vmcs_readnat(GUEST_CR0);
		vmcs_writenat(GUEST_CR0, old & ~CR0_NE);
		announce(v, kind, "GUEST_CR0", old, old & ~CR0_NE,
			 "exit 33 (invalid guest state): CR0.NE is fixed to 1");
		return;
	case BREAK_RFLAGS:
		old = vmcs_readnat(GUEST_RFLAGS);
		vmcs_writenat(GUEST_RFLAGS, old & ~RFLAGS_RESERVED1);
		announce(v, kind, "GUEST_RFLAGS", old, old & ~RFLAGS_RESERVED1,
			 "exit 33 (invalid guest state): RFLAGS bit 1 must be 1");
		return;
	case BREAK_HOST_TR:
		old = vmcs_read16(HOST_TR_SELECTOR);
		vmcs_write16(HOST_TR_SELECTOR, 0);
		announce(v, kind, "HOST_TR_SELECTOR", old, 0,
			 "VMfailValid, error 8 (invalid host-state field)");
		return;
	case BREAK_CONTROLS: {
		/* a pin-based bit the CPU does not allow to be 1 */
		uint32_t may1 = (uint32_t)(vmx_caps.pinbased >> 32);
		uint32_t bad = ~may1 & -~may1;      /* lowest bit that must be 0 */
		old = vmcs_read32(PIN_BASED_VM_EXEC_CONTROL);
		vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, old | bad);
		announce(v, kind, "PIN_BASED_VM_EXEC_CONTROL", old, old | bad,
			 "VMfailValid, error 7 (invalid control field)");
		return;
	}
	case NUM_BREAKS:
		break;
	}
	panic("break_apply: bad kind %d", (int)kind);
}
