/*
 * vmm/main.c - kmain: the boot CPU's path from boot/entry.asm to the verdict.
 *
 * Context: kernel, boot CPU, 64-bit mode, identity-mapped 0..4 GiB, IF = 0.
 * Order matters: the console first (so every later failure is visible), then
 * this CPU's GDT/TSS/IDT (so faults print a dump), then the Multiboot info
 * and the command line (bad input ends the run with a message, before any
 * hardware is touched), memory, ACPI, and VMX.
 */
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/gdt.h"
#include "kernel/mem.h"
#include "kernel/multiboot.h"
#include "vmm/options.h"
#include "kernel/percpu.h"
#include "kernel/pit.h"
#include "kernel/platform.h"
#include "kernel/smp.h"
#include "kernel/trap.h"
#include "vmx/caps.h"
#include "vmm/sched.h"
#include "lib/string.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/vm_create.h"
#include "vmx/vmx.h"
#include "vmm/time/vtsc.h"

#define CV_VERSION "0.1"

void kmain(uint32_t magic, uint32_t mbi_addr);

static struct boot_info boot_info;

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case 1: return "usable";
	case 2: return "reserved";
	case 3: return "ACPI reclaimable";
	case 4: return "ACPI NVS";
	case 5: return "bad RAM";
	}
	return "reserved (other type)";
}

static void print_boot_info(const struct boot_info *bi)
{
	kprintf("[hv] boot loader: %s\n", bi->loader_name[0] ? bi->loader_name : "(not named)");
	kprintf("[hv] command line: \"%s\"\n", bi->cmdline);
	for (uint32_t i = 0; i < bi->nranges; i++) {
		const struct mem_range *r = &bi->ranges[i];
		kprintf("[hv] mem: %016lx-%016lx %s\n", r->base, r->base + r->len - 1,
			mem_type_name(r->type));
	}
	for (uint32_t i = 0; i < bi->nmodules; i++) {
		const struct boot_module *m = &bi->modules[i];
		kprintf("[hv] module %u: %08lx-%08lx (%lu bytes) \"%s\"\n", i, m->start,
			m->end, m->end - m->start, m->cmdline);
	}
}

/* crash=: provoke one exception on purpose so students see the dump. */
static void provoke_crash(enum crash_kind kind)
{
	volatile uint64_t zero = 0;

	kprintf("[hv] crash=: provoking an exception on purpose (teaching aid)\n");
	switch (kind) {
	case CRASH_UD:
		__asm__ volatile("ud2");
		break;
	case CRASH_GP:
		/* a non-canonical address: #GP, not #PF (SDM Vol. 3A, "Canonical Addressing") */
		*(volatile uint64_t *)0x8000000000000000ULL = 1;
		break;
	case CRASH_PF:
		/* just past the 4 GiB identity map: not present */
		(void)*(volatile uint64_t *)(4 * GiB + 0x1234);
		break;
	case CRASH_DE:
		__asm__ volatile("divq %1" : "+a"(zero) : "r"(zero) : "rdx");
		break;
	case CRASH_BP:
		__asm__ volatile("int3");
		break;
	case CRASH_NONE:
		return;
	}
	panic("crash=%d did not fault", (int)kind);
}

#define PIC1_DATA        0x21
#define PIC2_DATA        0xA1
#define PIC_MASK_ALL     0xFF
#define GUEST_MODULE_TAG "+module"

/* The BIOS leaves the 8259's timer on vector 8: mask everything, the
 * hypervisor runs with interrupts off and needs none (docs/platform.md). */
static void mask_legacy_pic(void)
{
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
}

/* A guest's own module has "+module" as its second word ("NAME +module
 * ARGS": QEMU always puts the file's path first, GRUB the name cvrun gives).
 * Returns where the marker starts, or NULL. */
static char *attached_marker(char *cmdline)
{
	char *p = cmdline;

	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	size_t n = strlen(GUEST_MODULE_TAG);
	if (!strncmp(p, GUEST_MODULE_TAG, n) && (!p[n] || p[n] == ' '))
		return p;
	return NULL;
}

/* One VM per guest module; "+module" modules go to the guest before them,
 * which sees them with the marker removed ("NAME ARGS"). */
static void create_vms(struct boot_info *bi)
{
	static struct boot_module extra[MB_MAX_MODULES];
	size_t tag = strlen(GUEST_MODULE_TAG);

	for (uint32_t i = 0; i < bi->nmodules; i++) {
		if (attached_marker(bi->modules[i].cmdline)) {
			kprintf("[hv] error: module %u \"%s\" has no guest before it: ignored\n", i,
				bi->modules[i].cmdline);
			continue;
		}
		unsigned n = 0;
		char *mark;
		while (i + 1 + n < bi->nmodules &&
		       (mark = attached_marker(bi->modules[i + 1 + n].cmdline))) {
			char *rest = mark + tag;
			while (*rest == ' ')
				rest++;
			memmove(mark, rest, strlen(rest) + 1);
			for (size_t len = strlen(bi->modules[i + 1 + n].cmdline);
			     len && bi->modules[i + 1 + n].cmdline[len - 1] == ' '; len--)
				bi->modules[i + 1 + n].cmdline[len - 1] = '\0';
			extra[n] = bi->modules[i + 1 + n];
			n++;
		}
		vm_create(&bi->modules[i], extra, n);
		i += n;
	}
}

static enum verdict vmx_check(void)
{
	struct vmx_caps_raw *raw = &vmx_caps;
	enum vmx_verdict v = vmx_probe(raw);

	vmx_report(raw);
	switch (v) {
	case VMX_USABLE:
		kprintf("[hv] vmx: this CPU has every VMX feature chronovisor needs\n");
		return VERDICT_PASS;
	case VMX_NOT_AVAILABLE:
		kprintf("[hv] VMX not available: CPUID.1:ECX.VMX[bit 5] = 0, this CPU does not offer Intel VT-x.\n"
			"[hv]   QEMU without KVM (TCG) never offers it: use Bochs (make run), or QEMU with\n"
			"[hv]   -enable-kvm -cpu host on an Intel host with kvm_intel nested=1 (make run-qemu).\n");
		return VERDICT_NOVMX;
	case VMX_DISABLED_BY_FIRMWARE:
		kprintf("[hv] VMX disabled by firmware: IA32_FEATURE_CONTROL is locked with VMX off.\n"
			"[hv]   Enable Intel Virtualization Technology (VT-x) in the firmware setup.\n");
		return VERDICT_NOVMX;
	case VMX_MISSING_FEATURES:
		kprintf("[hv] error: this CPU's VMX lacks features chronovisor requires (listed as MISSING above)\n");
		return VERDICT_FAIL;
	}
	panic("vmx_probe returned %d", (int)v);
}

/* What every AP must become before it may run vCPUs: each core has its
 * own IA32_FEATURE_CONTROL, so probe (and lock) it there, then VMXON. */
static bool ap_enter_vmx(uint32_t cpu)
{
	struct vmx_caps_raw caps;
	enum vmx_verdict v = vmx_probe(&caps);

	if (v != VMX_USABLE) {
		kprintf("[hv] smp: pcpu %u (APIC ID %u): VMX not usable on this CPU (verdict %d)\n",
			cpu, percpu[cpu].apic_id, (int)v);
		return false;
	}
	return vmx_cpu_enable();
}

void kmain(uint32_t magic, uint32_t mbi_addr)
{
	char err[256];

	boot_ref_tsc = rdtsc();          /* pCPU 0 is the reference: skew 0 */
	console_init();
	percpu_init(0);
	gdt_load_for_cpu(0);
	idt_load();
	kprintf("[hv] chronovisor %s: bare-metal VMX microhypervisor with per-pCPU TSC compensation\n",
		CV_VERSION);

	struct phys_view pv = { .base = 0, .size = 4 * GiB };
	if (mb_parse(&pv, magic, mbi_addr, &boot_info, err, sizeof(err)) != 0) {
		kprintf("[hv] error: bad boot information: %s\n", err);
		platform_finish(VERDICT_FAIL);
	}
	print_boot_info(&boot_info);

	if (!options_parse(boot_info.cmdline))
		platform_finish(VERDICT_FAIL);

	mem_init(&boot_info);
	if (!acpi_init(0))
		kprintf("[hv] acpi: no RSDP found (UEFI without Multiboot2?): power-off will halt instead\n");
	else
		kprintf("[hv] acpi: RSDP found, OEM \"%s\"\n", acpi_oem_id());

	if (hv_opts.crash != CRASH_NONE)
		provoke_crash(hv_opts.crash);

	enum verdict verdict = vmx_check();
	if (verdict != VERDICT_PASS)
		platform_finish(verdict);

	mask_legacy_pic();
	vmx_controls_init();
	if (!vmx_cpu_enable())
		platform_finish(VERDICT_FAIL);
	/* TSC frequency, the APs (each enters VMX), then skew= and the skew table */
	if (!tsc_calibrate())
		platform_finish(VERDICT_FAIL);
	const struct smp_params smp = {
		.max_cpus = hv_opts.cpus,
		.mp_table_only = hv_opts.cpu_tables_mp,
		.ap_setup = ap_enter_vmx,
		.ready_state = "VMX root operation",
	};
	smp_init(&boot_info, &smp);
	if (!tsc_sync_init(hv_opts.skew, hv_opts.skew_error))
		platform_finish(VERDICT_FAIL);
	if (boot_info.nmodules == 0) {
		kprintf("[hv] no guest modules given: VMX is ready, nothing to run\n");
		platform_finish(VERDICT_PASS);
	}
	create_vms(&boot_info);
	bool all = sched_run_all();
	uint32_t skipped = 0;
	for (uint32_t i = 0; i < nvms; i++)
		skipped += vm_skipped(&vms[i]);
	if (all && skipped)
		kprintf("[hv] %u VM(s) run: all passed, %u of them skipped\n", nvms, skipped);
	else
		kprintf("[hv] %u VM(s) run: %s\n", nvms, all ? "all passed" : "not all passed");
	platform_finish(all ? VERDICT_PASS : VERDICT_FAIL);
}
