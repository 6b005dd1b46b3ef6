/*
 * vmm/snap.h - save a running VM as an image, and create a VM from one.
 *
 * Context: VMX root. docs/snapshot.md gives the format (vmm/loader/snapshot.h)
 * and the rules for the guest's TSC across a save and a restore.
 *
 * Save (save=vmN@TICKS): once vCPU 0 of VM N reads TICKS or more on its TSC
 * at the end of a slice, every vCPU of the VM is stopped at an instruction
 * boundary: each one, the next time a pCPU loads it (a running one is kicked
 * out of the guest first, a halted one is woken for this alone), has its
 * state copied while its VMCS is current there, and does not run on. When
 * the last one is copied, that pCPU writes the image to COM2 (one chosen
 * instant gives every vCPU's guest TSC), then the VM runs on as before.
 *
 * Restore: a module that starts with the image magic is a saved VM; its
 * command line may say downtime=freeze (default: the guest TSC goes on from
 * the value it was saved with) or downtime=advance (plus the wall-clock
 * seconds between the save and now, by the two hosts' RTCs: +/- 1 s), and,
 * for the tests' negative control only, restore_tsc=ignore (the guest TSC
 * starts again from 0, as if the saved TSC state were lost).
 */
#ifndef CV_SNAP_H
#define CV_SNAP_H

#include "lib/types.h"
#include "vmm/core/vm.h"
#include "vmm/options.h"

enum snap_vm_state { SNAP_NONE, SNAP_CAPTURING };

void snap_check_trigger_slow(struct vcpu *v);
bool snap_on_load_slow(struct vcpu *v);

/* End of a slice of v (its VMCS current here): start the save if save=
 * names its VM and its guest TSC has reached the mark. Inline, like the
 * next one: without save= it is one test on every slice end. */
static inline void snap_check_trigger(struct vcpu *v)
{
	if (__builtin_expect(hv_opts.nsaves != 0, 0))
		snap_check_trigger_slow(v);
}

/* v was just loaded on this pCPU: if its VM is being saved, copy its state
 * (once) and return true: it must not enter the guest now. */
static inline bool snap_on_load(struct vcpu *v)
{
	if (__builtin_expect(v->vm->snap_state != SNAP_CAPTURING, 1))
		return false;
	return snap_on_load_slow(v);
}

/* Restore, last: say how long it took. */
void snap_restore_done(struct vm *vm);

/* Is this module a saved VM image? */
bool snap_is_image(const uint8_t *data, uint64_t len);

/* Restore, first half: check the image, take the VM's RAM size, vCPU count
 * and guest TSC rate from it (vm->ram_size, nvcpus_wanted, tsc_khz). False
 * (the VM ended with the reason) for a bad image or bad restore options. */
bool snap_restore_prepare(struct vm *vm, const uint8_t *data, uint64_t len);

/* Restore, second half, once RAM is allocated: copy the saved pages. */
void snap_restore_ram(struct vm *vm, const uint8_t *data, uint64_t len);

/* Restore, per vCPU, right after it was created (its VMCS current here):
 * the saved guest state, registers, APIC, MSRs and TSC. */
void snap_restore_vcpu(struct vcpu *v, const uint8_t *data, uint64_t len);

#endif
