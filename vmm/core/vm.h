/*
 * vmm/core/vm.h - virtual machines and virtual CPUs.
 *
 * Context: VMX root (kernel). A VM is one guest module: its RAM (host frames,
 * reached by the guest only through this VM's EPT), its platform devices and
 * its vCPUs. A vCPU owns one VMCS; `loaded_on` records the pCPU on which that
 * VMCS is current, because Bochs models no per-CPU VMCS cache and so cannot
 * catch a VMPTRLD of a VMCS still current elsewhere (see docs/platform.md): we
 * assert it ourselves.
 */
#ifndef CV_VM_H
#define CV_VM_H

#include "lib/types.h"
#include "kernel/cpuset.h"
#include "vmm/core/hypercall_abi.h"
#include "vmm/core/report_once.h"
#include "lib/spinlock.h"
#include "vmm/time/vtsc.h"
#include "vmx/guest_regs.h"

#define MAX_VMS             16
#define MAX_VCPUS           4
#define VM_NAME_MAX         64
#define VM_CMDLINE_MAX      1024
#define VM_DEFAULT_RAM      (64 * MiB)
#define UART_LINE_MAX       256
#define VM_REPORT_MAX       320

/* flaw= on a guest's command line: one deliberate defect in the hypervisor's
 * treatment of that VM alone, so that a test's negative control can show
 * its check catches it (docs/interrupts.md, "Negative controls: flaw="). */
enum vm_flaw {
	FLAW_NONE,
	FLAW_DROP_VECTORING,          /* an event whose delivery an exit interrupted is dropped */
	FLAW_NMI_NO_WAKE,             /* an NMI does not wake a vCPU halted with IF = 0 */
	FLAW_DIVIDE,                  /* the APIC timer counts at divide 1 whatever TDCR says */
	FLAW_STALE_SWAPGS,            /* KERNEL_GS_BASE is not read back when the vCPU leaves */
	FLAW_HANDOVER_NO_WAIT,        /* a pCPU handed the vCPU loads it without waiting for the
				       * old pCPU's VMCLEAR (vmm/run.c:vcpu_load) */
	FLAW_HANDOVER_EARLY_REGS,     /* ... or for the old pCPU's saves (CR2, FPU, DRs, KGS) */
	NUM_FLAWS
};

enum vm_state {
	VM_CREATED,
	VM_RUNNING,
	VM_ENDED,
};

/* How a VM ended; only VM_END_DEBUG_EXIT with status 1 is a PASS. */
enum vm_end_kind {
	VM_END_DEBUG_EXIT,      /* isa-debug-exit at 0xF4: status (v << 1) | 1 */
	VM_END_SHUTDOWN,        /* "Shutdown" on port 0x8900 or ACPI soft-off */
	VM_END_TRIPLE_FAULT,
	VM_END_BAD_ACCESS,      /* EPT violation outside the guest's RAM */
	VM_END_HOSTILE,         /* a VMX instruction or another forbidden act */
	VM_END_HALTED,          /* HLT with no way to wake up */
	VM_END_ENTRY_FAILED,    /* VMfailInvalid, VMfailValid, or exit 33/34/41 */
	VM_END_UNHANDLED_EXIT,
	VM_END_WATCHDOG,        /* ran past its tick budget */
	VM_END_LOAD_FAILED,     /* refused before it ever ran */
};

/* Scheduling state of a vCPU (changed under the scheduler's lock). */
enum vcpu_state {
	VCPU_WAIT_SIPI,               /* an AP before its SIPI: off every run queue */
	VCPU_RUNNABLE,                /* may be picked (once wake_ref has passed) */
	VCPU_RUNNING,                 /* some pCPU runs it, or it waits in an idle pCPU's
				       * handoff slot (vmm/sched.c:give_back) */
	VCPU_STOPPED,                 /* its VM ended */
};

/*
 * A vCPU handed straight to an idle pCPU before it was put away (vmm/sched.c:
 * handoff_early) is loaded there while its old pCPU still puts it away. The
 * value counts the old pCPU's steps still to come, each published with a
 * release store, in the order the new pCPU needs them: LEFT once its clock
 * and last pCPU are recorded (vcpu_leaving), SAVED once CR2, the FPU/XSAVE
 * state, DR0-DR3/DR6 and KERNEL_GS_BASE are saved, VMCS_FREE once it is
 * VMCLEARed, DONE once load_plain is set; the old pCPU's exit path then
 * ends without reading the vCPU again (vmm/run.c:vcpu_clear_handed). The
 * new pCPU waits for each just before it needs it (vmm/run.c:vcpu_load).
 * Every other vCPU is DONE (0) whenever it is not on a pCPU.
 */
enum vcpu_handover {
	HANDOVER_DONE = 0,            /* put away: the old pCPU reads and writes nothing more of it */
	HANDOVER_VMCS_FREE = 1,       /* VMCLEARed there; load_plain not yet set */
	HANDOVER_SAVED = 2,           /* its registers saved; still current on the old pCPU */
	HANDOVER_LEFT = 3,            /* its clock, exit instant and last pCPU recorded */
	HANDOVER_STARTED = 4,         /* in an idle pCPU's slot, still current on the old one */
};

#define VM_FEATURE_WORDS    2     /* 128 features at most */
#define VCPU_MCE_BANKS      2     /* machine-check banks shown with MCA (IA32_MCG_CAP[7:0]) */
/* The guest-owned MSRs that VMX does not switch and the host never uses:
 * they stay in the pCPU while the vCPU runs there and travel with it
 * (vmm/run.c). The guest reads them without an exit; its writes exit
 * (vmm/dev/msr_emul.c), so vcpu.msrs always holds their values and a pCPU
 * that still holds them needs neither a save nor a load. */
enum travelling_msr {
	TMSR_KERNEL_GS_BASE, TMSR_STAR, TMSR_LSTAR, TMSR_CSTAR, TMSR_FMASK,
	TMSR_TSC_AUX,                 /* last: loaded only with "enable RDTSCP" */
	NUM_TRAVELLING_MSRS
};

struct vcpu {
	struct guest_regs regs;       /* offset 0: vmx_run() takes &regs, vmx_exit_hook() casts it back */
	struct vm *vm;
	uint32_t id;
	void *vmcs;                   /* 4 KiB VMCS region */
	int32_t loaded_on;            /* pCPU where the VMCS is active; -1 when clear */
	int32_t host_state_cpu;       /* pCPU whose host state the VMCS holds; -1: none yet */
	uint16_t vpid;                /* tags its TLB entries (VPID on) */
	bool launched;                /* VMLAUNCH done since the last VMCLEAR */
	uint32_t handover;            /* enum vcpu_handover: how far the pCPU that handed it
				       * over has got with putting it away (vmm/run.c) */
	bool load_plain;              /* set by that pCPU before DONE: the new one's load has
				       * no APIC timer to move, no break to apply, no entry check
				       * due, no event to deliver again, no window exit or TPR
				       * threshold (vmm/run.c:vcpu_clear_handed) */
	struct cpuset entry_checked;  /* pCPUs where the entry checker passed this state */

	/* scheduling (vmm/sched.c) */
	enum vcpu_state state;
	int32_t next_pcpu;            /* where it must run next; -1: anywhere */
	int32_t last_pcpu;            /* where it ran last; -1: nowhere yet */
	uint64_t leave_tsc;           /* this pCPU's TSC at which it must leave (slice, watchdog);
				       * 0: at the next exit (sleep, its VM ended, every-exit) */
	uint64_t wake_ref;            /* asleep until this reference TSC */
	bool sleeping;                /* set by an exit handler: leave the pCPU now */
	bool halted;                  /* HLT with IF = 1: off every pCPU until an interrupt it
					 can take, its timer, an NMI or INIT (RIP stays at the HLT) */
	bool parked;                  /* HLT with IF = 0: only an NMI or INIT wakes it */
	uint8_t hlt_len;              /* the HLT's length, to step over it at wake-up */
	uint64_t parked_rip;
	bool pending_sipi;            /* a SIPI came while it waited: start in real mode */
	uint8_t sipi_vector;
	bool to_wait_sipi;            /* an INIT was taken: back to wait-for-SIPI (vmm/sched.c) */
	bool break_applied;
	uint64_t put_ref;             /* reference TSC of the exit that made it leave a pCPU */
	uint64_t resume_rip;          /* guest RIP its current slice began at (vmm/run.c);
				       * 0 once HC_TSC_CHECK looked at it (vmm/dev/hypercall.c) */
	uint64_t msrs[NUM_TRAVELLING_MSRS];   /* enum travelling_msr */
	struct cpuset msrs_held;      /* pCPUs whose MSRs hold msrs[] (vmm/run.c) */

	/* migrations, for the report */
	uint64_t migrations;
	uint64_t migration_ticks_sum, migration_ticks_max;
	uint64_t moved_in_tsc;        /* this pCPU's TSC at the load that moved it here, its
				       * time off-CPU not yet added up (vmm/run.c); 0: none */

	/* the current exit, read once by the dispatcher (the qualification
	 * only by the handlers that use it: vcpu_exit_qualification) */
	uint32_t exit_reason;
	uint64_t exit_qualification;  /* read by the handlers that need it (vcpu_exit_qualification) */
	uint64_t rip;

	/*
	 * Events (vmm/inject.c; SDM Vol. 3C, "Event Injection"). ev_pending is
	 * set from any pCPU with atomics (vcpu_post_event); the rest belongs
	 * to the pCPU that has the vCPU loaded.
	 */
	union {
		struct {
			uint32_t ev_pending;  /* EV_* */
			bool entry_work;      /* vmm/inject.c has something to look at before the
					       * next entry (set by whatever arms a timer, queues
					       * an event, opens a window; recomputed there) */
			uint8_t work_zero[3]; /* always 0: the two above fill any_work */
		};
		/* ev_pending and entry_work in one word, which the exit path
		 * tests with one load (vmm/exit.c: every exit). */
		uint64_t any_work;
	} __attribute__((aligned(8)));
	uint32_t reinject_info;       /* IDT-vectoring information of the last exit, to deliver again */
	uint32_t reinject_error;
	uint32_t reinject_len;
	bool reinject_deferred;       /* it waits for its window behind an exception (vmm/inject.c) */
	bool event_injected;          /* an exit handler filled the entry interruption field */
	uint32_t proc_ctls;           /* CPU_BASED_VM_EXEC_CONTROL as last written (window bits) */
	uint32_t tpr_threshold;       /* TPR_THRESHOLD as last written (TPR shadow) */
	uint8_t *vapic_page;          /* the virtual-APIC page (TPR shadow), NULL without */
	bool vid;                     /* apicv=on: APIC-register virtualization and virtual-interrupt
				       * delivery; the page holds the APIC's registers (vmm/dev/lapic.c) */
	/* the APIC timer, as instants of this pCPU's TSC and of the policy's clock */
	uint64_t timer_host;          /* host TSC here when the timer needs service; UINT64_MAX: none */
	uint64_t timer_wake;          /* the same in vtsc_policy_ref() units, for a halted vCPU */
	uint64_t slice_end;           /* host TSC here at which the slice ends */
	bool ptimer_short;            /* the preemption-timer field holds less than a slice */
	uint64_t injected_irqs, injected_nmis, reinjected, window_exits;
	/* exits answered by vmm/exits_core.c, for the report */
	uint64_t reflected_ac, reflected_db;  /* #AC / #DB intercepted and given back */
	uint64_t cache_flushes;               /* INVD / WBINVD, answered as a NOP */
	uint64_t rdpmc_refused, cr_refused;   /* #GP for RDPMC, for a MOV to CR0/CR4 */
	uint64_t deferred_reinject;           /* interrupted events that waited for a window */
	uint64_t single_steps;                /* #DB after an emulated instruction with RFLAGS.TF */
	uint64_t vmx_refused;                 /* VMX/GETSEC/VMFUNC answered with #UD */

	/* Its x87/SSE/AVX/AVX-512/PKRU registers, XCR0 and DR0-DR3/DR6 while it
	 * is off every pCPU (vmm/core/guest_fpu.c); DR7 and IA32_DEBUGCTL are
	 * in the VMCS (load/save debug controls). */
	void *fpu_area;               /* kernel/fpu.h: XSAVE (or FXSAVE) area, 4 KiB page */
	uint64_t xcr0;                /* the guest's XCR0 (handle_xsetbv) */
	uint64_t dr[5];               /* DR0-DR3, DR6 */
	bool dr_init;                 /* dr[] is DR0-DR3 = 0, DR6 = DR6_INIT (dr_at_init) */
	int32_t fpu_cpu;              /* pCPU where its registers were last loaded; -1 none */

	/* feature MSRs (vmm/dev/msr_emul.c) */
	uint64_t misc_enable;         /* IA32_MISC_ENABLE */
	uint64_t mcg_status;          /* IA32_MCG_STATUS */
	uint64_t mc_ctl[VCPU_MCE_BANKS];   /* IA32_MCi_CTL */
	uint64_t dropped_vectoring;   /* flaw=drop-vectoring: events lost on purpose */
	uint64_t vectoring_fixed;     /* Bochs' vector 0 for an interrupted virtual interrupt,
				       * replaced by SVI (vmm/inject.c) */

	struct vclock clock;          /* its virtual TSC and the tsc= policy's work (vmm/time/vtsc.h) */
	struct hc_counters counters;  /* HC_COUNTERS returns these */
	uint64_t watchdog_deadline;   /* host TSC after which the VM is ended */
	bool snap_captured;           /* its state is in the save being made (vmm/snap.c) */
	bool start_runnable;          /* a restored AP that had started: runnable at once */
};

/* vcpu.ev_pending */
#define EV_IRR      BIT(0)        /* its APIC's IRR has a bit set (a hint: the APIC decides) */
#define EV_NMI      BIT(1)        /* an NMI is pending (one is latched, as on hardware) */
#define EV_INIT     BIT(2)        /* an INIT arrived: reset, then wait for a SIPI */
#define EV_SNAP     BIT(3)        /* its VM is being saved: stop at a boundary (vmm/snap.c) */

#define UART_RX_MAX         64    /* bytes a guest's COM1 holds before it reads them */
struct uart_state {
	char line[UART_LINE_MAX];
	uint32_t len;
	uint8_t lcr, ier, mcr, scratch, dll, dlm;
	bool thre_pending;            /* the "transmitter empty" interrupt is pending (16450 IIR) */
	/* received, not read yet (COM1 of the console_in= VM: vmm/dev/io.c) */
	uint8_t rx[UART_RX_MAX];
	uint32_t rx_head, rx_len;
};

struct vm {
	uint32_t id;
	char name[VM_NAME_MAX];
	char cmdline[VM_CMDLINE_MAX];
	enum vm_state state;
	bool counted_done;            /* the scheduler saw it end (vmm/sched.c) */

	uint8_t *ram;                 /* host mapping of guest-physical [0, ram_size) */
	uint64_t ram_size;
	uint64_t tsc_khz;             /* tsc_khz=: the guest's TSC rate (0: the host's) */
	uint64_t tsc_base_ref;        /* reference TSC at creation: every vCPU's TSC reads 0 there */
	enum tsc_policy tsc_policy;   /* tsc= on its command line, else the hypervisor's */
	enum vm_flaw flaw;            /* flaw= on its command line (a negative control) */
	uint64_t watchdog_ref;        /* reference TSC after which it is ended (UINT64_MAX: never) */
	uint64_t sleep_max;           /* longest HC_SLEEP in guest ticks (sleep_max=; 0: no cap) */

	uint64_t *ept_pml4;
	uint64_t eptp;
	uint8_t *io_bitmap;           /* 8 KiB: A (ports 0-0x7FFF) then B */
	uint8_t *msr_bitmap;          /* 4 KiB */
	uint8_t *apic_access_page;    /* apicv=on: what the EPT maps at the xAPIC page; NULL without */
	bool evicted;                 /* HC_EPT_EVICT: evicted_gpa is out of the EPT (under lock) */
	uint64_t evicted_gpa;
	uint64_t evictions, evict_faults;

	/* Guards the emulated devices and counters below against the VM's
	 * own vCPUs running on several pCPUs at once: a hostile SMP guest
	 * must not be able to race a line buffer past its end. */
	struct spinlock lock;
	struct spinlock end_lock;     /* vm_end() only (it may run under lock) */
	struct uart_state com1, debugcon;
	uint64_t console_in_bytes;    /* bytes of console input its COM1 received (console_in=) */
	uint16_t fw_cfg_key;
	uint32_t fw_cfg_offset;
	uint8_t cmos_index;           /* port 0x70: the CMOS register 0x71 reads */
	uint64_t pat;
	uint64_t features[VM_FEATURE_WORDS];  /* shown to it: bit per enum feature_id (vmm/dev/features.c) */
	uint32_t shutdown_match;      /* bytes of "Shutdown" seen so far on 0x8900 */

	/* unknown ports and MSRs: counted, each reported at most once, with a
	 * bounded number of lines (vmm/core/report_once.h) */
	uint64_t unhandled_io, unhandled_msr;
	struct report_once reported;

	/* its console output (vmm/dev/io.c): bytes forwarded, bytes dropped
	 * past its budget out_max (0: no budget) or for a full console ring */
	uint64_t out_max, out_bytes, out_dropped;
	bool out_over;                /* the budget ran out: every later line is dropped */

	/* what the guest reported through HC_REPORT */
	uint32_t reports_pass, reports_fail, reports_skip;

	enum vm_end_kind end_kind;
	uint32_t exit_status;         /* VM_END_DEBUG_EXIT: QEMU's (v << 1) | 1 */
	char end_reason[VM_REPORT_MAX];

	uint8_t snap_state;           /* vmm/snap.c: SNAP_* */
	uint32_t snap_ncaptured;      /* vCPUs captured in the save being made */
	bool restored;                /* created from a saved image (vmm/snap.c) */

	uint32_t nvcpus;              /* created */
	uint32_t nvcpus_wanted;       /* vcpus= */
	uint32_t alloc_fail;          /* alloc_fail=: test aid, vmm/vm_create.c */
	struct vcpu vcpus[MAX_VCPUS];
};

_Static_assert(__builtin_offsetof(struct vcpu, regs) == 0, "vmx_exit_hook casts regs to its vcpu");

extern struct vm vms[MAX_VMS];
extern uint32_t nvms;

/* End vm with kind and a reason line; the run loop stops at the next check. */
void vm_end(struct vm *vm, enum vm_end_kind kind, const char *fmt, ...) PRINTF_LIKE(3, 4);
bool vm_passed(const struct vm *vm);
/* Ended through isa-debug-exit with VM_EXIT_SKIP (77, the "skipped" code of
 * automake and kvm-unit-tests): the guest decided it cannot run here. It
 * neither passes nor fails the run. */
#define VM_EXIT_SKIP 77u
bool vm_skipped(const struct vm *vm);

/* Translate a guest-physical range to a host pointer; NULL if any byte lies
 * outside the guest's RAM. */
void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

#endif
