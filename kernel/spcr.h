/*
 * kernel/spcr.h - the ACPI Serial Port Console Redirection table (SPCR): which
 * UART the firmware calls its serial console.
 *
 * Context: any; pure C with no hardware access (it reads a table the caller
 * found, kernel/acpi.h), unit-tested on the host (tests/unit/test_spcr.c).
 * Layout from Microsoft's "Serial Port Console Redirection Table" (revisions
 * 1 to 4): interface type at byte 36, the base address as an ACPI Generic
 * Address Structure at 40, the baud rate code at 58. Only 16550-compatible
 * UARTs are supported (interface types 0, 1 and 0x12); the console drives
 * them like COM1.
 */
#ifndef CV_SPCR_H
#define CV_SPCR_H

#include "lib/types.h"

#define SPCR_MIN_LENGTH          80
#define SPCR_IFACE_16550         0x00
#define SPCR_IFACE_16450         0x01
#define SPCR_IFACE_16550_GAS     0x12     /* 16550 with the register layout from the GAS */
#define ACPI_GAS_SYSTEM_MEMORY   0
#define ACPI_GAS_SYSTEM_IO       1

struct uart_desc {
	bool mmio;              /* false: I/O ports */
	uint64_t base;          /* I/O port or physical address of register 0 */
	uint32_t stride;        /* bytes from one register to the next: 1 or 4 */
	uint32_t access;        /* bytes per MMIO access: 1 or 4 (I/O: 1) */
	uint32_t baud;          /* 0: keep what the firmware set */
	uint8_t interface_type;
};

/*
 * Read the SPCR table at t (len bytes, its checksum already checked) into u.
 * Returns 0, or -1 with a one-line reason in err (cut to errlen): too short,
 * not "SPCR", an interface type other than 16550/16450, an address space
 * other than system memory or I/O, register width other than 8 or 32 bits,
 * base address 0, an I/O port above 0xFFF8, an MMIO UART at or above 4 GiB
 * (outside the hypervisor's identity map), or an unknown baud rate code.
 */
int spcr_parse(const void *t, size_t len, struct uart_desc *u, char *err, size_t errlen);

#endif
