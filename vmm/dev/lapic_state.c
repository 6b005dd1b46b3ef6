/*
 * vmm/dev/lapic_state.c - the storage of every vCPU's local APIC
 * (vmm/dev/lapic_state.h).
 *
 * Context: VMX root.
 */
#include "vmm/dev/lapic_state.h"

struct lapic lapics[MAX_VMS][MAX_VCPUS];
