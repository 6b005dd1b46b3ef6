/*
 * tests/fuzz/fake_vmm.c - the platform under the hypervisor's vmm/ code, faked
 * for a Linux host: a VMCS in memory, per-CPU data behind GS, a TSC reference
 * clock the harness moves, the VMX capabilities the device model asks for.
 *
 * Context: host, libFuzzer + ASan + UBSan, built with -DCV_FAKE_VMCS
 * (vmx/vmcs.h then sends every VMREAD/VMWRITE here). docs/fuzzing.md.
 *
 * The fake VMCS knows exactly the encodings of vmx/vmcs_fields.h: reading or
 * writing any other one aborts, as a VMfailValid "unsupported VMCS
 * component" would end the run on hardware.
 */
#include <asm/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/console.h"
#include "kernel/host_apic.h"
#include "kernel/percpu.h"
#include "kernel/pit.h"
#include "tests/fuzz/fake_vmm.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"
#include "vmx/guest_regs.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define FAKE_VMCS_SLOTS 0x8000u   /* every encoding of vmcs_fields.h is below */

static uint64_t vmcs_val[FAKE_VMCS_SLOTS];
static bool vmcs_known[FAKE_VMCS_SLOTS];
static bool vmcs_ready;

uint64_t fake_vmcs_writes;

static void vmcs_init_known(void)
{
#define FAKE_KNOWN(name, enc) vmcs_known[(enc)] = true;
	VMCS_FIELDS(FAKE_KNOWN)
#undef FAKE_KNOWN
	vmcs_ready = true;
}

static void check_field(uint32_t field, const char *op, const char *caller)
{
	if (!vmcs_ready)
		vmcs_init_known();
	if (field >= FAKE_VMCS_SLOTS || !vmcs_known[field]) {
		fprintf(stderr, "fuzz: %s of VMCS field %#x (not in vmcs_fields.h) in %s\n",
			op, field, caller);
		abort();
	}
}

uint64_t fake_vmcs_read(uint32_t field, const char *caller)
{
	check_field(field, "VMREAD", caller);
	return vmcs_val[field];
}

void fake_vmcs_write(uint32_t field, uint64_t value, const char *caller)
{
	check_field(field, "VMWRITE", caller);
	switch (VMCS_WIDTH(field)) {
	case VMCS_WIDTH_16: value &= 0xFFFF; break;
	case VMCS_WIDTH_32: value &= 0xFFFFFFFF; break;
	}
	vmcs_val[field] = value;
	fake_vmcs_writes++;
}

void fake_vmcs_set(uint32_t field, uint64_t value)
{
	fake_vmcs_write(field, value, "harness");
}

uint64_t fake_vmcs_get(uint32_t field)
{
	return fake_vmcs_read(field, "harness");
}

void fake_vmcs_clear(void)
{
	memset(vmcs_val, 0, sizeof(vmcs_val));
}

void vmcs_read_failed(uint32_t field, const char *caller)
{
	fprintf(stderr, "fuzz: VMREAD %#x failed in %s\n", field, caller);
	abort();
}

void vmcs_write_failed(uint32_t field, uint64_t value, const char *caller)
{
	fprintf(stderr, "fuzz: VMWRITE %#x = %#llx failed in %s\n", field,
		(unsigned long long)value, caller);
	abort();
}

void vmcs_dump(void)
{
	kprintf("[hv] (fake VMCS: no dump)\n");
}

void guest_regs_dump(const struct guest_regs *r)
{
	(void)r;
}

/* ---- per-CPU data: this_cpu() reads gs:0, so GS points at percpu[0] ---- */

struct percpu percpu[MAX_CPUS];

void fake_percpu_init(void)
{
	static bool done;

	if (done)
		return;
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		percpu[i].self = &percpu[i];
		percpu[i].cpu_id = i;
		percpu[i].apic_id = i;
	}
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&percpu[0]) != 0) {
		perror("fuzz: arch_prctl(ARCH_SET_GS)");
		abort();
	}
	done = true;
}

void host_apic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	(void)apic_id;
	(void)vector;
}

/* ---- the TSC reference timeline: one clock, no skew ---- */

uint64_t fake_ref_clock = 1000000;

/* The skew tables behind vmm/time/tsc_sync.h's inline accessors (ref_now
 * and the others): no skew. ref_now() itself reads the host's TSC through
 * percpu[0] (GS), so the harness's clock above only drives what it passes
 * explicitly. */
int64_t tsc_skew_table[MAX_CPUS];
int64_t tsc_skew_injected_table[MAX_CPUS];

uint64_t tsc_khz(void)
{
	return 3000000;   /* 3 GHz */
}

/* ---- VMX capabilities: what a recent Intel CPU offers ---- */

struct vmx_caps_raw vmx_caps;
struct vmx_controls vmx_ctls = { .vpid = true, .rdtscp = true, .tpr_shadow = true };

/* ---- the pCPU's MSRs (kernel/arch.h under CV_FAKE_VMCS) ---- */
static struct { uint32_t msr; uint64_t val; } fake_msrs[64];

uint64_t fake_rdmsr(uint32_t msr)
{
	for (unsigned i = 0; i < sizeof(fake_msrs) / sizeof(fake_msrs[0]); i++)
		if (fake_msrs[i].msr == msr)
			return fake_msrs[i].val;
	return 0;
}

void fake_wrmsr(uint32_t msr, uint64_t val)
{
	unsigned free_slot = sizeof(fake_msrs) / sizeof(fake_msrs[0]);

	for (unsigned i = 0; i < sizeof(fake_msrs) / sizeof(fake_msrs[0]); i++) {
		if (fake_msrs[i].msr == msr) {
			fake_msrs[i].val = val;
			return;
		}
		if (!fake_msrs[i].msr && free_slot == sizeof(fake_msrs) / sizeof(fake_msrs[0]))
			free_slot = i;
	}
	if (free_slot < sizeof(fake_msrs) / sizeof(fake_msrs[0]))
		fake_msrs[free_slot] = (typeof(fake_msrs[0])){ msr, val };
}
