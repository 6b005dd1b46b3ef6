/*
 * tests/unit/test_spcr.c - host unit tests for kernel/spcr.c.
 *
 * Context: Linux host, cmocka. Each table is built the way firmware lays
 * out an SPCR (80 bytes, revision 2): the shapes real machines use are a
 * server's COM2 behind a BMC (I/O port 0x2F8), an Intel LPSS UART (MMIO,
 * 32-bit registers 4 bytes apart, baud "as is") and an 8-bit MMIO UART.
 * Each unsupported or broken field is then refused by name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/spcr.h"

static uint8_t t[96];
static struct uart_desc u;
static char err[160];

static void build(uint8_t type, uint8_t space, uint8_t width, uint8_t access, uint64_t addr,
		  uint8_t baud)
{
	uint32_t len = 80;

	memset(t, 0, sizeof(t));
	memcpy(t, "SPCR", 4);
	memcpy(t + 4, &len, 4);
	t[8] = 2;                       /* revision */
	t[36] = type;
	t[40] = space;
	t[41] = width;
	t[43] = access;
	memcpy(t + 44, &addr, 8);
	t[52] = 1;                      /* interrupt type: 8259 */
	t[53] = 3;                      /* IRQ */
	t[58] = baud;
	t[60] = 1;                      /* stop bits */
}

static void test_server_com2(void **state)
{
	(void)state;
	build(SPCR_IFACE_16550, ACPI_GAS_SYSTEM_IO, 8, 1, 0x2F8, 7);
	assert_int_equal(spcr_parse(t, 80, &u, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_false(u.mmio);
	assert_true(u.base == 0x2F8);
	assert_int_equal(u.stride, 1);
	assert_int_equal(u.access, 1);
	assert_int_equal(u.baud, 115200);
	/* Other baud codes. */
	t[58] = 3;
	assert_int_equal(spcr_parse(t, 80, &u, err, sizeof(err)), 0);
	assert_int_equal(u.baud, 9600);
	t[58] = 0;
	assert_int_equal(spcr_parse(t, 80, &u, err, sizeof(err)), 0);
	assert_int_equal(u.baud, 0);
}

static void test_lpss_mmio_32bit(void **state)
{
	(void)state;
	build(SPCR_IFACE_16550_GAS, ACPI_GAS_SYSTEM_MEMORY, 32, 3, 0xFE032000, 0);
	assert_int_equal(spcr_parse(t, 80, &u, err, sizeof(err)), 0);
	assert_true(u.mmio);
	assert_true(u.base == 0xFE032000);
	assert_int_equal(u.stride, 4);
	assert_int_equal(u.access, 4);
	assert_int_equal(u.baud, 0);
	assert_int_equal(u.interface_type, SPCR_IFACE_16550_GAS);
}

static void test_mmio_8bit(void **state)
{
	(void)state;
	build(SPCR_IFACE_16450, ACPI_GAS_SYSTEM_MEMORY, 8, 1, 0xFEDC9000, 6);
	assert_int_equal(spcr_parse(t, 80, &u, err, sizeof(err)), 0);
	assert_true(u.mmio);
	assert_int_equal(u.stride, 1);
	assert_int_equal(u.access, 1);
	assert_int_equal(u.baud, 57600);
}

static void expect(const char *message)
{
	assert_int_equal(spcr_parse(t, 80, &u, err, sizeof(err)), -1);
	assert_string_equal(err, message);
}

static void test_refused(void **state)
{
	(void)state;
	build(SPCR_IFACE_16550, ACPI_GAS_SYSTEM_IO, 8, 1, 0x2F8, 7);
	assert_int_equal(spcr_parse(t, 79, &u, err, sizeof(err)), -1);
	assert_string_equal(err, "SPCR is 79 bytes, shorter than 80");
	t[0] = 'X';
	expect("table signature is not SPCR");
	t[0] = 'S';
	t[36] = 0x03;                   /* ARM PL011 */
	expect("SPCR interface type 0x3 is not a 16550-compatible UART (0x0, 0x1 or 0x12)");
	t[36] = 0;
	t[41] = 16;
	expect("SPCR register width 16 bits (8 or 32 supported)");
	t[41] = 8;
	t[40] = 2;                      /* PCI configuration space */
	expect("SPCR address space 2 (system memory 0 or I/O 1 supported)");
	t[40] = ACPI_GAS_SYSTEM_IO;
	t[58] = 5;
	expect("SPCR baud rate code 5 unknown");
	t[58] = 7;
	build(SPCR_IFACE_16550, ACPI_GAS_SYSTEM_IO, 8, 1, 0, 7);
	expect("SPCR base address is 0 (console redirection off)");
	build(SPCR_IFACE_16550, ACPI_GAS_SYSTEM_IO, 8, 1, 0x10000, 7);
	expect("SPCR I/O port 0x10000 is out of range");
	build(SPCR_IFACE_16550, ACPI_GAS_SYSTEM_MEMORY, 32, 3, 0x4000001000ULL, 7);
	expect("SPCR MMIO UART at 0x4000001000 lies above 4 GiB, outside the identity map");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_com2),
		cmocka_unit_test(test_lpss_mmio_32bit),
		cmocka_unit_test(test_mmio_8bit),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
