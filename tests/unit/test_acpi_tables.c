/*
 * tests/unit/test_acpi_tables.c - host unit tests for vmm/loader/acpi_tables.c.
 *
 * Context: Linux host, cmocka, ASan/UBSan (make unit). The tables are read
 * back the way an OS does (ACPI Specification 6.x, chapter 5): RSDP
 * signature and both checksums, XSDT entries, each table's checksum and
 * signature, the MADT's Local APIC entries, the FADT's hardware-reduced flag
 * and its DSDT; and the refusals write nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/loader/acpi_tables.h"

#define RAM_SIZE (2 * MiB)
#define SENTINEL 0x5A

static uint8_t *ram;

static uint32_t rd32(uint64_t gpa) { uint32_t v; memcpy(&v, ram + gpa, 4); return v; }
static uint64_t rd64(uint64_t gpa) { uint64_t v; memcpy(&v, ram + gpa, 8); return v; }

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	memset(ram, SENTINEL, RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

/* A table at gpa: signature, length inside the area, checksum 0. */
static uint32_t table_ok(uint64_t gpa, const char *sig)
{
	assert_memory_equal(ram + gpa, sig, 4);
	uint32_t len = rd32(gpa + 4);
	assert_true(len >= 36);
	assert_true(gpa + len <= ACPI_TABLES_GPA + ACPI_TABLES_MAX);
	assert_int_equal(acpi_checksum(ram + gpa, len), 0);
	return len;
}

static void test_tables_read_back(void **state)
{
	(void)state;
	for (unsigned ncpus = 1; ncpus <= 8; ncpus++) {
		memset(ram, SENTINEL, RAM_SIZE);
		uint64_t rsdp = acpi_tables_build(ram, RAM_SIZE, ncpus);
		assert_int_equal(rsdp, ACPI_TABLES_GPA);
		assert_memory_equal(ram + rsdp, "RSD PTR ", 8);
		assert_int_equal(acpi_checksum(ram + rsdp, 20), 0);
		assert_int_equal(acpi_checksum(ram + rsdp, 36), 0);
		assert_int_equal(ram[rsdp + 15], 2);
		uint64_t xsdt = rd64(rsdp + 24);
		uint32_t xlen = table_ok(xsdt, "XSDT");
		table_ok(rd32(rsdp + 16), "RSDT");
		uint64_t fadt = 0, madt = 0;
		for (uint32_t o = 36; o < xlen; o += 8) {
			uint64_t t = rd64(xsdt + o);
			if (!memcmp(ram + t, "FACP", 4))
				fadt = t;
			if (!memcmp(ram + t, "APIC", 4))
				madt = t;
		}
		assert_true(fadt && madt);
		table_ok(fadt, "FACP");
		assert_true(rd32(fadt + 112) & (1u << 20));            /* HW_REDUCED_ACPI */
		assert_int_equal(rd64(fadt + 140), rd32(fadt + 40));   /* X_DSDT = DSDT */
		table_ok(rd64(fadt + 140), "DSDT");
		uint32_t mlen = table_ok(madt, "APIC");
		assert_int_equal(rd32(madt + 36), ACPI_LAPIC_BASE);
		unsigned seen = 0;
		for (uint32_t o = 44; o < mlen; o += ram[madt + o + 1]) {
			assert_int_equal(ram[madt + o], 0);                 /* Processor Local APIC */
			assert_int_equal(ram[madt + o + 3], seen);          /* APIC ID = vCPU id */
			assert_int_equal(rd32(madt + o + 4) & 1, 1);        /* enabled */
			seen++;
		}
		assert_int_equal(seen, ncpus);
	}
}

static void test_refusals_write_nothing(void **state)
{
	(void)state;
	memset(ram, SENTINEL, RAM_SIZE);
	assert_int_equal(acpi_tables_build(ram, RAM_SIZE, 0), 0);
	assert_int_equal(acpi_tables_build(ram, RAM_SIZE, ACPI_MAX_CPUS + 1), 0);
	assert_int_equal(acpi_tables_build(ram, ACPI_TABLES_GPA + 16, 1), 0);
	for (size_t i = 0; i < RAM_SIZE; i++)
		assert_int_equal(ram[i], SENTINEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_read_back),
		cmocka_unit_test(test_refusals_write_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
