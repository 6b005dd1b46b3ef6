/*
 * tests/fuzz/fuzz_devices.c - libFuzzer target: the device model a guest
 * drives through VM exits, with a fake VMCS (tests/fuzz/fake_vmm.c): port
 * I/O (vmm/dev/io.c), RDMSR/WRMSR (vmm/dev/msr_emul.c and the x2APIC MSRs of
 * vmm/dev/lapic.c), VMCALL (vmm/dev/hypercall.c), CPUID (vmm/dev/cpuid.c),
 * xAPIC page accesses decoded from guest memory (vmm/dev/lapic.c,
 * vmm/dev/mmio.c, vmm/dev/insn_decode.c, vmm/loader/guest_mem.c), the APIC
 * timer (vmm/dev/lapic_timer.c), interrupt acceptance and console input
 * into COM1 (vm_console_input, from bytes the input gives), for a VM of two
 * vCPUs.
 *
 * Input: a sequence of operations, each an opcode byte and its arguments
 * (short reads give zeros), applied as the exit handlers of vmm/exit.c
 * would apply them, to the vCPU chosen last; the VM is made afresh for each
 * input. Operations go on after the VM has ended, as exits of its other
 * vCPUs would.
 *
 * Checks, besides ASan/UBSan and the fake VMCS's field check: after every
 * operation the event in VM_ENTRY_INTR_INFO_FIELD, if any, obeys the VM-entry
 * rules for event injection (SDM Vol. 3C, "Checks on VM-Entry Control
 * Fields", event injection): no reserved type or bits, a hardware exception
 * vector below 32, an NMI on vector 2, and an error code delivered exactly
 * when the guest is in protected mode and the exception has one (8, 10-14,
 * 17, 21; chronovisor's guests run as unrestricted guests).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/msr.h"
#include "lib/printf.h"
#include "lib/x86.h"
#include "tests/fuzz/fake_vmm.h"
#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"
#include "vmm/dev/cpuid.h"
#include "vmm/dev/hypercall.h"
#include "vmm/dev/io.h"
#include "vmm/dev/lapic.h"
#include "vmm/dev/msr_emul.h"
#include "vmm/time/vtsc.h"
#include "vmx/vmcs.h"

#define RAM_SIZE      (64 * KiB)
#define CODE_GPA      0x1000       /* where xAPIC-access instructions are put */
#define PML4_GPA      0xC000       /* identity map of the first 2 MiB, for 64-bit mode */
#define NVCPUS        2
#define APIC_PAGE     0xFEE00000ULL
#define AR_DPL_SHIFT  5
#define CS_AR_32      0xC09B       /* present code, D = 1, G = 1 */
#define CS_AR_64      0xA09B       /* present code, L = 1 */
#define CS_AR_16      0x009B
#define SS_AR_DATA    0xC093

enum op { OP_IO, OP_RDMSR, OP_WRMSR, OP_VMCALL, OP_CPUID, OP_XAPIC, OP_TIME, OP_INJECT,
	  OP_CR8, OP_VCPU, OP_MODE, OP_CONSOLE_IN, NUM_OPS };

static const uint32_t msrs[] = {
	MSR_IA32_APIC_BASE, 0x802, 0x803, 0x808, 0x80B, 0x80F, 0x830, 0x832, 0x835, 0x837,
	0x838, 0x839, 0x83E, 0x83F, 0x800, 0x8FF, 0x6E0, 0x10, 0x3B, 0x1B, 0xC0000080,
	0xC0000081, 0xC0000082, 0xC0000102, 0xC0000103, 0x277, 0x1A0, 0x179, 0x17A, 0x400,
	0x480, 0x48D, 0xFE, 0x2FF, 0x200, 0x8B, 0x34, 0xE7, 0xE8, 0x3A, 0x0, 0xFFFFFFFF,
};
static const uint32_t leaves[] = {
	0, 1, 2, 4, 6, 7, 0xA, 0xB, 0xD, 0x14, 0x15, 0x16, 0x1F, 0x40000000, 0x40000001,
	0x40000010, 0x4FFFFFFF, 0x80000000, 0x80000001, 0x80000007, 0x80000008, 0x8FFFFFFF,
};

static struct vm *vm;
static uint8_t *ram;

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_devices: %s\n", what);
		abort();
	}
}

/* SDM Vol. 3C, "Checks on VM-Entry Control Fields", event injection. */
static void check_entry_event(void)
{
	uint32_t info = (uint32_t)fake_vmcs_get(VM_ENTRY_INTR_INFO_FIELD);
	uint32_t type = info & INTR_INFO_TYPE_MASK, vec = info & INTR_INFO_VECTOR_MASK;
	bool pe = fake_vmcs_get(GUEST_CR0) & CR0_PE;

	if (!(info & INTR_INFO_VALID))
		return;
	check(!(info & INTR_INFO_RESERVED), "injected event: reserved bits 30:12 set");
	check(type != (1u << INTR_INFO_TYPE_SHIFT), "injected event: reserved type 1");
	check(type != INTR_TYPE_NMI || vec == 2, "injected NMI not on vector 2");
	check(type != INTR_TYPE_HW_EXCEPTION || vec < 32, "injected hardware exception above 31");
	bool has_code = type == INTR_TYPE_HW_EXCEPTION &&
		(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21);
	if (!(info & INTR_INFO_DELIVER_CODE) != !(pe && has_code)) {
		fprintf(stderr, "fuzz_devices: injected vector %u type %u with CR0.PE=%d: deliver-error-code "
			"is %d, the VM entry would fail (VMfailValid 7)\n", vec, type >> 8, pe,
			!!(info & INTR_INFO_DELIVER_CODE));
		abort();
	}
}

/* An exit is over: the next one starts with no event queued, as after a VM entry. */
static void entered(struct vcpu *v)
{
	check_entry_event();
	fake_vmcs_set(VM_ENTRY_INTR_INFO_FIELD, 0);
	v->event_injected = false;
	v->rip = fake_vmcs_get(GUEST_RIP);
}

static void set_mode(unsigned m, unsigned cpl)
{
	fake_vmcs_set(GUEST_RFLAGS, 0x2);
	fake_vmcs_set(GUEST_CS_BASE, 0);
	switch (m % 4) {
	case 0:   /* real mode: CS base 0, 16-bit */
		fake_vmcs_set(GUEST_CR0, CR0_ET);
		fake_vmcs_set(GUEST_IA32_EFER, 0);
		fake_vmcs_set(GUEST_CS_AR_BYTES, CS_AR_16);
		cpl = 0;
		break;
	case 1:   /* 32-bit protected mode, no paging: what Multiboot guests start in */
	default:
		fake_vmcs_set(GUEST_CR0, CR0_PE | CR0_ET);
		fake_vmcs_set(GUEST_IA32_EFER, 0);
		fake_vmcs_set(GUEST_CS_AR_BYTES, CS_AR_32);
		break;
	case 2:   /* 64-bit mode, the first 2 MiB identity-mapped */
		fake_vmcs_set(GUEST_CR0, CR0_PE | CR0_ET | CR0_PG);
		fake_vmcs_set(GUEST_CR4, CR4_PAE);
		fake_vmcs_set(GUEST_CR3, PML4_GPA);
		fake_vmcs_set(GUEST_IA32_EFER, EFER_LME | EFER_LMA);
		fake_vmcs_set(GUEST_CS_AR_BYTES, CS_AR_64);
		break;
	}
	fake_vmcs_set(GUEST_SS_AR_BYTES, SS_AR_DATA | (cpl & 3) << AR_DPL_SHIFT);
}

static void make_vm(void)
{
	if (!vm) {
		fake_percpu_init();
		vm = &vms[1];
		ram = malloc(RAM_SIZE);
	}
	memset(vm, 0, sizeof(*vm));
	memset(ram, 0, RAM_SIZE);
	/* identity map: PML4[0] -> PDPT[0] -> PD[0] = a 2 MiB page at 0 */
	uint64_t pml4e = (PML4_GPA + 0x1000) | 3, pdpte = (PML4_GPA + 0x2000) | 3, pde = 0x83;
	memcpy(ram + PML4_GPA, &pml4e, 8);
	memcpy(ram + PML4_GPA + 0x1000, &pdpte, 8);
	memcpy(ram + PML4_GPA + 0x2000, &pde, 8);

	vm->id = 1;
	cv_snprintf(vm->name, sizeof(vm->name), "fuzz");
	vm->state = VM_RUNNING;
	vm->ram = ram;
	vm->ram_size = RAM_SIZE;
	vm->tsc_policy = TSC_POLICY_PERCPU;
	vm->watchdog_ref = UINT64_MAX;
	vm->tsc_base_ref = fake_ref_clock;
	fake_vmcs_clear();
	set_mode(1, 0);
	fake_vmcs_set(GUEST_RIP, CODE_GPA);
	for (uint32_t i = 0; i < NVCPUS; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->vm = vm;
		v->id = i;
		v->loaded_on = -1;
		v->state = i == 0 ? VCPU_RUNNING : VCPU_WAIT_SIPI;
		v->proc_ctls = (uint32_t)fake_vmcs_get(CPU_BASED_VM_EXEC_CONTROL);
		v->timer_host = UINT64_MAX;
		lapic_vcpu_init(v);
		vtsc_init(&v->clock, vm->tsc_policy, vm->tsc_base_ref, TSC_MULT_ONE, 0);
		vm->nvcpus = i + 1;
	}
	vm->nvcpus_wanted = NVCPUS;
}

static uint32_t pick_msr(struct fuzz_in *in)
{
	uint8_t sel = (uint8_t)fuzz_take(in, 1);

	if (sel < 200)
		return msrs[sel % ARRAY_SIZE(msrs)];
	return (uint32_t)fuzz_take(in, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vcpu *v;
	unsigned steps = 0;

	make_vm();
	v = &vm->vcpus[0];
	entered(v);
	while (in.left && steps++ < 256) {
		enum op op = (enum op)(fuzz_take(&in, 1) % NUM_OPS);

		fake_vmcs_set(VM_EXIT_INSTRUCTION_LEN, 2);
		switch (op) {
		case OP_IO: {
			uint32_t q = (uint32_t)fuzz_take(&in, 4);
			/* size 1, 2 or 4 (qualification bits 2:0 = 0, 1, 3), IN, string */
			q = (q & 0xFFFF0018u) | ((q & 3) == 2 ? 3 : q & 3);
			fake_vmcs_set(EXIT_QUALIFICATION, q);
			v->regs.rax = fuzz_take(&in, 4);
			handle_io(v);
			break;
		}
		case OP_RDMSR:
			v->regs.rcx = pick_msr(&in);
			handle_rdmsr(v);
			break;
		case OP_WRMSR:
			v->regs.rcx = pick_msr(&in);
			v->regs.rax = fuzz_take(&in, 4);
			v->regs.rdx = fuzz_take(&in, 4);
			handle_wrmsr(v);
			break;
		case OP_VMCALL: {
			uint8_t nr = (uint8_t)fuzz_take(&in, 1);
			v->regs.rax = nr < 0xF0 ? nr % 10 : fuzz_take(&in, 8);
			v->regs.rdi = fuzz_take(&in, 3);
			v->regs.rsi = fuzz_take(&in, 3);
			v->regs.rdx = fuzz_take(&in, 3);
			handle_vmcall(v);
			break;
		}
		case OP_CPUID: {
			uint8_t sel = (uint8_t)fuzz_take(&in, 1);
			v->regs.rax = sel < 240 ? leaves[sel % ARRAY_SIZE(leaves)] : fuzz_take(&in, 4);
			v->regs.rcx = fuzz_take(&in, 1);
			handle_cpuid(v);
			break;
		}
		case OP_XAPIC: {
			uint16_t off = (uint16_t)fuzz_take(&in, 2);
			unsigned n = (unsigned)fuzz_take(&in, 1) % 16;
			uint8_t insn[16];
			for (unsigned i = 0; i < n; i++)
				insn[i] = (uint8_t)fuzz_take(&in, 1);
			memset(ram + CODE_GPA, 0, 16);
			memcpy(ram + CODE_GPA, insn, n);
			fake_vmcs_set(GUEST_RIP, CODE_GPA);
			v->rip = CODE_GPA;
			fake_vmcs_set(EXIT_QUALIFICATION, (off & 0x8000) ? EPT_QUAL_WRITE : EPT_QUAL_READ);
			v->regs.rax = fuzz_take(&in, 4);
			v->regs.rcx = fuzz_take(&in, 4);
			(void)lapic_mmio_access(v, APIC_PAGE + (off & 0x1FFF) - 0x10);
			break;
		}
		case OP_TIME:
			fake_ref_clock += fuzz_take(&in, 3) << (fuzz_take(&in, 1) % 24);
			lapic_timer_service(v);
			lapic_timer_load(v);
			break;
		case OP_INJECT: {
			int vec = lapic_pending_irq(v);
			(void)lapic_can_interrupt(v);
			(void)lapic_wants_wakeup(v);
			(void)lapic_tpr_threshold(v);
			if (vec >= 0)
				lapic_ack_irq(v, (uint8_t)vec);
			break;
		}
		case OP_CR8: {
			uint8_t b = (uint8_t)fuzz_take(&in, 1);
			if (b & 0x80)
				lapic_cr8_write(v, b & 0xF);
			else
				(void)lapic_cr8_read(v);
			break;
		}
		case OP_VCPU:
			v = &vm->vcpus[fuzz_take(&in, 1) % vm->nvcpus];
			break;
		case OP_MODE: {
			uint8_t b = (uint8_t)fuzz_take(&in, 1);
			set_mode(b & 3, b >> 2);
			break;
		}
		case OP_CONSOLE_IN: {       /* bytes typed on the host console (console_in=) */
			fuzz_console_in_len = fuzz_take(&in, 1) % sizeof(fuzz_console_in);
			for (size_t i = 0; i < fuzz_console_in_len; i++)
				fuzz_console_in[i] = (uint8_t)fuzz_take(&in, 1);
			fuzz_console_in_pos = 0;
			vm_console_input(vm);
			break;
		}
		case NUM_OPS:
			break;
		}
		entered(v);
	}
	lapic_vm_summary(vm);
	vm_console_flush(vm);
	return 0;
}
