/*
 * guest/lib/irq.c - dispatch of interrupt vectors 32-255 and NMI to the
 * handlers guests register (the contract is in irq.h).
 *
 * Context: guest, 64-bit mode, any CPU; irq_handler runs in interrupt
 * context (IF = 0) from guest/lib/isr.asm. The handler table is written
 * before interrupts that use it are enabled, so plain loads suffice.
 * 8259 programming: Intel 8259A datasheet, "Programming the 8259A"
 * (ICW1-ICW4, then OCW1 = mask).
 */
#include <stddef.h>
#include <stdint.h>

#include "guest/lib/apic.h"
#include "guest/lib/cpu.h"
#include "guest/lib/hyper.h"
#include "guest/lib/irq.h"
#include "guest/lib/trap.h"
#include "guest/lib/x86.h"

#define PIC1_CMD           0x20
#define PIC1_DATA          0x21
#define PIC2_CMD           0xA0
#define PIC2_DATA          0xA1
#define PIC_ICW1_INIT_ICW4 0x11     /* edge triggered, cascade, ICW4 follows */
#define PIC_ICW3_MASTER    0x04     /* slave on IRQ 2 */
#define PIC_ICW3_SLAVE     0x02     /* its cascade identity */
#define PIC_ICW4_8086      0x01
#define PIC_MASK_ALL       0xFF
#define PIC_IRQS           8

static irq_handler_t handlers[IRQ_VECTORS];
static uint64_t counts[IRQ_VECTORS];
static uint64_t spurious, unexpected;
static unsigned last_unexpected;

void irq_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	if (on_chronovisor())
		return;         /* no 8259 there: the writes would only be dropped */
	outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + PIC_IRQS);
	outb(PIC1_DATA, PIC_ICW3_MASTER);
	outb(PIC2_DATA, PIC_ICW3_SLAVE);
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_DATA, PIC_ICW4_8086);
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
}

static void nmi_entry(struct trap_frame *f)
{
	__atomic_fetch_add(&counts[VEC_NMI], 1, __ATOMIC_RELAXED);
	this_cpu()->irq_depth++;
	handlers[VEC_NMI](f);
	this_cpu()->irq_depth--;
}

int irq_register(unsigned vector, irq_handler_t h)
{
	if (vector != VEC_NMI && (vector < IRQ_VECTOR_FIRST || vector >= IRQ_VECTORS))
		return -1;
	irq_init();
	__atomic_store_n(&handlers[vector], h, __ATOMIC_RELEASE);
	if (vector == VEC_NMI)
		trap_set_nmi_handler(h ? nmi_entry : NULL);
	return 0;
}

/* Called by guest/lib/isr.asm for vectors 32-255. */
void irq_handler(struct trap_frame *f);
void irq_handler(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	irq_handler_t h = __atomic_load_n(&handlers[v], __ATOMIC_ACQUIRE);

	__atomic_fetch_add(&counts[v], 1, __ATOMIC_RELAXED);
	if (h) {
		this_cpu()->irq_depth++;
		h(f);
		this_cpu()->irq_depth--;
		return;
	}
	if (v == APIC_SPURIOUS_VECTOR) {
		__atomic_fetch_add(&spurious, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&last_unexpected, v, __ATOMIC_RELAXED);
	__atomic_fetch_add(&unexpected, 1, __ATOMIC_RELAXED);
	if (v >= PIC_VECTOR_BASE + 2 * PIC_IRQS && apic_isr_test(v))
		apic_eoi();
}

uint64_t irq_count(unsigned vector)
{
	return vector < IRQ_VECTORS ? __atomic_load_n(&counts[vector], __ATOMIC_RELAXED) : 0;
}

uint64_t irq_spurious(void)
{
	return __atomic_load_n(&spurious, __ATOMIC_RELAXED);
}

uint64_t irq_unexpected(unsigned *last)
{
	if (last)
		*last = __atomic_load_n(&last_unexpected, __ATOMIC_RELAXED);
	return __atomic_load_n(&unexpected, __ATOMIC_RELAXED);
}

int irq_depth(void)
{
	return this_cpu()->irq_depth;
}
