/*
 * kernel/spcr.c - read the ACPI SPCR table (contract in kernel/spcr.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host.
 */
#include "kernel/spcr.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SPCR_INTERFACE_TYPE      36
#define SPCR_BASE_ADDRESS        40       /* Generic Address Structure, 12 bytes */
#define SPCR_BAUD_RATE           58
#define GAS_SPACE_ID             0
#define GAS_BIT_WIDTH            1
#define GAS_ACCESS_SIZE          3        /* 1 byte, 2 word, 3 dword, 4 qword; 0 undefined */
#define GAS_ADDRESS              4
#define GAS_ACCESS_DWORD         3
#define IO_PORT_LIMIT            0xFFF8   /* room for the 8 registers */
#define MMIO_LIMIT               (4 * GiB)

static int spcr_fail(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int spcr_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		cv_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* SPCR "Baud Rate": 0 = as is (the firmware's), 3 = 9600, 4 = 19200, 6 = 57600, 7 = 115200. */
static int baud_from_code(uint8_t code, uint32_t *baud)
{
	switch (code) {
	case 0: *baud = 0; return 0;
	case 3: *baud = 9600; return 0;
	case 4: *baud = 19200; return 0;
	case 6: *baud = 57600; return 0;
	case 7: *baud = 115200; return 0;
	}
	return -1;
}

int spcr_parse(const void *t, size_t len, struct uart_desc *u, char *err, size_t errlen)
{
	const uint8_t *b = t;
	uint8_t type, space, width, access;
	uint64_t addr;

	memset(u, 0, sizeof(*u));
	if (err && errlen)
		err[0] = '\0';
	if (len < SPCR_MIN_LENGTH)
		return spcr_fail(err, errlen, "SPCR is %zu bytes, shorter than %d", len,
				 SPCR_MIN_LENGTH);
	if (memcmp(b, "SPCR", 4) != 0)
		return spcr_fail(err, errlen, "table signature is not SPCR");
	type = b[SPCR_INTERFACE_TYPE];
	if (type != SPCR_IFACE_16550 && type != SPCR_IFACE_16450 && type != SPCR_IFACE_16550_GAS)
		return spcr_fail(err, errlen, "SPCR interface type 0x%x is not a 16550-compatible UART (0x0, 0x1 or 0x12)",
				 type);
	space = b[SPCR_BASE_ADDRESS + GAS_SPACE_ID];
	width = b[SPCR_BASE_ADDRESS + GAS_BIT_WIDTH];
	access = b[SPCR_BASE_ADDRESS + GAS_ACCESS_SIZE];
	memcpy(&addr, b + SPCR_BASE_ADDRESS + GAS_ADDRESS, sizeof(addr));
	if (addr == 0)
		return spcr_fail(err, errlen, "SPCR base address is 0 (console redirection off)");
	if (width != 8 && width != 32)
		return spcr_fail(err, errlen, "SPCR register width %u bits (8 or 32 supported)", width);
	if (space == ACPI_GAS_SYSTEM_IO) {
		if (addr > IO_PORT_LIMIT)
			return spcr_fail(err, errlen, "SPCR I/O port 0x%llx is out of range",
					 (unsigned long long)addr);
		u->mmio = false;
		u->stride = 1;
		u->access = 1;
	} else if (space == ACPI_GAS_SYSTEM_MEMORY) {
		if (addr >= MMIO_LIMIT)
			return spcr_fail(err, errlen, "SPCR MMIO UART at 0x%llx lies above 4 GiB, outside the identity map",
					 (unsigned long long)addr);
		u->mmio = true;
		u->stride = width / 8;
		u->access = (width == 32 || access == GAS_ACCESS_DWORD) ? 4 : 1;
	} else {
		return spcr_fail(err, errlen, "SPCR address space %u (system memory 0 or I/O 1 supported)",
				 space);
	}
	if (baud_from_code(b[SPCR_BAUD_RATE], &u->baud))
		return spcr_fail(err, errlen, "SPCR baud rate code %u unknown", b[SPCR_BAUD_RATE]);
	u->base = addr;
	u->interface_type = type;
	return 0;
}
