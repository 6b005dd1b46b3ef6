/*
 * vmm/vm_create.c - creating a VM from a guest module.
 *
 * Context: VMX root, boot CPU.
 * A guest module's command line is "<name> <guest args>" (scripts/cvrun and
 * the GRUB examples put the file name first, as GRUB does for kernels); a
 * module whose second word is "+module" belongs to the guest before it and
 * is handed to that guest as one of its own Multiboot modules (vmm/main.c).
 * Per-guest hypervisor settings are read from the guest's command line and
 * left in it: mem=SIZE (default 64M, 2 MiB multiple), tsc_khz=N, vcpus=N,
 * tsc=none|kvm2633|percpu.
 *
 * A guest module that is a Linux bzImage (the boot protocol's "HdrS" header)
 * is booted by the x86 boot protocol instead (vmm/loader/linux_boot.c): its
 * first +module is its initrd, ACPI tables describe its vCPUs
 * (vmm/loader/acpi_tables.c), and vCPU 0 starts at the 32-bit entry; Linux's
 * command line is the guest's, less the name and chronovisor's own settings
 * (docs/linux.md).
 *
 * Creation never trusts the module: anything malformed ends that VM with
 * VM_END_LOAD_FAILED and a message naming the file; the other VMs still run.
 */
#include "vmm/core/vm.h"
#include "vmm/core/vcpu.h"
#include "lib/x86.h"
#include "lib/cmdline.h"
#include "kernel/console.h"
#include "vmm/core/guest_fpu.h"
#include "vmm/dev/features.h"
#include "vmm/dev/lapic.h"
#include "vmm/loader/elf.h"
#include "vmm/loader/guest_boot.h"
#include "kernel/mem.h"
#include "lib/msr.h"
#include "vmm/options.h"
#include "kernel/percpu.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/vm_create.h"
#include "vmm/time/vtsc.h"
#include "vmm/snap.h"
#include "vmm/loader/linux_boot.h"
#include "vmm/loader/acpi_tables.h"
#include "vmm/time/tsc_sync.h"
#include "kernel/pit.h"
#include "vmx/ept.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx.h"
#include "vmx/vmx_defs.h"
#include "vmx/caps.h"

#define RAM_ALIGN          (2 * MiB)
#define RAM_MIN            (2 * MiB)
#define RAM_MAX            (1 * GiB)
#define IO_BITMAP_PAGES    2
#define MULTIBOOT_EAX      0x2BADB002
#define PAT_POWER_ON       0x0007040600070406ULL

/* MSR bitmap layout (SDM Vol. 3C, "VM-Execution Control Fields", MSR
 * bitmaps): read-low, read-high, write-low, write-high, 1 KiB each. */
#define MSR_BITMAP_READ_LOW    0
#define MSR_BITMAP_READ_HIGH   1024
#define MSR_BITMAP_WRITE_LOW   2048
#define MSR_BITMAP_WRITE_HIGH  3072
#define MSR_HIGH_BASE          0xC0000000U

/* The guest's own MSRs that VMX switches: no exit. The travelling ones
 * (vmm/core/vm.h: KERNEL_GS_BASE, STAR, LSTAR, CSTAR, FMASK, TSC_AUX),
 * which the host never uses, are read without an exit; their writes exit
 * (vmm/dev/msr_emul.c), so the hypervisor always knows their values. */
static const uint32_t passthrough_msrs[] = {
	MSR_IA32_EFER,            /* loaded/saved by the VM-entry/exit EFER controls */
	MSR_IA32_FS_BASE,         /* guest-state fields of the VMCS */
	MSR_IA32_GS_BASE,
	MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP,
};

static void msr_bitmap_pass(uint8_t *bm, uint32_t msr, bool write_too)
{
	uint32_t base = msr >= MSR_HIGH_BASE ? MSR_BITMAP_READ_HIGH : MSR_BITMAP_READ_LOW;
	uint32_t idx = msr & 0x1FFF;

	bm[base + idx / 8] &= (uint8_t)~(1u << (idx % 8));
	if (write_too)
		bm[base + MSR_BITMAP_WRITE_LOW + idx / 8] &= (uint8_t)~(1u << (idx % 8));
}

/* The first word of a module command line, without any directory. */
static void module_name(const char *cmdline, char *out, size_t outlen)
{
	const char *start = cmdline, *end = cmdline;

	while (*end && *end != ' ')
		end++;
	for (const char *p = cmdline; p < end; p++)
		if (*p == '/')
			start = p + 1;
	size_t n = MIN((size_t)(end - start), outlen - 1);
	memcpy(out, start, n);
	out[n] = '\0';
	if (!out[0])
		cv_snprintf(out, outlen, "(unnamed)");
}

/* Per-guest hypervisor settings, read from the guest's own command line
 * (and left in it): mem=SIZE, tsc_khz=N, vcpus=N, tsc=POLICY, cpuid_hide=, alloc_fail=,
 * flaw=FLAW. */
enum guest_opt { GOPT_MEM, GOPT_TSC_KHZ, GOPT_VCPUS, GOPT_TSC, GOPT_CPUID_HIDE, GOPT_ALLOC_FAIL,
		 GOPT_FLAW, NUM_GOPTS };

static const char *const flaw_choices[] = {    /* enum vm_flaw */
	[FLAW_NONE] = "none", [FLAW_DROP_VECTORING] = "drop-vectoring",
	[FLAW_NMI_NO_WAKE] = "nmi-no-wake", [FLAW_DIVIDE] = "divide",
	[FLAW_STALE_SWAPGS] = "stale-swapgs", [FLAW_HANDOVER_NO_WAIT] = "handover-no-wait",
	[FLAW_HANDOVER_EARLY_REGS] = "handover-early-regs",
	[NUM_FLAWS] = NULL,
};

static const struct opt_desc guest_opts[NUM_GOPTS] = {
	[GOPT_MEM] = { .key = "mem", .type = OPT_UINT, .min = RAM_MIN, .max = RAM_MAX,
		       .help = "guest RAM size, a multiple of 2 MiB" },
	[GOPT_TSC_KHZ] = { .key = "tsc_khz", .type = OPT_UINT, .min = 1, .max = 100000000,
			   .help = "guest TSC frequency in kHz (needs VMX TSC scaling)" },
	[GOPT_VCPUS] = { .key = "vcpus", .type = OPT_UINT, .min = 1, .max = MAX_VCPUS,
			 .help = "number of vCPUs (the first runs, the others wait for a SIPI)" },
	[GOPT_TSC] = TSC_POLICY_OPTION("this VM's TSC_OFFSET policy (default: the hypervisor's tsc=)"),
	[GOPT_CPUID_HIDE] = { .key = "cpuid_hide", .type = OPT_STRING,
			      .help = "features to hide from this VM, comma-separated (docs/features.md)" },
	[GOPT_ALLOC_FAIL] = { .key = "alloc_fail", .type = OPT_UINT, .min = 0, .max = 1000,
			      .help = "test aid: the Nth frame allocation after this VM's RAM fails (0: none)" },
	[GOPT_FLAW] = { .key = "flaw", .type = OPT_ENUM, .choices = flaw_choices,
			.help = "a deliberate defect for this VM, for negative controls: drop-vectoring, "
				"nmi-no-wake, divide, stale-swapgs, handover-no-wait, handover-early-regs" },
};

static char cpuid_hide[OPT_VALUE_MAX + 1];

/* Is w (n bytes, "tsc=...") one of chronovisor's policies? */
static bool tsc_is_policy(const char *w, size_t n)
{
	for (size_t i = 0; tsc_policy_names[i]; i++) {
		size_t k = strlen(tsc_policy_names[i]);
		if (n == 4 + k && !strncmp(w, "tsc=", 4) && !strncmp(w + 4, tsc_policy_names[i], k))
			return true;
	}
	return false;
}

/* is_linux: the guest is a bzImage, whose own tsc= values (reliable,
 * nowatchdog, ...) are Linux's and reach it (linux_cmdline); any other
 * guest's tsc= must be one of chronovisor's policies. */
static bool guest_options(struct vm *vm, bool is_linux)
{
	char err[200], word[OPT_VALUE_MAX + 8];
	const char *p = vm->cmdline;

	vm->ram_size = VM_DEFAULT_RAM;
	vm->nvcpus_wanted = 1;
	vm->tsc_policy = hv_opts.tsc;
	cpuid_hide[0] = '\0';
	while (*p) {
		size_t n;
		p = cmdline_word(p, &n);
		for (unsigned i = 0; i < NUM_GOPTS; i++) {
			size_t k = strlen(guest_opts[i].key);
			if (n <= k || strncmp(p, guest_opts[i].key, k) || p[k] != '=')
				continue;
			if (i == GOPT_TSC && is_linux && !tsc_is_policy(p, n))
				continue;       /* Linux's own */
			struct opt_value val = { 0 };
			cv_snprintf(word, sizeof(word), "x %.*s", (int)MIN(n, OPT_VALUE_MAX), p);
			if (cmdline_parse(word, &guest_opts[i], 1, &val, err, sizeof(err)) != 0) {
				vm_end(vm, VM_END_LOAD_FAILED, "%s", err);
				return false;
			}
			if (i == GOPT_MEM && !IS_ALIGNED(val.u, RAM_ALIGN)) {
				vm_end(vm, VM_END_LOAD_FAILED, "mem=%s is not a multiple of 2 MiB",
				       val.str);
				return false;
			}
			if (i == GOPT_MEM)
				vm->ram_size = val.u;
			else if (i == GOPT_TSC_KHZ)
				vm->tsc_khz = val.u;
			else if (i == GOPT_VCPUS)
				vm->nvcpus_wanted = (uint32_t)val.u;
			else if (i == GOPT_CPUID_HIDE)
				cv_snprintf(cpuid_hide, sizeof(cpuid_hide), "%s", val.str);
			else if (i == GOPT_ALLOC_FAIL)
				vm->alloc_fail = (uint32_t)val.u;
			else if (i == GOPT_FLAW)
				vm->flaw = (enum vm_flaw)val.choice;
			else
				vm->tsc_policy = tsc_policy_from_choice(val.choice);
		}
		p += n;
	}
	return true;
}

/* The TSC multiplier for tsc_khz=, or TSC_MULT_ONE; 0 (and the VM ended)
 * when the CPU cannot scale or the ratio does not fit. */
static uint64_t guest_tsc_mult(struct vm *vm)
{
	if (!vm->tsc_khz)
		return TSC_MULT_ONE;
	if (!vmx_ctls.tsc_scaling) {
		vm_end(vm, VM_END_LOAD_FAILED, "tsc_khz=%lu needs VMX TSC scaling, which this CPU "
		       "does not have", vm->tsc_khz);
		return 0;
	}
	uint64_t mult = tsc_mult_for_khz(vm->tsc_khz, tsc_khz());
	if (!mult)
		vm_end(vm, VM_END_LOAD_FAILED, "tsc_khz=%lu: no usable ratio to the host's %lu kHz",
		       vm->tsc_khz, tsc_khz());
	return mult;
}

static bool setup_bitmaps(struct vm *vm)
{
	vm->io_bitmap = frames_try_alloc(IO_BITMAP_PAGES, 1);
	vm->msr_bitmap = frames_try_alloc(1, 1);
	if (!vm->io_bitmap || !vm->msr_bitmap)
		return false;
	memset(vm->io_bitmap, 0xFF, IO_BITMAP_PAGES * PAGE_SIZE);   /* every port exits */
	memset(vm->msr_bitmap, 0xFF, PAGE_SIZE);                    /* every MSR exits ... */
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)  /* ... but these */
		msr_bitmap_pass(vm->msr_bitmap, passthrough_msrs[i], true);
	for (size_t i = 0; i < NUM_TRAVELLING_MSRS; i++)           /* reads only */
		msr_bitmap_pass(vm->msr_bitmap, travelling_msrs[i], false);
	return true;
}

/* How vCPU 0 starts: a Multiboot kernel, or Linux's 32-bit boot protocol. */
struct boot_state {
	bool is_linux;
	uint32_t entry;
	uint32_t mbi;                 /* Multiboot: EBX */
	uint32_t zero_page;           /* Linux: ESI */
};

/* false (nothing of this vCPU kept, nothing current) when a frame is short. */
static bool create_vcpu(struct vm *vm, uint32_t id, const struct boot_state *boot, uint64_t mult)
{
	struct vcpu *v = &vm->vcpus[id];
	uint64_t pa;

	v->vm = vm;
	v->id = id;
	/* One VPID per vCPU: two vCPUs of a VM may use the same linear
	 * addresses with different page tables. VPID 0 is the host's. */
	v->vpid = (uint16_t)(vm->id * MAX_VCPUS + id + 1);
	v->vmcs = frames_try_alloc(1, 1);
	/* apicv=on: CR8 lives in this page (TPR shadow) instead of exiting */
	if (v->vmcs && hv_opts.apicv && vmx_ctls.tpr_shadow)
		v->vapic_page = frames_try_alloc(1, 1);
	if (!v->vmcs || (hv_opts.apicv && vmx_ctls.tpr_shadow && !v->vapic_page)) {
		if (v->vmcs)
			frames_free(v->vmcs, 1);
		v->vmcs = NULL;
		return false;
	}
	*(uint32_t *)v->vmcs = vmx_basic_revision_id(vmx_caps.basic);
	pa = virt_to_phys(v->vmcs);
	/* VMCLEAR initialises the region; VMPTRLD makes it current here. */
	VMX_CHECK("vmclear", pa, vmclear(pa));
	VMX_CHECK("vmptrld", pa, vmptrld(pa));
	/* apicv=tpr and on: CR8 lives in this page (TPR shadow) instead of
	 * exiting; apicv=on: the whole APIC's registers (vmm/dev/lapic.c) */
	if (hv_opts.apicv >= APICV_TPR && vmx_ctls.tpr_shadow) {
		v->vapic_page = frames_alloc(1, 1);
		memset(v->vapic_page, 0, PAGE_SIZE);
		v->vid = vm->apic_access_page != NULL;
	}
	const struct vmcs_resources res = {
		.io_bitmap_pa = virt_to_phys(vm->io_bitmap),
		.msr_bitmap_pa = virt_to_phys(vm->msr_bitmap),
		.eptp = vm->eptp,
		.vpid = v->vpid,
		.tsc_scaling = mult != TSC_MULT_ONE,   /* tsc_khz=: this VM alone scales */
		.vapic_page_pa = v->vapic_page ? virt_to_phys(v->vapic_page) : 0,
		/* #AC and #DB exit and are reflected (vmm/exits_core.c): with
		 * them passed through, a guest IDT whose delivery of #AC or #DB
		 * raises it again loops inside the CPU with no instruction
		 * boundary, so no exit ever comes (CVE-2015-5307, CVE-2015-8104) */
		.exception_bitmap = hv_opts.exc_intercept ? BIT(VEC_AC) | BIT(VEC_DB) : 0,
		.apic_access_pa = v->vid ? virt_to_phys(vm->apic_access_page) : 0,
	};
	/* The APs' state is replaced at their SIPI (real mode): only vCPU 0's matters. */
	if (boot->is_linux)
		vmcs_init_linux32(&res, &v->regs, boot->entry, boot->zero_page,
				  (uint32_t)LINUX_GDT_GPA, LINUX_GDT_LIMIT, LINUX_BOOT_CS,
				  LINUX_BOOT_DS);
	else
		vmcs_init_multiboot(&res, &v->regs, boot->entry, MULTIBOOT_EAX, boot->mbi);
	/* every CR4 bit of a feature it is not given exits (vmm/dev/features.c) */
	vmcs_writenat(CR4_GUEST_HOST_MASK, features_cr4_mask(vm));
	/* RDTSCP and RDPID raise #UD where this VM is not given them */
	if (!feature_usable(vm, FEAT_RDTSCP))
		vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmcs_read32(SECONDARY_VM_EXEC_CONTROL) &
			     ~(uint32_t)SECONDARY_EXEC_ENABLE_RDTSCP);
	v->misc_enable = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAIL |
			 MISC_ENABLE_PEBS_UNAVAIL;
	v->proc_ctls = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	lapic_vcpu_init(v);
	/* One timeline per VM: every vCPU's TSC reads 0 at the VM's creation. */
	if (id == 0)
		vm->tsc_base_ref = ref_now();
	vtsc_init(&v->clock, vm->tsc_policy, vm->tsc_base_ref, mult, vm->tsc_khz);
	VMX_CHECK("vmclear", pa, vmclear(pa));
	v->loaded_on = -1;
	v->host_state_cpu = this_cpu()->cpu_id;   /* vmcs_init_* wrote this pCPU's */
	v->launched = false;
	vm->nvcpus = id + 1;
	return true;
}

static void free_ram(struct vm *vm)
{
	if (vm->ram)
		frames_free(vm->ram, vm->ram_size / PAGE_SIZE);
	vm->ram = NULL;
}

/* Give back everything a VM got after its RAM, then the RAM (a VM refused
 * half-way: no vCPU of it has run, none of its VMCSs is current). */
/* A restored vCPU: its saved state written into its VMCS (current here
 * for the time of it), its registers, APIC, FPU and TSC (vmm/snap.c). */
static void restore_vcpu(struct vcpu *v, const uint8_t *file, uint64_t len)
{
	uint64_t pa = virt_to_phys(v->vmcs);

	VMX_CHECK("vmptrld", pa, vmptrld(pa));
	snap_restore_vcpu(v, file, len);
	VMX_CHECK("vmclear", pa, vmclear(pa));
}

/* apicv=on: the xAPIC page is mapped (read/write) to the APIC-access page,
 * which the CPU recognises after the EPT walk and redirects to each vCPU's
 * virtual-APIC page (SDM Vol. 3C, "Virtualizing Memory-Mapped APIC
 * Accesses"); the page itself is never read or written. Without it the
 * xAPIC page stays unmapped: every access is an EPT violation
 * (vmm/dev/mmio.c). False when no frame was left. */
static bool map_apic_access_page(struct vm *vm)
{
	if (hv_opts.apicv != APICV_ON || !vmx_ctls.apic_virt)
		return true;
	vm->apic_access_page = frames_try_alloc(1, 1);
	if (!vm->apic_access_page)
		return false;
	memset(vm->apic_access_page, 0, PAGE_SIZE);
	return ept_map(vm->ept_pml4, APIC_DEFAULT_PHYS, virt_to_phys(vm->apic_access_page), PAGE_SIZE,
		       EPT_READ | EPT_WRITE);
}

static void free_vm_structures(struct vm *vm)
{
	if (vm->apic_access_page)
		frames_free(vm->apic_access_page, 1);
	vm->apic_access_page = NULL;
	for (uint32_t c = 0; c < MAX_VCPUS; c++) {
		if (vm->vcpus[c].fpu_area)
			frames_free(vm->vcpus[c].fpu_area, 1);
		vm->vcpus[c].fpu_area = NULL;
	}
	for (uint32_t c = 0; c < vm->nvcpus; c++) {
		struct vcpu *v = &vm->vcpus[c];
		if (v->vapic_page)
			frames_free(v->vapic_page, 1);
		if (v->vmcs)
			frames_free(v->vmcs, 1);
		v->vapic_page = v->vmcs = NULL;
	}
	vm->nvcpus = 0;
	if (vm->msr_bitmap)
		frames_free(vm->msr_bitmap, 1);
	if (vm->io_bitmap)
		frames_free(vm->io_bitmap, IO_BITMAP_PAGES);
	vm->msr_bitmap = vm->io_bitmap = NULL;
	if (vm->ept_pml4)
		ept_destroy(vm->ept_pml4);
	vm->ept_pml4 = NULL;
	free_ram(vm);
}

/*
 * Everything a VM needs after its RAM: EPT tables, the I/O and MSR bitmaps,
 * a VMCS (and a virtual-APIC page) per vCPU. Any of them may find memory
 * short (a mem= that leaves only a few frames, or alloc_fail=): then all of
 * it is given back and only this VM is refused, by name.
 */
static bool create_vm_structures(struct vm *vm, const struct boot_state *boot, uint64_t mult,
				 const uint8_t *restore_file, uint64_t restore_len)
{
	const char *what = "its EPT tables";

	frames_fail_nth(vm->alloc_fail);
	vm->ept_pml4 = ept_create();
	if (vm->ept_pml4 && ept_map(vm->ept_pml4, 0, virt_to_phys(vm->ram), vm->ram_size, EPT_RWX) &&
	    map_apic_access_page(vm)) {
		vm->eptp = ept_pointer(vm->ept_pml4);
		what = "its I/O and MSR bitmaps";
		if (setup_bitmaps(vm)) {
			what = "a VMCS, virtual-APIC page or FPU state page";
			uint32_t c = 0;
			while (c < vm->nvcpus_wanted && guest_fpu_init(&vm->vcpus[c]) &&
			       create_vcpu(vm, c, boot, mult)) {
				if (restore_file)        /* a saved VM: its state over the fresh one */
					restore_vcpu(&vm->vcpus[c], restore_file, restore_len);
				c++;
			}
			if (c == vm->nvcpus_wanted)
				what = NULL;
		}
	}
	frames_fail_nth(0);
	if (!what)
		return true;
	uint64_t free_kib = frames_free_count() * PAGE_SIZE / KiB;
	free_vm_structures(vm);
	vm_end(vm, VM_END_LOAD_FAILED, "not enough free memory for %s after its %lu MiB of RAM "
	       "(%lu KiB were free; try a smaller mem=)%s", what,
	       (unsigned long)(vm->ram_size / MiB), (unsigned long)free_kib,
	       vm->alloc_fail ? " (alloc_fail=)" : "");
	return false;
}

/* Is this word one of chronovisor's own settings (guest_opts)? tsc= only
 * with one of chronovisor's policies: Linux has a tsc= of its own. */
static bool hv_setting(const char *w, size_t n)
{
	static const char *const keys[] = { "mem=", "tsc_khz=", "vcpus=", "cpuid_hide=", "alloc_fail=",
					    "flaw=" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (n >= strlen(keys[i]) && !strncmp(w, keys[i], strlen(keys[i])))
			return true;
	return tsc_is_policy(w, n);
}

/* Linux's command line: the guest's, without its first word (the name) and
 * chronovisor's settings. */
static void linux_cmdline(const char *cmdline, char *out, size_t outlen)
{
	const char *p = cmdline;
	size_t len = 0;
	bool first = true;

	out[0] = '\0';
	while (*p) {
		size_t n;
		p = cmdline_word(p, &n);
		if (n && !first && !hv_setting(p, n) && len + n + 2 < outlen) {
			if (len)
				out[len++] = ' ';
			memcpy(out + len, p, n);
			len += n;
			out[len] = '\0';
		}
		if (n)
			first = false;
		p += n;
	}
}

/* A bzImage guest: ACPI tables, then the boot protocol's layout (kernel,
 * zero page, command line, initrd = its first module). 0, or -1 with the
 * VM ended. */
static int load_linux(struct vm *vm, const uint8_t *file, uint64_t len,
		      const struct boot_module *extra, unsigned nextra, struct boot_state *boot)
{
	char err[256];
	static char cmd[VM_CMDLINE_MAX];       /* boot CPU only, one VM at a time */
	struct linux_image li;

	uint64_t rsdp = acpi_tables_build(vm->ram, vm->ram_size, vm->nvcpus_wanted);
	if (!rsdp) {
		vm_end(vm, VM_END_LOAD_FAILED, "Linux guest: no room for its ACPI tables");
		return -1;
	}
	linux_cmdline(vm->cmdline, cmd, sizeof(cmd));
	const uint8_t *initrd = nextra ? phys_to_virt(extra[0].start) : NULL;
	uint64_t initrd_len = nextra ? extra[0].end - extra[0].start : 0;
	if (linux_boot_build(vm->ram, vm->ram_size, file, len, cmd, initrd, initrd_len, rsdp, &li,
			     err, sizeof(err)) != 0) {
		vm_end(vm, VM_END_LOAD_FAILED, "%s: %s", vm->name, err);
		return -1;
	}
	if (nextra > 1)
		kprintf("[hv] vm%u: a Linux guest takes one module (its initrd); %u more ignored\n",
			vm->id, nextra - 1);
	*boot = (struct boot_state){ .is_linux = true, .entry = (uint32_t)li.entry,
				     .zero_page = (uint32_t)li.zero_page };
	kprintf("[hv] vm%u \"%s\": Linux boot protocol %u.%02u%s, kernel %#lx-%#lx, initrd %lu bytes "
		"at %#lx, ACPI RSDP %#lx, command line \"%s\"\n", vm->id, vm->name,
		li.version >> 8, li.version & 0xFF, li.kernel_64 ? " (64-bit kernel)" : "",
		li.kernel_lo, li.kernel_hi, li.initrd_len, li.initrd_lo, rsdp, cmd);
	return 0;
}

struct vm *vm_create(const struct boot_module *mod, const struct boot_module *extra,
		     unsigned nextra)
{
	char err[256];
	struct guest_image img;
	struct guest_module_src srcs[GUEST_BOOT_MAX_MODULES];
	uint32_t mbi;

	if (nvms == MAX_VMS) {
		kprintf("[hv] error: more than %u guests; \"%s\" not started\n", MAX_VMS,
			mod->cmdline);
		return NULL;
	}
	struct vm *vm = &vms[nvms];
	vm->id = nvms++;
	vm->state = VM_CREATED;
	module_name(mod->cmdline, vm->name, sizeof(vm->name));
	cv_snprintf(vm->cmdline, sizeof(vm->cmdline), "%s", mod->cmdline);

	const uint8_t *file = phys_to_virt(mod->start);
	uint64_t file_len = mod->end - mod->start;
	if (!guest_options(vm, linux_is_bzimage(file, file_len)))
		return vm;
	if (!features_init(vm, cpuid_hide, err, sizeof(err))) {
		vm_end(vm, VM_END_LOAD_FAILED, "%s", err);
		return vm;
	}
	bool restore = snap_is_image(file, file_len);
	if (restore && !snap_restore_prepare(vm, file, file_len))
		return vm;
	uint64_t mult = guest_tsc_mult(vm);
	if (!mult)
		return vm;
	vm->ram = frames_try_alloc(vm->ram_size / PAGE_SIZE, RAM_ALIGN / PAGE_SIZE);
	if (!vm->ram) {
		vm_end(vm, VM_END_LOAD_FAILED, "not enough free memory for its %lu MiB of RAM "
		       "(%lu MiB free; try mem=)", (unsigned long)(vm->ram_size / MiB),
		       (unsigned long)(frames_free_count() * PAGE_SIZE / MiB));
		return vm;
	}

	struct boot_state boot = { 0 };
	if (restore) {
		snap_restore_ram(vm, file, file_len);
		img = (struct guest_image){ .entry = 0 };
		goto memory_ready;
	}
	if (linux_is_bzimage(file, file_len)) {
		if (load_linux(vm, file, file_len, extra, nextra, &boot) != 0) {
			free_ram(vm);
			return vm;
		}
		img = (struct guest_image){ .entry = boot.entry };
		nextra = MIN(nextra, 1u);
		goto memory_ready;
	}
	if (elf_load_multiboot(file, mod->end - mod->start, vm->ram, vm->ram_size, vm->name,
			       &img, err, sizeof(err)) != 0) {
		vm_end(vm, VM_END_LOAD_FAILED, "%s", err);
		free_ram(vm);
		return vm;
	}
	if (nextra > GUEST_BOOT_MAX_MODULES)
		nextra = GUEST_BOOT_MAX_MODULES;
	for (unsigned i = 0; i < nextra; i++) {
		srcs[i].data = phys_to_virt(extra[i].start);
		srcs[i].len = extra[i].end - extra[i].start;
		srcs[i].cmdline = extra[i].cmdline;
	}
	if (guest_boot_build(vm->ram, vm->ram_size, &img, vm->cmdline, srcs, nextra, &mbi, err,
			     sizeof(err)) != 0) {
		vm_end(vm, VM_END_LOAD_FAILED, "%s", err);
		free_ram(vm);
		return vm;
	}

	boot = (struct boot_state){ .entry = (uint32_t)img.entry, .mbi = mbi };

memory_ready:
	vm->pat = PAT_POWER_ON;
	vm->sleep_max = hv_opts.sleep_max;
	vm->out_max = hv_opts.out_max;
	if (!create_vm_structures(vm, &boot, mult, restore ? file : NULL, file_len))
		return vm;
	char hidden[256];
	features_describe(vm, hidden, sizeof(hidden));

	kprintf("[hv] vm%u \"%s\": %lu MiB RAM at host %#lx, %u vCPU(s), entry %#lx, "
		"%u segment(s), %u module(s), TSC %lu kHz%s, tsc=%s, hidden by cpuid_hide=: %s, "
		"cmdline \"%s\"\n", vm->id, vm->name,
		(unsigned long)(vm->ram_size / MiB), virt_to_phys(vm->ram), vm->nvcpus, img.entry,
		img.nsegments, nextra, vtsc_guest_khz(&vm->vcpus[0].clock),
		mult != TSC_MULT_ONE ? " (scaled)" : "", tsc_policy_names[vm->tsc_policy], hidden,
		vm->cmdline);
	if (restore)
		snap_restore_done(vm);
	if (vm->flaw != FLAW_NONE)
		kprintf("[hv] vm%u: flaw=%s: a deliberate defect for this VM (a negative control)\n",
			vm->id, flaw_choices[vm->flaw]);
	return vm;
}
