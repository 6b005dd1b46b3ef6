/*
 * vmm/loader/acpi_tables.h - the ACPI tables a Linux guest finds in its
 * BIOS area: RSDP, XSDT (and RSDT), MADT, FADT, DSDT.
 *
 * Context: any; pure C with no hardware access, built into the kernel and
 * unit-tested on the host (tests/unit/test_acpi_tables.c).
 *
 * Source: the ACPI Specification 6.x, chapter 5 ("ACPI Software Programming
 * Model"): "Root System Description Pointer (RSDP) Structure", "Extended
 * System Description Table (XSDT)", "Multiple APIC Description Table
 * (MADT)", "Fixed ACPI Description Table (FADT)", "Hardware-Reduced ACPI",
 * and chapter 7's "\_S5 (Soft Off)". docs/linux.md says why this set.
 *
 * The platform they describe (docs/linux.md):
 *   - hardware-reduced ACPI (FADT flag HW_REDUCED_ACPI): no PM timer, no
 *     SCI, no PM1 blocks, so no 8259 PIC and no PIT for Linux to use;
 *   - one Processor Local APIC per vCPU (APIC ID = vCPU id), the local
 *     APIC at 0xFEE00000, no I/O APIC, no PC-AT 8259s (MADT flags 0);
 *   - IAPC_BOOT_ARCH: no VGA, no MSI, no ASPM, no CMOS RTC, no 8042;
 *   - power-off through the sleep control register (port ACPI_SLEEP_CTL_PORT,
 *     SLP_TYP of \_S5 = 5 with SLP_EN), reboot through the reset register
 *     (port ACPI_RESET_PORT, value ACPI_RESET_VALUE).
 * The whole set fits [ACPI_TABLES_GPA, ACPI_TABLES_GPA + ACPI_TABLES_MAX),
 * inside the reserved BIOS area of the guest's e820 map (vmm/loader/linux_boot.h);
 * the RSDP is first, 16-byte aligned, where Linux would also find it by
 * scanning 0xE0000-0xFFFFF.
 */
#ifndef CV_ACPI_TABLES_H
#define CV_ACPI_TABLES_H

#include "lib/types.h"

#define ACPI_TABLES_GPA        0xE0000ULL
#define ACPI_TABLES_MAX        0x2000ULL
#define ACPI_SLEEP_CTL_PORT    0x600       /* hardware-reduced sleep control (8 bits) */
#define ACPI_SLEEP_STS_PORT    0x601       /* hardware-reduced sleep status (8 bits) */
#define ACPI_RESET_PORT        0xCF9       /* the PC reset control register */
#define ACPI_RESET_VALUE       0x06        /* "full reset": bits 1 and 2 */
#define ACPI_SLP_TYP_S5        5           /* \_S5's SLP_TYP, as the DSDT gives it */
#define ACPI_SLEEP_TYPE_SHIFT  2           /* sleep control register: SLP_TYPx in 4:2 */
#define ACPI_SLEEP_TYPE_MASK   0x1C
#define ACPI_SLEEP_ENABLE      0x20        /* SLP_EN, bit 5 */
#define ACPI_LAPIC_BASE        0xFEE00000U
#define ACPI_MAX_CPUS          64

/*
 * Write the tables for a VM with ncpus vCPUs into ram (guest-physical 0 =
 * ram[0]; ram_size bytes). Returns the RSDP's guest-physical address, or 0
 * when ncpus is 0 or above ACPI_MAX_CPUS or RAM does not cover the area
 * (nothing written then).
 */
uint64_t acpi_tables_build(uint8_t *ram, uint64_t ram_size, unsigned ncpus);

/* The byte sum of len bytes (a valid table sums to 0). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
