/*
 * vmm/time/vtsc.h - each vCPU's virtual clock, and the tsc= policy that
 * programs TSC_OFFSET in its VMCS.
 *
 * Context: VMX root. The arithmetic is vmm/time/tsc_math.[ch]; this file
 * decides when it runs: at vCPU creation, when a vCPU is loaded on a pCPU,
 * and when the guest writes IA32_TSC or IA32_TSC_ADJUST. It knows nothing
 * of VMs: a vCPU owns one struct vclock, and every call gets that.
 */
#ifndef CV_VTSC_H
#define CV_VTSC_H

#include "lib/cmdline.h"
#include "lib/types.h"
#include "kernel/arch.h"
#include "vmm/time/tsc_math.h"
#include "vmx/vmcs.h"

/* How TSC_OFFSET is chosen when a vCPU is loaded on a pCPU (docs/tsc.md,
 * "The three policies"). Only these three exist: the enum is the policy,
 * and every switch over it names all three (no default). */
enum tsc_policy {
	TSC_POLICY_NONE,        /* off[v]: the naive scheme, the negative control */
	TSC_POLICY_KVM2633,     /* KVM 2.6.33's vmx_vcpu_load rule (the seed's bug) */
	TSC_POLICY_PERCPU,      /* off[v] - scale(skew[p]) plus the monotonic guard */
	NUM_TSC_POLICIES
};

/* "none", "kvm2633", "percpu", then NULL: the one list both the hypervisor's
 * tsc= and a guest's tsc= are parsed against (TSC_POLICY_OPTION). */
extern const char *const tsc_policy_names[NUM_TSC_POLICIES + 1];

/* The option-table entry for tsc=, shared by vmm/options.c and the guest
 * options in vmm/vm_create.c; help_text says whose default applies. */
#define TSC_POLICY_OPTION(help_text) \
	{ .key = "tsc", .type = OPT_ENUM, .choices = tsc_policy_names, .help = (help_text) }

/* The parsed choice (an index into tsc_policy_names) as a policy. */
enum tsc_policy tsc_policy_from_choice(uint32_t choice);

/* One vCPU's clock. */
struct vclock {
	struct vtsc tsc;              /* off[v], multiplier, TSC_ADJUST (tsc_math.h) */
	enum tsc_policy policy;
	bool scaled;                  /* tsc.mult is not TSC_MULT_ONE: TSC_MULTIPLIER is written */
	uint64_t khz_asked;           /* tsc_khz= (0: the host's rate) */
	uint64_t offset;              /* TSC_OFFSET last written to the VMCS */
	bool offset_valid;
	bool has_run;                 /* left a pCPU at least once */
	uint64_t last_guest_tsc;      /* guest TSC when it last left a pCPU (the guard's floor) */
	uint64_t last_host_tsc;       /* host TSC then (kvm2633's arch.host_tsc) */
	uint64_t corrections;         /* guard (percpu) or backwards fix (kvm2633) count */
	uint64_t correction_ticks;    /* and the ticks they added to off[v] */
	uint64_t max_clock_error;     /* largest |guest clock - ideal clock| of an offset in force
				       * (vtsc_note_error) */
	bool error_due;               /* offset written, its clock error not yet taken */
	/* HC_TSC_CHECK: the error of what the guest itself read (vtsc_guest_check) */
	uint64_t guest_checks;        /* samples taken */
	uint64_t guest_checks_dropped;/* refused: the vCPU left its pCPU between read and call */
	uint64_t max_guest_error;     /* largest |guest's read - ideal clock| of the samples */
};

/* The reference instant the hypervisor booted at (HC_CLOCK counts from it). */
extern uint64_t boot_ref_tsc;

/* A new vCPU's clock: it reads 0 at reference instant base_ref (the same
 * for every vCPU of a VM: one timeline per VM) and runs at mult
 * (TSC_MULT_ONE: the host's rate; khz_asked is what tsc_khz= said). */
void vtsc_init(struct vclock *c, enum tsc_policy policy, uint64_t base_ref, uint64_t mult,
	       uint64_t khz_asked);

/* "Now" as the policy knows it: the reference timeline for percpu; for none
 * and kvm2633, which know nothing of skew, this pCPU's raw TSC (as KVM's
 * guest_write_tsc used the local host_tsc). */
uint64_t vtsc_policy_ref(const struct vclock *c);

/* The clock's vCPU is being loaded on this pCPU: the TSC_OFFSET for this
 * pCPU by the policy, after the guard (its clock error is taken at the
 * put, off the load's path: vtsc_note_error). Needs no VMCS (the guard's RDTSC only makes it safer to run
 * early: the guest's clock only grows until its entry); vtsc_write, with
 * the VMCS current here, writes it. */
uint64_t vtsc_load(struct vclock *c);

/* One clock-error sample: what vtsc_note_error needs of the offset in
 * force on this pCPU, taken where the vCPU still is (at its put, before
 * another pCPU may load it and change its clock; or by HC_COUNTERS). */
struct vtsc_sample {
	bool due;                     /* a new offset since the last sample */
	uint64_t offset;              /* the TSC_OFFSET in force */
	uint64_t ideal_off;           /* off[v] as the guest set it: off - correction_ticks */
};

static inline void vtsc_sample_take(const struct vclock *c, struct vtsc_sample *s)
{
	s->ideal_off = c->tsc.off - c->correction_ticks;
}

/* The rest of the sample: may be taken later than vtsc_sample_take, as
 * long as it is before the vCPU's next vtsc_write (a handover's new pCPU
 * changes off and correction_ticks from HANDOVER_LEFT on, the offset only
 * once the VMCS is free: vmm/run.c). */
static inline void vtsc_sample_take_late(struct vclock *c, struct vtsc_sample *s)
{
	s->due = c->error_due;
	s->offset = c->offset;
	c->error_due = false;
}

/* The clock-error statistic (max_clock_error) of sample s, taken on pCPU
 * cpu: nothing unless the offset was new. Safe while another pCPU takes
 * the vCPU's next sample (max_clock_error is raised atomically), so a
 * handover adds it up after the new pCPU may have started. */
void vtsc_note_error(struct vclock *c, const struct vtsc_sample *s, uint32_t cpu);

/* TSC_OFFSET = offset in the current VMCS, and remembered as written. */
static inline void vtsc_set_offset(struct vclock *c, uint64_t offset)
{
	vmcs_write64(TSC_OFFSET, offset);
	c->offset = offset;
	c->offset_valid = true;
	c->error_due = true;          /* its clock error: at the next sample */
}

/* The vCPU's VMCS was just made current here: write TSC_MULTIPLIER (when
 * not 1) and offset, vtsc_load's. Inline: every move. */
static inline void vtsc_write(struct vclock *c, uint64_t offset)
{
	if (c->scaled)
		vmcs_write64(TSC_MULTIPLIER, c->tsc.mult);
	vtsc_set_offset(c, offset);
}

/* The vCPU leaves this pCPU: remember the host and guest TSC now (the
 * kvm2633 rule and the percpu guard compare against them). Inline: every
 * slice end and move. */
static inline void vtsc_put(struct vclock *c)
{
	c->last_host_tsc = rdtsc();
	c->last_guest_tsc = tsc_scale(c->last_host_tsc, c->tsc.mult) + c->offset;
	c->has_run = true;
}

/* c->tsc changed while its vCPU is loaded here (guest WRMSR): rewrite
 * TSC_OFFSET. */
void vtsc_offset_changed(struct vclock *c);

/* HC_TSC_CHECK on this pCPU: guest_read is what the guest's RDTSC returned
 * just before the VMCALL, host_tsc this pCPU's TSC at that exit. Returns
 * guest_read minus the ideal clock there (tsc_guest_error: true reference =
 * host_tsc - the injected skew of this pCPU; off[v] as the guest set it),
 * and keeps the largest |error| and the count. */
int64_t vtsc_guest_check(struct vclock *c, uint64_t guest_read, uint64_t host_tsc);

/* What RDTSC in the guest would return now (the vCPU loaded here). */
uint64_t vtsc_guest_now(const struct vclock *c);

/*
 * The guest's TSC as timers see it, and a deadline D on it (IA32_TSC_DEADLINE,
 * an APIC timer expiry) as an instant (tsc_math.h: tsc_deadline_to_host,
 * rounded up). Each policy uses its own view of the guest's clock:
 *   percpu   the truth: vtsc_timer_now is what RDTSC returns on this pCPU,
 *            and the instant on this pCPU comes from the TSC_OFFSET written
 *            here, so a timer is never early by the guest's own RDTSC;
 *   none,    skew-blind: they believe the guest reads scale(ref) + off[v]
 *   kvm2633  (the offset they program, taken as if every pCPU's TSC were
 *            the reference); the instant on ref is carried to this pCPU
 *            correctly, so the guest, which really reads the pCPU's own
 *            TSC plus that offset, sees its timers early or late by the
 *            pCPU's skew: what those policies do to timers.
 *   vtsc_timer_now      the guest TSC now, by the policy's view
 *   vtsc_deadline_host  D as this pCPU's TSC (the vCPU loaded here)
 *   vtsc_deadline_ref   D on the reference timeline (for the scheduler)
 * UINT64_MAX: never.
 */
uint64_t vtsc_timer_now(const struct vclock *c);
uint64_t vtsc_deadline_host(const struct vclock *c, uint64_t deadline);
uint64_t vtsc_deadline_ref(const struct vclock *c, uint64_t deadline);

/* The guest's TSC frequency in kHz (host rate scaled by its multiplier). */
uint64_t vtsc_guest_khz(const struct vclock *c);

#endif
