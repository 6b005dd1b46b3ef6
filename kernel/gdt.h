/*
 * kernel/gdt.h - the hypervisor's GDT (shared) and one TSS per pCPU slot.
 *
 * Context: kernel. The VMCS host-state area needs a non-null TR on every pCPU
 * (SDM Vol. 3C, "Checks on Host Segment and Descriptor-Table Registers"), and a
 * busy TSS cannot be loaded twice, so every pCPU gets its own TSS descriptor.
 */
#ifndef CV_GDT_H
#define CV_GDT_H

#include "lib/types.h"
#include "kernel/percpu.h"

#define GDT_KERNEL_CS   0x08
#define GDT_KERNEL_DS   0x10
#define GDT_TSS(cpu)    (0x18 + 16 * (cpu))   /* 16-byte system descriptors */

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];          /* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} PACKED;

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} PACKED;

/* Load the GDT, reload the segment registers and load this CPU's TSS. */
void gdt_load_for_cpu(uint32_t cpu);
extern struct tss64 tss[MAX_CPUS];

/* pCPU cpu's TSS (inline: a move writes it as host state, vmx/vmcs_setup.h) */
static inline struct tss64 *tss_of(uint32_t cpu)
{
	return &tss[cpu];
}
uint64_t gdt_base(void);

#endif
