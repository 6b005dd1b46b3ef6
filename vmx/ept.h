/*
 * vmx/ept.h - extended page tables: guest-physical to host-physical.
 *
 * Context: VMX root (kernel). 4-level tables; each leaf has the memory type
 * the host's MTRRs give its host-physical memory; 2 MiB pages wherever both
 * addresses are 2 MiB aligned and the MTRRs give the 2 MiB one type, 4 KiB
 * pages elsewhere.
 * SDM Vol. 3C, "EPT Translation Mechanism" and "EPT and Memory Typing".
 */
#ifndef CV_EPT_H
#define CV_EPT_H

#include "lib/types.h"

#define EPT_READ            BIT(0)
#define EPT_WRITE           BIT(1)
#define EPT_EXEC            BIT(2)
#define EPT_RWX             (EPT_READ | EPT_WRITE | EPT_EXEC)

/* A fresh, empty PML4 (one zeroed frame); NULL when no frame is free. */
uint64_t *ept_create(void);

/* Map [gpa, gpa + size) to [hpa, hpa + size) with the given EPT_* rights;
 * all three must be 4 KiB aligned. false when a table frame could not be
 * allocated: the part mapped so far stays, ept_destroy frees it. */
bool ept_map(uint64_t *pml4, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t rights);

/* The EPT pointer for VMCS field EPT_POINTER: WB, 4-level walk. */
uint64_t ept_pointer(const uint64_t *pml4);

/* Change the rights of the mapped 4 KiB page at gpa (a 2 MiB page holding
 * it is split first). Also at run time, from a vCPU of the VM: the caller
 * flushes the old translation (ept_flush_all) where it lowered rights.
 * false, nothing changed, when no frame was left for the split. */
bool ept_set_rights(uint64_t *pml4, uint64_t gpa, uint64_t rights);

/* INVEPT of every EPT context on this pCPU (checked). */
void ept_flush_all(void);

/* Free every table frame under pml4 (not the mapped memory). */
void ept_destroy(uint64_t *pml4);

#endif
