/*
 * kernel/acpi.h - just enough ACPI: find the RSDP and tables, and power off (S5).
 *
 * Context: kernel, boot CPU. Tables are read in place (memory is identity
 * mapped below 4 GiB). Multiboot2 hands over a copy of the RSDP (tags 14
 * and 15), which is the only way to find it under UEFI; Multiboot1 passes
 * none, so it is found by the legacy scan (EBDA, then 0xE0000-0xFFFFF).
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

enum acpi_rsdp_source {
	ACPI_RSDP_NONE = 0,     /* no RSDP anywhere: no ACPI tables, no S5 */
	ACPI_RSDP_LOADER,       /* the boot loader's copy (Multiboot2 tag 14/15) */
	ACPI_RSDP_EBDA,         /* legacy scan: first KiB of the EBDA */
	ACPI_RSDP_BIOS_ROM,     /* legacy scan: 0xE0000-0xFFFFF */
};

/*
 * Find the RSDP. loader_copy/len: the copy the boot loader handed over (len
 * 20 or 36; NULL/0 if none). It is used when its signature and checksums
 * hold (kept in acpi.c, the loader's memory may be reused later); otherwise
 * a line says why it was ignored and the legacy scan runs.
 */
enum acpi_rsdp_source acpi_init(const void *loader_copy, size_t len);

/* "Multiboot2 tag", "EBDA scan", "BIOS ROM scan", "none" */
const char *acpi_rsdp_source_name(enum acpi_rsdp_source src);

/* The first table with this 4-character signature whose checksum holds, or NULL. */
const struct acpi_sdt_header *acpi_find_table(const char *sig);

/* The RSDP's OEM ID ("BOCHS " under Bochs and QEMU's SeaBIOS), "" if none. */
const char *acpi_oem_id(void);

/* Enter S5 (soft-off) through PM1a/PM1b_CNT with SLP_TYP from the DSDT's _S5
 * object. Returns only if that was impossible or did not take effect. */
void acpi_poweroff(void);

#endif
