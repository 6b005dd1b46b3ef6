/*
 * vmm/dev/lapic.c - the guest's xAPIC page: register emulation per vCPU.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current; called by
 * handle_ept_violation (vmm/exits_core.c) for every EPT violation, because
 * the xAPIC page (IA32_APIC_BASE, normally 0xFEE00000) is never mapped in the
 * guest's EPT.
 *
 * The instruction behind the access is fetched, decoded and completed by
 * vmm/dev/mmio.c; this file sees only the offset, the size and the value.
 *
 * Registers (SDM Vol. 3A, "Local APIC Register Address Map"): each 32-bit
 * register sits at a 16-byte aligned offset. ID, version, TPR/APR/PPR, EOI,
 * LDR/DFR, SVR, ISR/TMR/IRR (always 0: no virtual interrupt is ever pending
 * or in service yet), ESR, the ICR pair, the LVT entries, the timer's
 * initial/current count and divide configuration. The timer does not run
 * yet: its current count reads 0. INIT and STARTUP IPIs between the VM's
 * own vCPUs start its APs (vmm/sched.c); other IPIs are absorbed and
 * counted (virtual interrupts are not delivered yet). No IPI ever reaches
 * a physical CPU.
 *
 * Choices where hardware is undefined or absent, made so that a guest bug
 * is visible rather than silently mis-emulated:
 *   - reads of any size or alignment return the bytes of the containing
 *     registers (bytes 4-15 of each 16-byte slot read 0);
 *   - writes must be aligned 32-bit stores (SDM Vol. 3A, "Local APIC
 *     Register Address Map": "accessed using 128-bit aligned 32-bit loads or
 *     stores"); any other write ends the VM with the offset and size; an
 *     aligned 32-bit store into the reserved bytes 4-15 of a slot is dropped;
 *   - unknown offsets read 0 and drop writes;
 *   - an instruction fetch from the page ends the VM;
 *   - with the APIC globally disabled (IA32_APIC_BASE bit 11 clear) the page
 *     is a hole, as the processor then behaves as one without a local APIC
 *     (SDM Vol. 3A, "Enabling or Disabling the Local APIC"): reads give
 *     all-ones, writes are dropped.
 */
#include "vmm/dev/lapic.h"
#include "lib/x86.h"
#include "vmm/core/vcpu.h"
#include "kernel/console.h"
#include "vmm/dev/mmio.h"

/* Register offsets in the xAPIC page. */
enum lapic_reg {
	APIC_ID            = 0x020,
	APIC_VERSION       = 0x030,
	APIC_TPR           = 0x080,
	APIC_APR           = 0x090,
	APIC_PPR           = 0x0A0,
	APIC_EOI           = 0x0B0,
	APIC_LDR           = 0x0D0,
	APIC_DFR           = 0x0E0,
	APIC_SVR           = 0x0F0,
	APIC_ISR_FIRST     = 0x100,     /* ISR, TMR, IRR: 0x100-0x270 */
	APIC_IRR_LAST      = 0x270,
	APIC_ESR           = 0x280,
	APIC_LVT_CMCI      = 0x2F0,
	APIC_ICR_LOW       = 0x300,
	APIC_ICR_HIGH      = 0x310,
	APIC_LVT_TIMER     = 0x320,     /* timer, thermal, perf, LINT0, LINT1, error */
	APIC_LVT_THERMAL   = 0x330,
	APIC_LVT_PERF      = 0x340,
	APIC_LVT_LINT0     = 0x350,
	APIC_LVT_LINT1     = 0x360,
	APIC_LVT_ERROR     = 0x370,
	APIC_TIMER_INITIAL = 0x380,
	APIC_TIMER_CURRENT = 0x390,
	APIC_TIMER_DIVIDE  = 0x3E0,
};

#define APIC_REG_SLOT           16u     /* one register per 16 bytes */
#define APIC_REG_BYTES          4u
#define APIC_ID_SHIFT           24
/* Version 0x14 (integrated xAPIC), max LVT entry 5 (six entries, bits
 * 23:16), no EOI-broadcast suppression (bit 24 clear). */
#define APIC_VERSION_VALUE      0x00050014u
#define APIC_TPR_MASK           0xFFu
#define APIC_LDR_MASK           0xFF000000u
#define APIC_DFR_MASK           0xF0000000u     /* model; bits 27:0 read as 1 */
#define APIC_DFR_RESET          0xFFFFFFFFu
#define XAPIC_DFR_FLAT_MODEL           0xF0000000u
/* SVR: vector 7:0, APIC software enable 8, focus check disable 9. Bit 12
 * (suppress EOI broadcast) is reserved because the version register does
 * not advertise it (SDM Vol. 3A, "Spurious-Interrupt Vector Register"). */
#define APIC_SVR_MASK           0x3FFu
#define APIC_SVR_RESET          0xFFu
#define APIC_SVR_ENABLE         BIT(8)
#define APIC_ICR_HIGH_MASK      0xFF000000u
/* ICR low: vector 7:0, delivery mode 10:8, destination mode 11, delivery
 * status 12 (read-only, always idle here), level 14, trigger 15, shorthand
 * 19:18 (SDM Vol. 3A, "Interrupt Command Register (ICR)"). */
#define APIC_ICR_LOW_MASK       0x000CCFFFu
#define ICR_DELIVERY_MODE(l)    (((l) >> 8) & 7)
#define ICR_DEST_LOGICAL        BIT(11)
#define ICR_LEVEL_ASSERT        BIT(14)
#define ICR_SHORTHAND(l)        (((l) >> 18) & 3)
#define ICR_DEST(h)             ((h) >> 24)
#define DELIVERY_INIT           5
#define DELIVERY_STARTUP        6
#define ICR_VECTOR(l)           ((uint8_t)((l) & 0xFF))
#define SHORTHAND_NONE          0
#define SHORTHAND_SELF          1
#define SHORTHAND_ALL           2
#define SHORTHAND_ALL_BUT_SELF  3
#define DEST_BROADCAST          0xFFu
/* LVT writable bits (SDM Vol. 3A, "Local Vector Table"): vector 7:0,
 * delivery mode 10:8, polarity 13, trigger 15, mask 16, timer mode 18:17;
 * delivery status 12 and remote IRR 14 are read-only (always 0 here). */
#define LVT_MASKED              BIT(16)
#define LVT_RESET               LVT_MASKED
#define LVT_TIMER_MASK          0x000700FFu
#define LVT_CMCI_MASK           0x000107FFu     /* also thermal, perf */
#define LVT_LINT_MASK           0x0001A7FFu
#define LVT_ERROR_MASK          0x000100FFu
#define TIMER_DIVIDE_MASK       0x0000000Bu     /* bits 3, 1:0 */

enum lvt_index { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI,
		 LVT_COUNT };

struct lapic {
	bool initialized;
	uint32_t tpr, ldr, dfr, svr, icr_low, icr_high;
	uint32_t lvt[LVT_COUNT];
	uint32_t timer_initial, timer_divide;
	uint64_t eoi_count;
};

/* What a VM's vCPUs asked for that is not delivered: counted, reported once. */
struct lapic_vm_stats {
	uint64_t ipi_absent;              /* INIT/SIPI that reach no present vCPU */
	uint64_t ipi_undelivered;         /* every other IPI */
	bool reported_absent, reported_undelivered, reported_timer;
};

/* struct vcpu belongs to vmm/core/vm.h; the APIC state lives here, by id. */
static struct lapic lapics[MAX_VMS][MAX_VCPUS];
static struct lapic_vm_stats vm_stats[MAX_VMS];

void lapic_reset(struct vcpu *v)
{
	struct lapic *l = &lapics[v->vm->id][v->id];

	/* Power-up and INIT state (SDM Vol. 3A, "Local APIC State After
	 * Power-Up or Reset"): everything 0 but DFR all ones, SVR 0xFF
	 * (software disabled) and every LVT entry masked. */
	*l = (struct lapic){ .initialized = true, .dfr = APIC_DFR_RESET, .svr = APIC_SVR_RESET };
	for (unsigned i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_RESET;
}

static struct lapic *lapic_of(struct vcpu *v)
{
	struct lapic *l = &lapics[v->vm->id][v->id];

	if (!l->initialized)
		lapic_reset(v);
	return l;
}

/* The LVT slot and writable mask of an offset, or -1 for a non-LVT offset. */
static int lvt_slot(unsigned off, uint32_t *mask)
{
	switch (off) {
	case APIC_LVT_TIMER:   *mask = LVT_TIMER_MASK; return LVT_TIMER;
	case APIC_LVT_THERMAL: *mask = LVT_CMCI_MASK;  return LVT_THERMAL;
	case APIC_LVT_PERF:    *mask = LVT_CMCI_MASK;  return LVT_PERF;
	case APIC_LVT_LINT0:   *mask = LVT_LINT_MASK;  return LVT_LINT0;
	case APIC_LVT_LINT1:   *mask = LVT_LINT_MASK;  return LVT_LINT1;
	case APIC_LVT_ERROR:   *mask = LVT_ERROR_MASK; return LVT_ERROR;
	case APIC_LVT_CMCI:    *mask = LVT_CMCI_MASK;  return LVT_CMCI;
	default:               return -1;
	}
}

static uint32_t reg_read(struct vcpu *v, const struct lapic *l, unsigned off)
{
	uint32_t mask;
	int lvt = lvt_slot(off, &mask);

	if (lvt >= 0)
		return l->lvt[lvt];
	switch (off) {
	case APIC_ID:           return v->id << APIC_ID_SHIFT;
	case APIC_VERSION:      return APIC_VERSION_VALUE;
	case APIC_TPR:          return l->tpr;
	/* Nothing is ever in service, so PPR = TPR (SDM Vol. 3A, "Processor
	 * Priority Register (PPR)"). */
	case APIC_PPR:          return l->tpr;
	case APIC_LDR:          return l->ldr;
	case APIC_DFR:          return l->dfr;
	case APIC_SVR:          return l->svr;
	case APIC_ICR_LOW:      return l->icr_low;      /* delivery status: idle */
	case APIC_ICR_HIGH:     return l->icr_high;
	case APIC_TIMER_INITIAL: return l->timer_initial;
	case APIC_TIMER_DIVIDE: return l->timer_divide;
	default:                return 0;       /* APR, ISR/TMR/IRR, ESR, current count, holes */
	}
}

/* Logical destination match (SDM Vol. 3A, "Logical Destination Mode"):
 * flat model, a bit of the 8-bit mask; cluster model, the cluster in bits
 * 7:4 and a member bit in 3:0. */
static bool logical_match(const struct lapic *l, uint32_t dest)
{
	uint32_t ldr = l->ldr >> APIC_ID_SHIFT;

	if (dest == DEST_BROADCAST)
		return true;
	if ((l->dfr & APIC_DFR_MASK) == XAPIC_DFR_FLAT_MODEL)
		return (ldr & dest) != 0;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xF) != 0;
}

/* Which of the VM's present vCPUs an ICR write addresses (SDM Vol. 3A,
 * "Determining IPI Destination"): a bit per vCPU id (= APIC ID). */
static uint32_t ipi_targets(struct vcpu *v, const struct lapic *l)
{
	struct vm *vm = v->vm;
	uint32_t dest = ICR_DEST(l->icr_high), all = (1u << vm->nvcpus) - 1, self = 1u << v->id;
	uint32_t targets = 0;

	switch (ICR_SHORTHAND(l->icr_low)) {
	case SHORTHAND_SELF:
		return self;
	case SHORTHAND_ALL:
		return all;
	case SHORTHAND_ALL_BUT_SELF:
		return all & ~self;
	default:
		break;
	}
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		const struct lapic *t = &lapics[vm->id][i];
		bool hit = (l->icr_low & ICR_DEST_LOGICAL)
				? t->initialized && logical_match(t, dest)
				: dest == DEST_BROADCAST || dest == i;
		if (hit)
			targets |= 1u << i;
	}
	return targets;
}

/* A write to ICR low sends the IPI. INIT/SIPI that reach no present vCPU
 * are absorbed as hardware would (nobody is there); INIT/SIPI to the VM's
 * own vCPUs go to the scheduler; everything else is counted and reported
 * once, so a guest that waits for an interrupt is explained in the log. */
static void send_ipi(struct vcpu *v, const struct lapic *l)
{
	struct lapic_vm_stats *st = &vm_stats[v->vm->id];
	unsigned mode = ICR_DELIVERY_MODE(l->icr_low);
	uint32_t targets = ipi_targets(v, l);

	if ((mode == DELIVERY_INIT || mode == DELIVERY_STARTUP) && !targets) {
		__atomic_fetch_add(&st->ipi_absent, 1, __ATOMIC_RELAXED);
		if (!__atomic_exchange_n(&st->reported_absent, true, __ATOMIC_RELAXED))
			kprintf("[hv] vm%u vcpu%u: %s IPI (ICR %#x:%08x) reaches no vCPU of the %u "
				"present: absorbed (counted, reported once)\n", v->vm->id, v->id,
				mode == DELIVERY_INIT ? "INIT" : "SIPI", l->icr_high, l->icr_low,
				v->vm->nvcpus);
		return;
	}
	/* INIT level de-assert only resynchronises arbitration IDs, which no
	 * processor since the Pentium 4 does (SDM Vol. 3A, "Interrupt Command
	 * Register (ICR)"): nothing to deliver. */
	if (mode == DELIVERY_INIT && !(l->icr_low & ICR_LEVEL_ASSERT))
		return;
	/* INIT and SIPI between the VM's own vCPUs start its APs: the target
	 * waits for its SIPI in software and starts in real mode at the
	 * vector's page (docs/platform.md: Bochs' wait-for-SIPI activity state is
	 * avoided). */
	if (mode == DELIVERY_INIT || mode == DELIVERY_STARTUP) {
		for (uint32_t i = 0; i < v->vm->nvcpus; i++) {
			if (!(targets & (1u << i)) || i == v->id)
				continue;
			if (mode == DELIVERY_INIT)
				vcpu_signal_init(&v->vm->vcpus[i]);
			else
				vcpu_signal_sipi(&v->vm->vcpus[i], ICR_VECTOR(l->icr_low));
		}
		return;
	}
	__atomic_fetch_add(&st->ipi_undelivered, 1, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&st->reported_undelivered, true, __ATOMIC_RELAXED))
		kprintf("[hv] vm%u vcpu%u: IPI (ICR %#x:%08x, vCPU mask %#x) absorbed: virtual "
			"interrupts are not delivered yet (counted, reported once)\n", v->vm->id,
			v->id, l->icr_high, l->icr_low, targets);
}

static void reg_write(struct vcpu *v, struct lapic *l, unsigned off, uint32_t val)
{
	uint32_t mask;
	int lvt = lvt_slot(off, &mask);

	if (lvt >= 0) {
		/* While software-disabled, LVT masks stay set (SDM Vol. 3A,
		 * "Local APIC State After It Has Been Software Disabled"). */
		l->lvt[lvt] = (val & mask) | (l->svr & APIC_SVR_ENABLE ? 0 : LVT_MASKED);
		return;
	}
	switch (off) {
	case APIC_TPR:
		l->tpr = val & APIC_TPR_MASK;
		break;
	case APIC_EOI:
		l->eoi_count++;
		break;
	case APIC_LDR:
		l->ldr = val & APIC_LDR_MASK;
		break;
	case APIC_DFR:
		l->dfr = (val & APIC_DFR_MASK) | ~APIC_DFR_MASK;
		break;
	case APIC_SVR:
		l->svr = val & APIC_SVR_MASK;
		if (!(l->svr & APIC_SVR_ENABLE))
			for (unsigned i = 0; i < LVT_COUNT; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case APIC_ICR_HIGH:
		l->icr_high = val & APIC_ICR_HIGH_MASK;
		break;
	case APIC_ICR_LOW:
		l->icr_low = val & APIC_ICR_LOW_MASK;
		send_ipi(v, l);
		break;
	case APIC_TIMER_INITIAL:
		l->timer_initial = val;
		if (val && !__atomic_exchange_n(&vm_stats[v->vm->id].reported_timer, true,
						__ATOMIC_RELAXED))
			kprintf("[hv] vm%u vcpu%u: APIC timer started (initial count %#x, LVT %#x) "
				"but not emulated yet: it never fires (reported once)\n", v->vm->id,
				v->id, val, l->lvt[LVT_TIMER]);
		break;
	case APIC_TIMER_DIVIDE:
		l->timer_divide = val & TIMER_DIVIDE_MASK;
		break;
	default:
		break;  /* ID (writes ignored), read-only registers, ESR (clears: always 0), holes */
	}
}

/* Bytes [off, off + size) of the page as the guest reads them. */
static uint64_t page_read(struct vcpu *v, const struct lapic *l, unsigned off, unsigned size)
{
	uint64_t val = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i, slot = o & ~(APIC_REG_SLOT - 1), byte = o % APIC_REG_SLOT;
		uint64_t b = byte < APIC_REG_BYTES ? (reg_read(v, l, slot) >> (8 * byte)) & 0xFF : 0;
		val |= b << (8 * i);
	}
	return val;
}

bool lapic_mmio_access(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;
	uint64_t page = vm->apic_base & APIC_BASE_ADDR_MASK;
	struct mmio_access a;

	if (gpa < page || gpa >= page + PAGE_SIZE)
		return false;
	if (!mmio_decode(v, gpa, "xAPIC", &a))
		return true;            /* the VM was ended, with the reason */

	unsigned off = gpa & (PAGE_SIZE - 1), size = a.insn.size;
	bool enabled = vm->apic_base & APIC_BASE_ENABLE;
	struct lapic *l = lapic_of(v);

	if (!a.insn.is_write) {
		mmio_complete_read(v, &a, enabled ? page_read(v, l, off, size) : mmio_size_mask(size));
		return true;
	}
	if (enabled && (size != APIC_REG_BYTES || off % APIC_REG_BYTES)) {
		vm_end(vm, VM_END_UNHANDLED_EXIT,
		       "%u-byte write of %#lx to xAPIC offset %#x at RIP %#lx: only aligned "
		       "32-bit stores are emulated", size, a.value, off, v->rip);
		return true;
	}
	if (enabled && off % APIC_REG_SLOT == 0)
		reg_write(v, l, off, (uint32_t)a.value);
	mmio_complete_write(v, &a);
	return true;
}

void lapic_vm_summary(struct vm *vm)
{
	const struct lapic_vm_stats *st = &vm_stats[vm->id];
	uint64_t eois = 0;

	for (uint32_t i = 0; i < vm->nvcpus; i++)
		eois += lapics[vm->id][i].eoi_count;
	if (eois || st->ipi_absent || st->ipi_undelivered)
		kprintf("[hv] vm%u: xAPIC: %lu EOI(s), %lu INIT/SIPI to absent vCPUs, %lu IPI(s) not "
			"delivered\n", vm->id, eois, st->ipi_absent, st->ipi_undelivered);
}
