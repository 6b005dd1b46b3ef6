/*
 * vmm/vm_create.h - building VMs from the boot modules.
 *
 * Context: VMX root, boot CPU, before any guest runs.
 */
#ifndef CV_VM_CREATE_H
#define CV_VM_CREATE_H

#include "kernel/multiboot.h"
#include "vmm/core/vm.h"

/* A VM for the guest kernel in mod, with extra[0..nextra) as its own
 * modules. Returns NULL only when no VM slot is left; a guest that cannot be
 * loaded still gets a VM, ended with VM_END_LOAD_FAILED and the reason. */
struct vm *vm_create(const struct boot_module *mod, const struct boot_module *extra,
		     unsigned nextra);

#endif
