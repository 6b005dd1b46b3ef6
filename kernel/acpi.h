/*
 * kernel/acpi.h - just enough ACPI: find the RSDP and tables, and power off (S5).
 *
 * Context: kernel, boot CPU. Tables are read in place (memory is identity
 * mapped below 4 GiB). Multiboot1 passes no RSDP, so it is found by the
 * legacy scan (EBDA, then 0xE0000-0xFFFFF); a Multiboot2 path can hand one in
 * through acpi_init()'s hint later (UEFI machines have no legacy RSDP).
 */
#ifndef CV_ACPI_H
#define CV_ACPI_H

#include "lib/types.h"

struct acpi_sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} PACKED;

/* rsdp_hint: physical address of the RSDP if the boot loader gave one, else 0.
 * Returns whether an RSDP with a valid checksum was found. */
bool acpi_init(uint64_t rsdp_hint);

/* The first table with this 4-character signature whose checksum holds, or NULL. */
const struct acpi_sdt_header *acpi_find_table(const char *sig);

/* The RSDP's OEM ID ("BOCHS " under Bochs and QEMU's SeaBIOS), "" if none. */
const char *acpi_oem_id(void);

/* Enter S5 (soft-off) through PM1a/PM1b_CNT with SLP_TYP from the DSDT's _S5
 * object. Returns only if that was impossible or did not take effect. */
void acpi_poweroff(void);

#endif
