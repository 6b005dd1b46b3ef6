/*
 * vmm/host_events.c - nmi_test= and the host-event report (vmm/host_events.h).
 *
 * Context: VMX root, interrupts off; host_events_test_step on pCPU 0 only.
 */
#include "vmm/host_events.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/host_apic.h"
#include "kernel/percpu.h"
#include "vmm/options.h"

static uint32_t nmis_sent, strays_sent, next_target;
static uint64_t next_send;

void host_events_test_step(uint32_t me, uint32_t ncpus)
{
	if (nmis_sent >= hv_opts.nmi_test && strays_sent >= hv_opts.nmi_test)
		return;
	uint64_t now = rdtsc();
	if (now < next_send)
		return;
	next_send = now + HOST_EVENTS_TEST_GAP;
	uint32_t target = next_target++ % ncpus;
	if (nmis_sent < hv_opts.nmi_test) {
		host_apic_send_nmi(percpu[target].apic_id);
		nmis_sent++;
	}
	/* A stray fixed interrupt goes only to another pCPU: on this one it
	 * would wait in the IRR (IF = 0) for an entry that may never come. */
	if (target != me && strays_sent < hv_opts.nmi_test) {
		host_apic_send_fixed(percpu[target].apic_id, HOST_STRAY_TEST_VECTOR);
		strays_sent++;
	}
}

void host_events_report(uint32_t ncpus)
{
	uint64_t root = 0, guest = 0, stray = 0;

	for (uint32_t c = 0; c < ncpus; c++) {
		root += __atomic_load_n(&percpu[c].nmis_root, __ATOMIC_RELAXED);
		guest += __atomic_load_n(&percpu[c].nmis_guest, __ATOMIC_RELAXED);
		stray += __atomic_load_n(&percpu[c].stray_irqs, __ATOMIC_RELAXED);
	}
	if (root || guest || hv_opts.nmi_test) {
		kprintf("[hv] host NMIs: %lu taken in VMX root, %lu during guest execution "
			"(counted, none injected into a guest); nmi_test= sent %u\n",
			root, guest, nmis_sent);
		for (uint32_t c = 0; c < ncpus; c++)
			kprintf("[hv]   pcpu %u: %lu in VMX root, %lu during guest execution\n", c,
				percpu[c].nmis_root, percpu[c].nmis_guest);
	}
	if (stray || hv_opts.nmi_test)
		kprintf("[hv] stray host interrupts: %lu acknowledged on exit and EOI'd; "
			"nmi_test= sent %u (vector %#x)\n", stray, strays_sent, HOST_STRAY_TEST_VECTOR);
}
