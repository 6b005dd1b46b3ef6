/*
 * guest/lib/acpi.h - the processors the ACPI MADT lists (bare firmware only).
 *
 * Context: guest, any mode with the low 1 MiB and the tables identity-mapped
 * (entry.asm maps the first 4 GiB). Read-only.
 * Found the legacy way (ACPI Specification, "Finding the RSDP on IA-PC
 * Systems"): the RSDP's "RSD PTR " signature on a 16-byte boundary in the
 * first KiB of the EBDA or in 0xE0000-0xFFFFF, checksummed; then the XSDT
 * (revision >= 2) or RSDT; then the table signed "APIC" (the MADT, "Multiple
 * APIC Description Table"), whose Processor Local APIC (type 0) and
 * Processor Local x2APIC (type 9) entries name the CPUs. SeaBIOS (QEMU) and
 * Bochs' BIOS provide one; chronovisor provides none (its guests ask fw_cfg);
 * UEFI boots with Multiboot1 find none by this scan either.
 */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include <stdint.h>

/* Stores the APIC IDs of the enabled processors, in MADT order, in ids[]
 * (at most max); returns how many the MADT lists as enabled (may exceed
 * max), or -1 when there is no valid RSDP or MADT. */
int acpi_madt_cpus(uint32_t *ids, int max);

#endif
