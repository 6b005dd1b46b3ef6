/*
 * vmx/entry_check_read.c - fill a struct vmcs_snapshot from the current
 * VMCS, the capability MSRs vmx_probe() read (vmx_caps) and this pCPU.
 *
 * Context: VMX root, kernel only, the VMCS current on this pCPU. Kept apart
 * from vmx/entry_check.c so that the rules stay pure C and host-testable.
 * About 110 VMREADs: run before VMLAUNCH (and before VMRESUME with
 * entry_check=always), never on the per-exit fast path.
 */
#include "vmx/entry_check.h"
#include "kernel/arch.h"
#include "lib/msr.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define READ_SEG(s, i, NAME)                                             \
	do {                                                             \
		(s)->seg[i].sel = vmcs_read16(GUEST_##NAME##_SELECTOR);  \
		(s)->seg[i].base = vmcs_readnat(GUEST_##NAME##_BASE);    \
		(s)->seg[i].limit = vmcs_read32(GUEST_##NAME##_LIMIT);   \
		(s)->seg[i].ar = vmcs_read32(GUEST_##NAME##_AR_BYTES);   \
	} while (0)

void vmcs_snapshot_read(struct vmcs_snapshot *s)
{
	const struct vmx_caps_raw *c = &vmx_caps;

	*s = (struct vmcs_snapshot){
		.cap_basic = c->basic, .cap_pin = c->pinbased, .cap_proc = c->procbased,
		.cap_proc2 = c->procbased2, .cap_exit = c->exit, .cap_entry = c->entry,
		.cap_misc = c->misc, .cap_ept_vpid = c->ept_vpid,
		.cr0_fixed0 = c->cr0_fixed0, .cr0_fixed1 = c->cr0_fixed1,
		.cr4_fixed0 = c->cr4_fixed0, .cr4_fixed1 = c->cr4_fixed1,
	};
	s->phys_addr_bits = cpu_phys_addr_bits();
	s->host_ia32e = rdmsr(MSR_IA32_EFER) & EFER_LMA;

	s->pin = vmcs_read32(PIN_BASED_VM_EXEC_CONTROL);
	s->proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	s->proc2 = c->have_procbased2 ? vmcs_read32(SECONDARY_VM_EXEC_CONTROL) : 0;
	s->exit = vmcs_read32(VM_EXIT_CONTROLS);
	s->entry = vmcs_read32(VM_ENTRY_CONTROLS);
	s->cr3_target_count = vmcs_read32(CR3_TARGET_COUNT);
	s->io_bitmap_a = vmcs_read64(IO_BITMAP_A);
	s->io_bitmap_b = vmcs_read64(IO_BITMAP_B);
	s->msr_bitmap = vmcs_read64(MSR_BITMAP);
	if (s->proc & CPU_BASED_TPR_SHADOW) {
		s->virtual_apic_page = vmcs_read64(VIRTUAL_APIC_PAGE_ADDR);
		s->tpr_threshold = vmcs_read32(TPR_THRESHOLD);
	}
	if (s->proc2 & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES)
		s->apic_access_addr = vmcs_read64(APIC_ACCESS_ADDR);
	if (s->proc2 & SECONDARY_EXEC_ENABLE_EPT)
		s->eptp = vmcs_read64(EPT_POINTER);
	if (s->proc2 & SECONDARY_EXEC_ENABLE_VPID)
		s->vpid = vmcs_read16(VIRTUAL_PROCESSOR_ID);
	s->exit_msr_store_count = vmcs_read32(VM_EXIT_MSR_STORE_COUNT);
	s->exit_msr_load_count = vmcs_read32(VM_EXIT_MSR_LOAD_COUNT);
	s->entry_msr_load_count = vmcs_read32(VM_ENTRY_MSR_LOAD_COUNT);
	s->exit_msr_store_addr = vmcs_read64(VM_EXIT_MSR_STORE_ADDR);
	s->exit_msr_load_addr = vmcs_read64(VM_EXIT_MSR_LOAD_ADDR);
	s->entry_msr_load_addr = vmcs_read64(VM_ENTRY_MSR_LOAD_ADDR);
	s->entry_intr_info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	s->entry_exception_error_code = vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE);
	s->entry_instruction_len = vmcs_read32(VM_ENTRY_INSTRUCTION_LEN);

	s->host_cr0 = vmcs_readnat(HOST_CR0);
	s->host_cr3 = vmcs_readnat(HOST_CR3);
	s->host_cr4 = vmcs_readnat(HOST_CR4);
	s->host_es = vmcs_read16(HOST_ES_SELECTOR);
	s->host_cs = vmcs_read16(HOST_CS_SELECTOR);
	s->host_ss = vmcs_read16(HOST_SS_SELECTOR);
	s->host_ds = vmcs_read16(HOST_DS_SELECTOR);
	s->host_fs = vmcs_read16(HOST_FS_SELECTOR);
	s->host_gs = vmcs_read16(HOST_GS_SELECTOR);
	s->host_tr = vmcs_read16(HOST_TR_SELECTOR);
	s->host_fs_base = vmcs_readnat(HOST_FS_BASE);
	s->host_gs_base = vmcs_readnat(HOST_GS_BASE);
	s->host_tr_base = vmcs_readnat(HOST_TR_BASE);
	s->host_gdtr_base = vmcs_readnat(HOST_GDTR_BASE);
	s->host_idtr_base = vmcs_readnat(HOST_IDTR_BASE);
	s->host_sysenter_esp = vmcs_readnat(HOST_IA32_SYSENTER_ESP);
	s->host_sysenter_eip = vmcs_readnat(HOST_IA32_SYSENTER_EIP);
	s->host_rip = vmcs_readnat(HOST_RIP);
	if (s->exit & VM_EXIT_LOAD_PAT)
		s->host_pat = vmcs_read64(HOST_IA32_PAT);
	if (s->exit & VM_EXIT_LOAD_EFER)
		s->host_efer = vmcs_read64(HOST_IA32_EFER);

	s->guest_cr0 = vmcs_readnat(GUEST_CR0);
	s->guest_cr3 = vmcs_readnat(GUEST_CR3);
	s->guest_cr4 = vmcs_readnat(GUEST_CR4);
	s->guest_dr7 = vmcs_readnat(GUEST_DR7);
	s->guest_debugctl = vmcs_read64(GUEST_IA32_DEBUGCTL);
	if (s->entry & VM_ENTRY_LOAD_PAT)
		s->guest_pat = vmcs_read64(GUEST_IA32_PAT);
	if (s->entry & VM_ENTRY_LOAD_EFER)
		s->guest_efer = vmcs_read64(GUEST_IA32_EFER);
	s->guest_sysenter_esp = vmcs_readnat(GUEST_SYSENTER_ESP);
	s->guest_sysenter_eip = vmcs_readnat(GUEST_SYSENTER_EIP);
	READ_SEG(s, SEG_ES, ES);
	READ_SEG(s, SEG_CS, CS);
	READ_SEG(s, SEG_SS, SS);
	READ_SEG(s, SEG_DS, DS);
	READ_SEG(s, SEG_FS, FS);
	READ_SEG(s, SEG_GS, GS);
	READ_SEG(s, SEG_LDTR, LDTR);
	READ_SEG(s, SEG_TR, TR);
	s->gdtr_base = vmcs_readnat(GUEST_GDTR_BASE);
	s->idtr_base = vmcs_readnat(GUEST_IDTR_BASE);
	s->gdtr_limit = vmcs_read32(GUEST_GDTR_LIMIT);
	s->idtr_limit = vmcs_read32(GUEST_IDTR_LIMIT);
	s->guest_rip = vmcs_readnat(GUEST_RIP);
	s->guest_rflags = vmcs_readnat(GUEST_RFLAGS);
	s->interruptibility = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	s->activity = vmcs_read32(GUEST_ACTIVITY_STATE);
	s->pending_dbg = vmcs_readnat(GUEST_PENDING_DBG_EXCEPTIONS);
	s->link_pointer = vmcs_read64(VMCS_LINK_POINTER);
}
