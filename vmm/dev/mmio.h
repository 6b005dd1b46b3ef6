/*
 * vmm/dev/mmio.h - emulating one guest memory access to an emulated device
 * page, whatever the device: fetch and decode the instruction, read its
 * source operand, store what a read returned, advance RIP.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current; called by
 * a device model (vmm/dev/lapic.c) from the EPT-violation exit.
 *
 * An EPT violation reports the guest-physical address and whether it was a
 * read, write or fetch (SDM Vol. 3C, "Exit Qualification for EPT
 * Violations"), but neither the register nor the size, and its VM-exit
 * instruction length is undefined (SDM Vol. 3C, "VM-Exit Instruction
 * Length"). So the instruction is fetched through the guest's page tables
 * (vmm/loader/guest_mem.c), decoded (vmm/dev/insn_decode.c), its operand
 * read or written here, and RIP advanced by the decoded length. The device
 * only sees (offset, size, value).
 */
#ifndef CV_DEV_MMIO_H
#define CV_DEV_MMIO_H

#include "vmm/core/vm.h"
#include "vmm/dev/insn_decode.h"

/* One decoded access. */
struct mmio_access {
	uint64_t gpa;
	enum cpu_mode mode;       /* the guest's code size, for the RIP wrap */
	struct mmio_insn insn;    /* is_write, size, operand */
	uint64_t value;           /* writes: the value stored (size bytes) */
};

/* Fetch and decode the instruction behind an EPT violation at gpa (whose
 * exit qualification v->exit_qualification holds) and check it against the
 * exit (read/write, no fetch). On success fill *a (with the stored value
 * for a write) and return true. Otherwise end the VM with a message that
 * names `device`, the offset in its page, the bytes and RIP, and return
 * false. */
bool mmio_decode(struct vcpu *v, uint64_t gpa, const char *device, struct mmio_access *a);

/* The same for an access whose direction the exit gave otherwise (an
 * APIC-access exit, SDM Vol. 3C, "Exit Qualification for APIC-Access VM
 * Exits"): write says whether it was a write; fetches were refused before. */
bool mmio_decode_dir(struct vcpu *v, uint64_t gpa, const char *device, bool write,
		     struct mmio_access *a);

/* All-ones of the access size (what a read of nothing returns). */
uint64_t mmio_size_mask(unsigned size);

/* Finish a read: put val (the device's answer, size bytes) into the
 * destination register as the instruction would, then advance RIP. */
void mmio_complete_read(struct vcpu *v, const struct mmio_access *a, uint64_t val);

/* Finish a write: advance RIP. */
void mmio_complete_write(struct vcpu *v, const struct mmio_access *a);

#endif
