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
#include "kernel/mtrr.h"
#include "kernel/multiboot.h"
#include "kernel/multiboot2.h"
#include "kernel/paging.h"
#include "kernel/panic.h"
#include "kernel/spcr.h"
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
	if (bi->protocol == 2)
		kprintf("[hv] boot: Multiboot2%s, memory map from %s%s\n",
			bi->efi_system_table ? " from UEFI" : "",
			bi->map_from_efi ? "the EFI memory map" : "the Multiboot2 memory map",
			bi->efi_mmap_entries ? " (EFI memory map checked too)" : "");
	else
		kprintf("[hv] boot: Multiboot1\n");
	if (bi->efi_system_table)
		kprintf("[hv] boot: EFI system table at 0x%lx, EFI memory map of %u descriptors\n",
			bi->efi_system_table, bi->efi_mmap_entries);
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

/* crash=stack: a frame of NESTED_FRAME bytes per call until the stack runs
 * into its guard page (the volatile bound keeps GCC from seeing an endless
 * recursion, which it would warn about or turn into a loop). */
#define NESTED_FRAME 256
static volatile uint64_t recursion_limit = UINT64_MAX;

static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
	volatile uint8_t frame[NESTED_FRAME];

	frame[0] = (uint8_t)depth;
	if (depth == recursion_limit)
		return 0;
	return recurse(depth + 1) + frame[0];
}

/* crash=canary: write past the end of a local array, over the canary
 * that -fstack-protector-strong put between it and the return address. */
static __attribute__((noinline)) void overflow_local_buffer(void)
{
	char buf[16];
	volatile size_t n = sizeof(buf) + sizeof(uint64_t);

	memset(buf, 0x5A, n);
	__asm__ volatile("" ::"r"(buf) : "memory");
}

/* crash=xdata: one RET instruction in .data (initialized, so not .bss). */
static uint8_t data_ret[16] = { 0xC3 };

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
	case CRASH_STACK:
		/* the boot stack's guard page: #PF, then #DF on the IST1 stack */
		recurse(0);
		break;
	case CRASH_WTEXT:
		/* text is read+execute: a write to it is a #PF (CR0.WP) */
		*(volatile uint8_t *)(uintptr_t)&kmain = 0xCC;
		break;
	case CRASH_XDATA:
		/* data is never executable: a #PF on the fetch (EFER.NXE) */
		((void (*)(void))(uintptr_t)data_ret)();
		break;
	case CRASH_CANARY:
		/* the stack protector's named panic (lib/stack_protector.h) */
		overflow_local_buffer();
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

/* The screen, from the Multiboot2 framebuffer tag (Multiboot1: VGA text). */
static void screen_init(const struct boot_info *bi)
{
	const struct boot_fb *fb = &bi->fb;
	unsigned cols, rows;

	if (bi->protocol != 2) {
		kprintf("[hv] console: COM1 (0x3f8), port 0xe9, VGA text 80x25\n");
		return;
	}
	enum console_screen s = console_screen_init(fb, paging_map_mmio);
	console_screen_text_size(&cols, &rows);
	switch (s) {
	case CONSOLE_SCREEN_FRAMEBUFFER:
		kprintf("[hv] console: COM1 (0x3f8), port 0xe9, framebuffer %ux%u %u bpp at 0x%lx (%ux%u text%s)\n",
			fb->width, fb->height, fb->bpp, fb->addr, cols, rows,
			fb->addr + (uint64_t)fb->pitch * fb->height > 4 * GiB ?
				", mapped uncached above 4 GiB" : "");
		break;
	case CONSOLE_SCREEN_VGA_TEXT:
		kprintf("[hv] console: COM1 (0x3f8), port 0xe9, VGA text %ux%u at 0x%lx\n",
			cols, rows, fb->addr);
		break;
	case CONSOLE_SCREEN_UNMAPPED:
		kprintf("[hv] console: COM1 (0x3f8), port 0xe9; the framebuffer at 0x%lx could not be mapped: no screen output\n",
			fb->addr);
		break;
	case CONSOLE_SCREEN_NONE:
		kprintf("[hv] console: COM1 (0x3f8), port 0xe9; no screen (%s)\n",
			fb->kind == BOOT_FB_INDEXED ? "palette framebuffer" : "no framebuffer tag");
		break;
	}
}

/* The RSDP: the Multiboot2 copy when there is one, else the BIOS-area scan. */
static void acpi_setup(const struct boot_info *bi)
{
	enum acpi_rsdp_source src = acpi_init(bi->rsdp_tag ? bi->rsdp : NULL, bi->rsdp_len);

	if (src == ACPI_RSDP_NONE)
		kprintf("[hv] acpi: no RSDP found (%s): power-off will halt instead\n",
			bi->protocol == 2 ? "no Multiboot2 tag 14/15 and none in the BIOS area"
					  : "UEFI without Multiboot2?");
	else if (src == ACPI_RSDP_LOADER)
		kprintf("[hv] acpi: RSDP from the Multiboot2 tag %u (ACPI %s), OEM \"%s\"\n",
			bi->rsdp_tag, bi->rsdp_tag == MB2_TAG_ACPI_NEW ? "2.0+" : "1.0",
			acpi_oem_id());
	else
		kprintf("[hv] acpi: RSDP found by the %s, OEM \"%s\"\n",
			acpi_rsdp_source_name(src), acpi_oem_id());
}

/* The serial console the firmware names in the ACPI SPCR table, when it is
 * not COM1: the console writes there too. */
static void spcr_setup(void)
{
	const struct acpi_sdt_header *t = acpi_find_table("SPCR");
	struct uart_desc u;
	char err[128];

	if (!t)
		return;
	if (spcr_parse(t, t->length, &u, err, sizeof(err))) {
		kprintf("[hv] console: ACPI SPCR not used: %s\n", err);
		return;
	}
	kprintf("[hv] console: ACPI SPCR: 16550-compatible UART at %s 0x%lx (%s registers), ",
		u.mmio ? "MMIO" : "I/O port", u.base, u.access == 4 ? "32-bit" : "8-bit");
	if (u.baud && !u.mmio)
		kprintf("%u baud\n", u.baud);
	else
		kprintf("the baud rate the firmware set\n");
	if (console_add_uart(&u))
		kprintf("[hv] console: now also on the SPCR UART at %s 0x%lx (the output so far was replayed there)\n",
			u.mmio ? "MMIO" : "I/O port", u.base);
	else
		kprintf("[hv] console: the SPCR UART is COM1, already in use\n");
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
	console_init(magic != MB2_BOOTLOADER_MAGIC);   /* Multiboot2: the tag says what the screen is */
	percpu_init(0);
	gdt_load_for_cpu(0);
	idt_load();
	kprintf("[hv] chronovisor %s: bare-metal VMX microhypervisor with per-pCPU TSC compensation\n",
		CV_VERSION);
	panic_init();
	paging_init();
	kprintf("[hv] hostmem: IBPB when a pCPU switches VMs: %s (CPUID.(EAX=7,ECX=0):EDX[26])\n",
		cpu_has_ibpb() ? "yes" : "no, the CPU has no IA32_PRED_CMD");

	struct phys_view pv = { .base = 0, .size = 4 * GiB };
	if (mb_parse(&pv, magic, mbi_addr, &boot_info, err, sizeof(err)) != 0) {
		kprintf("[hv] error: bad boot information: %s\n", err);
		platform_finish(VERDICT_FAIL);
	}
	screen_init(&boot_info);
	print_boot_info(&boot_info);

	if (!options_parse(boot_info.cmdline))
		platform_finish(VERDICT_FAIL);
	if (hv_opts.console_serial) {
		kprintf("[hv] console: console=serial: nothing more on the screen\n");
		console_screen_off();
	}

	mem_init(&boot_info);
	mtrr_init();
	acpi_setup(&boot_info);
	spcr_setup();

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
		.force_x2apic = hv_opts.x2apic,
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
	uint64_t ibpbs = 0;
	for (uint32_t i = 0; i < smp_ncpus(); i++)
		ibpbs += __atomic_load_n(&percpu[i].ibpb_count, __ATOMIC_RELAXED);
	if (cpu_has_ibpb())
		kprintf("[hv] hostmem: %lu IBPB(s) on pCPU switches between VMs\n", (unsigned long)ibpbs);
	platform_finish(all ? VERDICT_PASS : VERDICT_FAIL);
}
