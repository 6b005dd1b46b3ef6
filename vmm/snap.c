/*
 * vmm/snap.c - save a VM as an image and create a VM from one (vmm/snap.h;
 * the format: vmm/loader/snapshot.h; the TSC rules: docs/snapshot.md).
 *
 * Context: VMX root. A save copies each vCPU's state on the pCPU where its
 * VMCS is current (the only place VMREAD can see it); the pCPU that copies
 * the last one writes the image. Only the fields in saved_fields travel: a
 * restore writes nothing else into a VMCS, so an image cannot reach the
 * controls or the host state, only what a guest could have set itself (and
 * the entry checker checks that at the first VMLAUNCH).
 */
#include "vmm/snap.h"
#include "lib/cmdline.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/fpu.h"
#include "kernel/mem.h"
#include "kernel/pit.h"
#include "kernel/rtc.h"
#include "kernel/uart_raw.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/core/vcpu.h"
#include "vmm/dev/lapic.h"
#include "vmm/dev/lapic_state.h"
#include "vmm/dev/lapic_timer.h"
#include "vmm/loader/snapshot.h"
#include "vmm/options.h"
#include "vmm/time/tsc_math.h"
#include "vmm/time/tsc_sync.h"
#include "vmm/time/vtsc.h"
#include "vmx/vmcs.h"

/* The guest state a VMCS holds (SDM Vol. 3C, "Guest-State Area"), plus the
 * read shadows (what the guest reads of CR0 and CR4) and the entry control
 * "IA-32e mode guest", which must match EFER.LMA. Nothing else. */
static const uint32_t saved_fields[] = {
	GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR,
	GUEST_FS_SELECTOR, GUEST_GS_SELECTOR, GUEST_LDTR_SELECTOR, GUEST_TR_SELECTOR,
	GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE,
	GUEST_FS_BASE, GUEST_GS_BASE, GUEST_LDTR_BASE, GUEST_TR_BASE,
	GUEST_ES_LIMIT, GUEST_CS_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT,
	GUEST_FS_LIMIT, GUEST_GS_LIMIT, GUEST_LDTR_LIMIT, GUEST_TR_LIMIT,
	GUEST_ES_AR_BYTES, GUEST_CS_AR_BYTES, GUEST_SS_AR_BYTES, GUEST_DS_AR_BYTES,
	GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES, GUEST_LDTR_AR_BYTES, GUEST_TR_AR_BYTES,
	GUEST_GDTR_BASE, GUEST_GDTR_LIMIT, GUEST_IDTR_BASE, GUEST_IDTR_LIMIT,
	GUEST_CR0, GUEST_CR3, GUEST_CR4, GUEST_DR7, GUEST_RSP, GUEST_RIP, GUEST_RFLAGS,
	GUEST_PENDING_DBG_EXCEPTIONS, GUEST_SYSENTER_CS, GUEST_SYSENTER_ESP, GUEST_SYSENTER_EIP,
	GUEST_IA32_DEBUGCTL, GUEST_IA32_PAT, GUEST_IA32_EFER, GUEST_INTERRUPTIBILITY_INFO,
	GUEST_ACTIVITY_STATE, GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2, GUEST_PDPTR3,
	CR0_READ_SHADOW, CR4_READ_SHADOW, VM_ENTRY_CONTROLS,
};
#define NFIELDS ARRAY_SIZE(saved_fields)
#define ENTRY_IA32E_MODE   BIT(9)       /* VM-entry control "IA-32e mode guest" */
#define FROZEN_POLL_TICKS  1000000      /* a copied vCPU looks again this often */

/* EVENTS record flags */
#define SF_HALTED          BIT(0)
#define SF_PARKED          BIT(1)
#define SF_WAIT_SIPI       BIT(2)
#define SF_PENDING_SIPI    BIT(3)

struct saved_vcpu {
	uint64_t field[NFIELDS];
	struct guest_regs regs;
	uint64_t msrs[NUM_TRAVELLING_MSRS];
	struct lapic_regs apic;
	uint64_t apic_base, tsc_deadline, timer_start, timer_deadline;
	uint32_t timer_count0, timer_owed;
	uint8_t timer_armed;
	uint8_t vapic[PAGE_SIZE];
	bool has_vapic;
	bool vid;                     /* apicv=on: GUEST_INTR_STATUS (RVI/SVI) travels too */
	uint64_t intr_status;
	struct vtsc tsc;
	struct hc_counters counters;
	uint8_t fpu[FPU_AREA_MAX];    /* the XSAVE (or FXSAVE) area as saved at its last put */
	uint64_t fpu_meta[8];         /* xcr0, dr[5], area size, xsave? */
	uint32_t flags, ev, reinject_info, reinject_error, reinject_len;
	uint8_t hlt_len, sipi_vector;
	uint64_t parked_rip;
};

/* What was copied of each vCPU, per VM being saved; save= entries done;
 * COM2 carries one image at a time (back to back when several VMs are
 * saved: a restore picks one with image=N). */
static struct saved_vcpu saved[MAX_VMS][MAX_VCPUS];
static bool save_done[OPT_MAX_SAVES];
static uint32_t images_written;
static struct spinlock com2_lock;

/* Restore options, per VM. */
static struct {
	bool advance, ignore_tsc;
	uint64_t add_ticks;
	uint32_t image;               /* image=N: which of the images in the module */
	uint64_t t0;                  /* this pCPU's TSC when the restore began */
	uint64_t off, len;            /* where that image lies in the module */
} restore_opts[MAX_VMS];

/* ---- saving ---- */

static void copy_apic(struct vcpu *v, struct saved_vcpu *s)
{
	struct lapic *l = lapic_of(v);

	/* apicv=on: what the CPU delivered from the virtual-APIC page since the
	 * last look, into the model first (vmm/dev/lapic_vapic.c) */
	s->vid = v->vid && v->loaded_on == (int32_t)this_cpu()->cpu_id;
	if (s->vid) {
		lapic_vid_sync_in(v);
		s->intr_status = vmcs_read16(GUEST_INTR_STATUS);
	}

	spin_lock(&l->lock);
	s->apic = l->r;
	s->apic_base = l->base;
	s->timer_armed = l->timer_armed;
	s->timer_start = l->timer_start;
	s->timer_count0 = l->timer_count0;
	s->timer_deadline = l->timer_deadline;
	s->tsc_deadline = l->tsc_deadline;
	s->timer_owed = l->timer_owed;
	spin_unlock(&l->lock);
	s->has_vapic = v->vapic_page != NULL;
	if (s->has_vapic)
		memcpy(s->vapic, v->vapic_page, PAGE_SIZE);
}

static void copy_events(struct vcpu *v, struct saved_vcpu *s)
{
	s->flags = (v->halted ? SF_HALTED : 0) | (v->parked ? SF_PARKED : 0) |
		   (v->pending_sipi ? SF_PENDING_SIPI : 0);
	s->ev = __atomic_load_n(&v->ev_pending, __ATOMIC_ACQUIRE) & (EV_NMI | EV_IRR);
	s->reinject_info = v->reinject_info;
	s->reinject_error = v->reinject_error;
	s->reinject_len = v->reinject_len;
	s->hlt_len = v->hlt_len;
	s->sipi_vector = v->sipi_vector;
	s->parked_rip = v->parked_rip;
	s->tsc = v->clock.tsc;
	s->counters = v->counters;
	/* Its registers were saved to fpu_area when it last left a pCPU
	 * (vmm/core/guest_fpu.c: eager), and it has not run since. */
	memcpy(s->fpu, v->fpu_area, fpu_host.area_size);
	s->fpu_meta[0] = v->xcr0;
	memcpy(&s->fpu_meta[1], v->dr, sizeof(v->dr));
	s->fpu_meta[6] = fpu_host.area_size;
	s->fpu_meta[7] = fpu_host.xsave;
}

/* v is loaded here: its VMCS is current. */
static void capture(struct vcpu *v)
{
	struct saved_vcpu *s = &saved[v->vm->id][v->id];

	for (size_t i = 0; i < NFIELDS; i++)
		s->field[i] = __vmcs_read(saved_fields[i], __func__);
	s->regs = v->regs;
	memcpy(s->msrs, v->msrs, sizeof(s->msrs));
	/* the live one: the guest's SWAPGS changes it with no exit (vmm/run.c) */
	s->msrs[TMSR_KERNEL_GS_BASE] = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	copy_apic(v, s);
	copy_events(v, s);
}

/* An AP still waiting for its SIPI: no guest state yet, only its APIC. */
static void capture_waiting(struct vcpu *v)
{
	struct saved_vcpu *s = &saved[v->vm->id][v->id];

	memset(s, 0, sizeof(*s));
	copy_apic(v, s);
	copy_events(v, s);
	s->flags |= SF_WAIT_SIPI;
}

static uint64_t com2_bytes;

static void emit_com2(void *ctx, const void *buf, size_t len)
{
	uart_raw_write(COM2_BASE, buf, len);
	com2_bytes += len;
}

static uint64_t vcpu_payload(const struct saved_vcpu *s)
{
	uint64_t n = snap_record_size(NUM_GPRS * 8) + snap_record_size(8) + snap_record_size(16) +
		     snap_record_size(sizeof(struct lapic_regs)) + snap_record_size(8 * 6) +
		     snap_record_size(8 * 8) + snap_record_size(NUM_TRAVELLING_MSRS * 8);
	if (!(s->flags & SF_WAIT_SIPI))
		n += NFIELDS * snap_record_size(8);
	if (s->has_vapic)
		n += snap_record_size(PAGE_SIZE);
	if (s->vid)
		n += snap_record_size(8);
	return n + snap_record_size(sizeof(s->counters)) + snap_record_size(8 * 8) +
	       snap_record_size((uint32_t)s->fpu_meta[6]);
}

static void write_vcpu(struct snap_writer *w, uint32_t id, const struct saved_vcpu *s,
		       uint64_t ref)
{
	uint64_t tsc[2] = { tsc_guest(&s->tsc, ref), s->tsc.adjust };
	uint64_t timer[6] = { s->apic_base, s->tsc_deadline, s->timer_start, s->timer_deadline,
			      (uint64_t)s->timer_count0 | (uint64_t)s->timer_owed << 32,
			      s->timer_armed };
	uint64_t ev[8] = { s->flags, s->ev, s->reinject_info, s->reinject_error, s->reinject_len,
			   s->hlt_len, s->sipi_vector, s->parked_rip };

	snap_section(w, SNAP_SEC_VCPU, id, vcpu_payload(s));
	snap_record(w, SNAP_KEY_GPRS, s->regs.by_index, NUM_GPRS * 8);
	snap_record(w, SNAP_KEY_CR2, &s->regs.cr2, 8);
	snap_record(w, SNAP_KEY_GUEST_TSC, tsc, sizeof(tsc));
	snap_record(w, SNAP_KEY_LAPIC, &s->apic, sizeof(s->apic));
	snap_record(w, SNAP_KEY_LAPIC_TIMER, timer, sizeof(timer));
	snap_record(w, SNAP_KEY_EVENTS, ev, sizeof(ev));
	snap_record(w, SNAP_KEY_MSRS, s->msrs, sizeof(s->msrs));
	if (!(s->flags & SF_WAIT_SIPI))
		for (size_t i = 0; i < NFIELDS; i++)
			snap_record(w, saved_fields[i], &s->field[i], 8);
	if (s->has_vapic)
		snap_record(w, SNAP_KEY_OPTIONAL | SNAP_KEY_LAPIC, s->vapic, PAGE_SIZE);
	if (s->vid)
		snap_record(w, GUEST_INTR_STATUS, &s->intr_status, 8);
	/* what HC_COUNTERS returns: a guest comparing two readings across the
	 * save must not see them go back */
	snap_record(w, SNAP_KEY_OPTIONAL | SNAP_KEY_COUNTERS, &s->counters, sizeof(s->counters));
	snap_record(w, SNAP_KEY_XCR0, s->fpu_meta, sizeof(s->fpu_meta));
	snap_record(w, SNAP_KEY_XSAVE, s->fpu, (uint32_t)s->fpu_meta[6]);
}

static void write_image(struct vm *vm)
{
	spin_lock(&com2_lock);
	struct snap_writer w;
	uint64_t t0 = rdtsc(), ref = ref_now(), pages = 0;
	struct snap_header h = {
		.ram_bytes = vm->ram_size,
		.nvcpus = vm->nvcpus,
		.guest_tsc_khz = (uint32_t)vtsc_guest_khz(&vm->vcpus[0].clock),
		.host_ns = rtc_unix_seconds() * 1000000000ULL,
		.ref_tsc = ref,
	};

	memcpy(h.name, vm->name, MIN(strlen(vm->name), sizeof(h.name) - 1));
	com2_bytes = 0;
	uart_raw_init(COM2_BASE);
	snap_begin(&w, emit_com2, NULL, &h);
	for (uint64_t gpa = 0; gpa < vm->ram_size; gpa += PAGE_SIZE)
		pages += snap_page(&w, gpa, vm->ram + gpa);
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		write_vcpu(&w, i, &saved[vm->id][i], ref);
	uint64_t total = snap_end(&w);
	uart_raw_flush(COM2_BASE);
	kprintf("[hv] vm%u \"%s\" saved as image %u: %u vCPU(s), guest TSC %lu (vcpu0) at %lu kHz, "
		"%lu of %lu pages not zero, image %lu bytes to COM2 in %lu ms\n", vm->id, vm->name,
		images_written++, vm->nvcpus,
		tsc_guest(&saved[vm->id][0].tsc, ref), (unsigned long)h.guest_tsc_khz, pages,
		(unsigned long)(vm->ram_size / PAGE_SIZE), total, (rdtsc() - t0) / tsc_khz());
	spin_unlock(&com2_lock);
}

static void request_save(struct vm *vm, uint64_t at)
{
	spin_lock(&vcpu_state_lock);
	vm->snap_state = SNAP_CAPTURING;
	vm->snap_ncaptured = 0;
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *c = &vm->vcpus[i];
		c->snap_captured = false;
		if (c->state == VCPU_WAIT_SIPI) {
			capture_waiting(c);
			c->snap_captured = true;
			vm->snap_ncaptured++;
		}
	}
	spin_unlock(&vcpu_state_lock);
	kprintf("[hv] vm%u: save=vm%u@%lu reached: stopping its %u vCPU(s)\n", vm->id, vm->id,
		at, vm->nvcpus);
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		if (!vm->vcpus[i].snap_captured)
			vcpu_post_event(&vm->vcpus[i], EV_SNAP);
}

void snap_check_trigger_slow(struct vcpu *v)
{
	if (v->id != 0 || v->vm->state != VM_RUNNING ||
	    v->vm->snap_state != SNAP_NONE)
		return;
	for (uint32_t i = 0; i < hv_opts.nsaves; i++) {
		if (save_done[i] || hv_opts.saves[i].vm != v->vm->id ||
		    vtsc_guest_now(&v->clock) < hv_opts.saves[i].at)
			continue;
		save_done[i] = true;     /* only vCPU 0 of that VM, on its own pCPU, looks */
		request_save(v->vm, hv_opts.saves[i].at);
		return;
	}
}

bool snap_on_load_slow(struct vcpu *v)
{
	struct vm *vm = v->vm;

	__atomic_and_fetch(&v->ev_pending, ~(uint32_t)EV_SNAP, __ATOMIC_SEQ_CST);
	if (!v->snap_captured) {
		capture(v);
		v->snap_captured = true;
		if (__atomic_add_fetch(&vm->snap_ncaptured, 1, __ATOMIC_SEQ_CST) == vm->nvcpus) {
			write_image(vm);
			spin_lock(&vcpu_state_lock);
			vm->snap_state = SNAP_NONE;
			for (uint32_t i = 0; i < vm->nvcpus; i++)
				vm->vcpus[i].wake_ref = 0;    /* the copied ones go on now */
			spin_unlock(&vcpu_state_lock);
			return false;                     /* this one goes on at once */
		}
	}
	/* copied: off the guest until the image is written */
	v->wake_ref = ref_now() + FROZEN_POLL_TICKS;
	v->sleeping = true;
	return true;
}

/* ---- restoring ---- */

void snap_restore_done(struct vm *vm)
{
	uint64_t ticks = rdtsc() - restore_opts[vm->id].t0;

	kprintf("[hv] vm%u restored in %lu ms (%lu host ticks: image checked, RAM and %u vCPU(s) "
		"rebuilt)\n", vm->id, ticks / tsc_khz(), ticks, vm->nvcpus);
}

bool snap_is_image(const uint8_t *data, uint64_t len)
{
	return data && len >= 8 && memcmp(data, SNAP_MAGIC, 8) == 0;
}

/* Is the word p[0..n) exactly lit? */
static bool word_is(const char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && !strncmp(p, lit, n);
}

/* downtime=freeze|advance, restore_tsc=keep|ignore on the module's command
 * line; every other word is left alone (tsc= is the VM's policy, as for any
 * guest). */
static bool restore_options(struct vm *vm, char *err, size_t errlen)
{
	const char *p = vm->cmdline;

	while (*p && *p != ' ')
		p++;                     /* the module name */
	while (*p) {
		size_t n;
		p = cmdline_word(p, &n);
		if (word_is(p, n, "downtime=advance")) {
			restore_opts[vm->id].advance = true;
		} else if (word_is(p, n, "downtime=freeze")) {
			restore_opts[vm->id].advance = false;
		} else if (word_is(p, n, "restore_tsc=ignore")) {
			restore_opts[vm->id].ignore_tsc = true;
		} else if (word_is(p, n, "restore_tsc=keep")) {
			restore_opts[vm->id].ignore_tsc = false;
		} else if (n > 6 && !strncmp(p, "image=", 6)) {
			uint32_t k = 0;
			size_t i = 6;
			for (; i < n && p[i] >= '0' && p[i] <= '9' && k < 1000; i++)
				k = k * 10 + (uint32_t)(p[i] - '0');
			if (i != n) {
				cv_snprintf(err, errlen, "restore option '%.*s': image=N wants a number",
					    (int)n, p);
				return false;
			}
			restore_opts[vm->id].image = k;
		} else if ((n > 9 && !strncmp(p, "downtime=", 9)) ||
			   (n > 12 && !strncmp(p, "restore_tsc=", 12))) {
			cv_snprintf(err, errlen, "restore option '%.*s': allowed downtime=freeze|advance, "
				    "restore_tsc=keep|ignore", (int)n, p);
			return false;
		}
		p += n;
	}
	return true;
}

bool snap_restore_prepare(struct vm *vm, const uint8_t *data, uint64_t len)
{
	struct snap_image img;
	char err[200];

	vm->restored = true;
	restore_opts[vm->id].t0 = rdtsc();
	if (!restore_options(vm, err, sizeof(err)) ||
	    snap_locate(data, len, restore_opts[vm->id].image, &restore_opts[vm->id].off,
			&restore_opts[vm->id].len, err, sizeof(err)) != 0 ||
	    snap_open(&img, data + restore_opts[vm->id].off, restore_opts[vm->id].len, err,
		      sizeof(err)) != 0) {
		vm_end(vm, VM_END_LOAD_FAILED, "%s", err);
		return false;
	}
	if (img.h.nvcpus > MAX_VCPUS || img.h.ram_bytes % (2 * MiB)) {
		vm_end(vm, VM_END_LOAD_FAILED, "image of a VM with %u vCPUs and %lu bytes of RAM: this "
		       "chronovisor runs at most %u vCPUs in 2 MiB multiples", img.h.nvcpus,
		       img.h.ram_bytes, MAX_VCPUS);
		return false;
	}
	vm->ram_size = img.h.ram_bytes;
	vm->nvcpus_wanted = img.h.nvcpus;
	/* the guest's TSC keeps its rate: scaled where this host's differs */
	vm->tsc_khz = img.h.guest_tsc_khz == tsc_khz() ? 0 : img.h.guest_tsc_khz;

	uint64_t now_s = rtc_unix_seconds(), then_s = img.h.host_ns / 1000000000ULL;
	uint64_t away_s = now_s > then_s ? now_s - then_s : 0;
	restore_opts[vm->id].add_ticks = restore_opts[vm->id].advance
		? away_s * (uint64_t)img.h.guest_tsc_khz * 1000 : 0;
	kprintf("[hv] vm%u: restoring \"%s\" (image %u): %u vCPU(s), %lu MiB, %lu pages, guest TSC %u kHz "
		"(this host %lu kHz: %s), downtime=%s", vm->id, img.h.name, restore_opts[vm->id].image, img.h.nvcpus,
		(unsigned long)(img.h.ram_bytes / MiB), img.npages, img.h.guest_tsc_khz, tsc_khz(),
		vm->tsc_khz ? "scaled" : "same rate", restore_opts[vm->id].advance ? "advance" : "freeze");
	if (restore_opts[vm->id].advance)
		kprintf(" (%lu s between the save and now by the RTCs, +/- 1 s: %lu guest ticks added)",
			away_s, restore_opts[vm->id].add_ticks);
	if (restore_opts[vm->id].ignore_tsc)
		kprintf(", restore_tsc=ignore (negative control: the saved TSC is not used)");
	kprintf("\n");
	return true;
}

void snap_restore_ram(struct vm *vm, const uint8_t *data, uint64_t len)
{
	struct snap_image img;
	struct snap_section_view s;
	uint64_t off = 0, gpa;

	data += restore_opts[vm->id].off;
	len = restore_opts[vm->id].len;
	if (snap_open(&img, data, len, NULL, 0) != 0)
		return;                  /* snap_restore_prepare refused it already */
	memset(vm->ram, 0, vm->ram_size);
	while (snap_next_section(&img, &off, &s)) {
		if (s.type != SNAP_SEC_RAM)
			continue;
		memcpy(&gpa, s.payload, 8);
		memcpy(vm->ram + gpa, s.payload + 8, SNAP_PAGE);
	}
}

static bool record(const struct snap_section_view *s, uint32_t key, void *out, uint32_t len)
{
	uint32_t l;
	const uint8_t *p = snap_find_record(s, key, &l);

	if (!p || l != len)
		return false;
	memcpy(out, p, len);
	return true;
}

static void restore_apic(struct vcpu *v, const struct snap_section_view *s)
{
	struct lapic *l = lapic_of(v);
	uint64_t timer[6];
	uint32_t vlen;
	const uint8_t *vapic = snap_find_record(s, SNAP_KEY_OPTIONAL | SNAP_KEY_LAPIC, &vlen);

	spin_lock(&l->lock);
	if (record(s, SNAP_KEY_LAPIC, &l->r, sizeof(l->r)) && record(s, SNAP_KEY_LAPIC_TIMER, timer,
								      sizeof(timer))) {
		l->base = timer[0];
		l->tsc_deadline = timer[1];
		l->timer_start = timer[2];
		l->timer_deadline = timer[3];
		l->timer_count0 = (uint32_t)timer[4];
		l->timer_owed = (uint32_t)(timer[4] >> 32);
		l->timer_armed = timer[5] != 0;
	}
	spin_unlock(&l->lock);
	if (vapic && vlen == PAGE_SIZE && v->vapic_page)
		memcpy(v->vapic_page, vapic, PAGE_SIZE);
	uint64_t status;
	if (v->vid && record(s, GUEST_INTR_STATUS, &status, 8))
		vmcs_write16(GUEST_INTR_STATUS, (uint16_t)status);
}

/* The FPU area travels as the saving CPU laid it out: taken only where this
 * CPU lays it out alike (same XSAVE size and kind) and has every component
 * the guest had in XCR0; else the vCPU keeps its reset state, said once. */
static void restore_fpu(struct vcpu *v, const struct snap_section_view *s)
{
	uint64_t meta[8];
	uint32_t len;
	const uint8_t *area = snap_find_record(s, SNAP_KEY_XSAVE, &len);

	if (!area || !record(s, SNAP_KEY_XCR0, meta, sizeof(meta)))
		return;
	if (meta[6] != fpu_host.area_size || meta[7] != fpu_host.xsave || len != meta[6] ||
	    (meta[0] & ~fpu_host.xcr0_max)) {
		kprintf("[hv] vm%u vcpu%u: the saved FPU state (XCR0 %#lx, %lu-byte %s area) does not "
			"fit this CPU (XCR0 up to %#lx, %u-byte area): reset state instead\n",
			v->vm->id, v->id, meta[0], meta[6], meta[7] ? "XSAVE" : "FXSAVE",
			fpu_host.xcr0_max, fpu_host.area_size);
		return;
	}
	memcpy(v->fpu_area, area, len);
	v->xcr0 = meta[0];
	memcpy(v->dr, &meta[1], sizeof(v->dr));
	v->dr_init = dr_at_init(v->dr);
	v->fpu_cpu = -1;
}

void snap_restore_vcpu(struct vcpu *v, const uint8_t *data, uint64_t len)
{
	struct snap_image img;
	struct snap_section_view s;
	uint64_t off = 0, ev[8] = { 0 }, tsc[2] = { 0 };
	bool found = false;

	data += restore_opts[v->vm->id].off;
	len = restore_opts[v->vm->id].len;
	if (snap_open(&img, data, len, NULL, 0) != 0)
		return;
	while (!found && snap_next_section(&img, &off, &s))
		found = s.type == SNAP_SEC_VCPU && s.index == v->id;
	if (!found)
		return;
	record(&s, SNAP_KEY_EVENTS, ev, sizeof(ev));
	if (!(ev[0] & SF_WAIT_SIPI)) {
		for (size_t i = 0; i < NFIELDS; i++) {
			uint64_t val;
			if (!record(&s, saved_fields[i], &val, 8))
				continue;
			if (saved_fields[i] == VM_ENTRY_CONTROLS)
				val = (vmcs_read32(VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE) |
				      (val & ENTRY_IA32E_MODE);
			__vmcs_write(saved_fields[i], val, __func__);
		}
		record(&s, SNAP_KEY_GPRS, v->regs.by_index, NUM_GPRS * 8);
		record(&s, SNAP_KEY_CR2, &v->regs.cr2, 8);
		v->start_runnable = true;
	}
	record(&s, SNAP_KEY_MSRS, v->msrs, sizeof(v->msrs));
	record(&s, SNAP_KEY_OPTIONAL | SNAP_KEY_COUNTERS, &v->counters, sizeof(v->counters));
	restore_fpu(v, &s);
	restore_apic(v, &s);
	v->halted = ev[0] & SF_HALTED;
	v->parked = ev[0] & SF_PARKED;
	v->pending_sipi = ev[0] & SF_PENDING_SIPI;
	__atomic_or_fetch(&v->ev_pending, (uint32_t)ev[1] & (EV_NMI | EV_IRR), __ATOMIC_SEQ_CST);
	v->reinject_info = (uint32_t)ev[2];
	v->reinject_error = (uint32_t)ev[3];
	v->reinject_len = (uint32_t)ev[4];
	v->hlt_len = (uint8_t)ev[5];
	v->sipi_vector = (uint8_t)ev[6];
	v->parked_rip = ev[7];
	if (v->reinject_info || v->ev_pending)
		v->entry_work = true;
	/* The guest's TSC: the value it was saved with, at the instant this VM
	 * was created (every vCPU alike: one timeline), plus the downtime. */
	if (record(&s, SNAP_KEY_GUEST_TSC, tsc, sizeof(tsc)) && !restore_opts[v->vm->id].ignore_tsc) {
		tsc_write_tsc(&v->clock.tsc, tsc[0] + restore_opts[v->vm->id].add_ticks,
			      v->vm->tsc_base_ref);
		v->clock.tsc.adjust = tsc[1];
	}
	/* Its armed timer on this host's timelines: a halted vCPU is woken for
	 * it (the scheduler reads timer_wake before the vCPU ever runs here). */
	struct lapic *l = lapic_of(v);
	spin_lock(&l->lock);
	lapic_timer_rederive(v, l);
	spin_unlock(&l->lock);
}
