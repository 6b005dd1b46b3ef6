/*
 * vmx/vmxon.c - entering VMX operation on a pCPU.
 *
 * Context: kernel, each pCPU once, interrupts off. SDM Vol. 3C, "Enabling
 * and Entering VMX Operation" and "Restrictions on VMX Operation": CR0 and
 * CR4 must hold the bits IA32_VMX_CR0/CR4_FIXED0 say are 1 and none of the
 * bits FIXED1 says are 0 (this sets CR4.VMXE and CR0.NE); the VMXON region
 * is a 4 KiB-aligned page starting with the VMCS revision identifier.
 */
#include "vmx/vmx.h"
#include "kernel/fpu.h"
#include "lib/x86.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/percpu.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"


struct vmx_caps_raw vmx_caps;

uint64_t vmx_guest_cr0_fixed1_bits(void)
{
	return vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
}

uint64_t vmx_cr4_fixed1_bits(void)
{
	return vmx_caps.cr4_fixed0;
}

bool vmx_cpu_enable(void)
{
	uint32_t cpu = this_cpu()->cpu_id;

	/* The FPU's CR0/CR4 bits and XCR0 first: HOST_CR4 is read from here */
	fpu_cpu_init();
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);

	uint32_t *region = frames_alloc(1, 1);
	region[0] = vmx_basic_revision_id(vmx_caps.basic);
	enum vmx_result r = vmxon(virt_to_phys(region));
	if (r != VMX_SUCCEED) {
		kprintf("[hv] vmx: VMXON on pcpu %u failed: %s\n", cpu,
			r == VMX_FAIL_INVALID ? "VMfailInvalid (bad VMXON region or revision)"
					      : "VMfailValid (already in VMX operation?)");
		frames_free(region, 1);
		return false;
	}
	this_cpu()->vmxon_region = region;
	kprintf("[hv] vmx: pcpu %u in VMX root operation (VMXON region %#lx, revision %#x)\n",
		cpu, virt_to_phys(region), region[0]);
	return true;
}
