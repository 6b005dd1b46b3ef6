/*
 * vmm/loader/acpi_tables.c - the guest's ACPI tables (vmm/loader/acpi_tables.h
 * says which and why).
 *
 * Context: pure C, kernel and host unit tests. Every table is written byte
 * by byte at its offset from the ACPI Specification's layout tables; the
 * checksums are filled in last.
 */
#include "vmm/loader/acpi_tables.h"
#include "lib/string.h"

#define SDT_HEADER_LEN     36
#define RSDP_LEN           36
#define RSDP_V1_LEN        20
#define FADT_LEN           276     /* revision 6 */
#define FADT_REVISION      6
#define FADT_MINOR         3
#define MADT_REVISION      4
#define XSDT_REVISION      1
#define DSDT_REVISION      2
#define OEM_ID             "CHRONO"
#define OEM_TABLE_ID       "CHRONOVM"
#define CREATOR_ID         "CHRV"

/* Layout of the area: RSDP first, then each table 64-byte aligned. */
#define OFF_RSDP           0x000
#define OFF_XSDT           0x040
#define OFF_RSDT           0x080
#define OFF_FADT           0x0C0
#define OFF_DSDT           0x200
#define OFF_MADT           0x280

/* FADT fields (ACPI 6.x, "Fixed ACPI Description Table (FADT)"). */
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT          40
#define FADT_PREF_PM       45
#define FADT_SCI_INT       46
#define FADT_IAPC_BOOT     109
#define FADT_FLAGS         112
#define FADT_RESET_REG     116
#define FADT_RESET_VALUE   128
#define FADT_ARM_BOOT      129
#define FADT_MINOR_VERSION 131
#define FADT_X_DSDT        140
#define FADT_SLEEP_CTL     244
#define FADT_SLEEP_STS     256
#define FADT_HV_VENDOR     268
/* FADT flags */
#define FADT_F_WBINVD      BIT(0)
#define FADT_F_RESET_REG   BIT(10)
#define FADT_F_HW_REDUCED  BIT(20)
/* IAPC_BOOT_ARCH */
#define BOOT_NO_VGA        BIT(2)
#define BOOT_NO_MSI        BIT(3)
#define BOOT_NO_ASPM       BIT(4)
#define BOOT_NO_CMOS_RTC   BIT(5)
/* Generic Address Structure: space id, bit width, bit offset, access size, address */
#define GAS_SYSTEM_IO      1
#define GAS_ACCESS_BYTE    1
#define PM_PROFILE_SERVER  4

/* MADT */
#define MADT_LAPIC_ADDR    36
#define MADT_FLAGS         40
#define MADT_ENTRIES       44
#define MADT_TYPE_LAPIC    0
#define MADT_LAPIC_LEN     8
#define MADT_LAPIC_ENABLED BIT(0)

/*
 * DSDT body in AML (ACPI 6.x, "ACPI Machine Language (AML) Specification"),
 * as iasl would encode:
 *   Name (_S5, Package () { 5, 5 })
 *   Scope (\_SB) {
 *     Device (COM1) {
 *       Name (_HID, EisaId ("PNP0501"))
 *       Name (_UID, 1)
 *       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8) })
 *     }
 *   }
 * COM1 is described without an interrupt: Linux's 8250 driver then polls it
 * from a timer (there is no I/O APIC to route IRQ 4), so /dev/console works.
 */
static const uint8_t dsdt_aml[] = {
	/* NameOp "_S5_" PackageOp PkgLength(6) NumElements(2) BytePrefix 5 BytePrefix 5 */
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0A, ACPI_SLP_TYP_S5, 0x0A, ACPI_SLP_TYP_S5,
	/* ScopeOp PkgLength(48) "\_SB_" */
	0x10, 0x30, '\\', '_', 'S', 'B', '_',
	/* DeviceOp (ExtOpPrefix 0x5B, 0x82) PkgLength(40) "COM1" */
	0x5B, 0x82, 0x28, 'C', 'O', 'M', '1',
	/* Name (_HID, DWordConst EisaId "PNP0501" = 0x0105D041) */
	0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x05, 0x01,
	/* Name (_UID, One) */
	0x08, '_', 'U', 'I', 'D', 0x01,
	/* Name (_CRS, BufferOp PkgLength(13) BytePrefix 10 { IO descriptor, End tag }) */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x0D, 0x0A, 0x0A,
	0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08,   /* IO: decode16, min=max=0x3F8, align 1, 8 ports */
	0x79, 0x00,                                       /* End tag */
};

static void w8(uint8_t *p, uint8_t v) { *p = v; }
static void w16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void w32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void w64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0 - acpi_checksum(p, len));
}

/* The common 36-byte header (ACPI 6.x, "System Description Table Header"). */
static void sdt_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	w32(t + 4, len);
	w8(t + 8, rev);
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	w32(t + 24, 1);                      /* OEM revision */
	memcpy(t + 28, CREATOR_ID, 4);
	w32(t + 32, 1);                      /* creator revision */
}

static void gas_io8(uint8_t *g, uint16_t port)
{
	w8(g, GAS_SYSTEM_IO);
	w8(g + 1, 8);                        /* register bit width */
	w8(g + 2, 0);                        /* bit offset */
	w8(g + 3, GAS_ACCESS_BYTE);
	w64(g + 4, port);
}

uint64_t acpi_tables_build(uint8_t *ram, uint64_t ram_size, unsigned ncpus)
{
	uint32_t madt_len = MADT_ENTRIES + ncpus * MADT_LAPIC_LEN;

	if (ncpus == 0 || ncpus > ACPI_MAX_CPUS || ram_size < ACPI_TABLES_GPA + ACPI_TABLES_MAX ||
	    OFF_MADT + madt_len > ACPI_TABLES_MAX)
		return 0;
	uint8_t *a = ram + ACPI_TABLES_GPA;
	memset(a, 0, ACPI_TABLES_MAX);

	uint8_t *dsdt = a + OFF_DSDT;
	sdt_header(dsdt, "DSDT", SDT_HEADER_LEN + sizeof(dsdt_aml), DSDT_REVISION);
	memcpy(dsdt + SDT_HEADER_LEN, dsdt_aml, sizeof(dsdt_aml));
	fix_checksum(dsdt, SDT_HEADER_LEN + sizeof(dsdt_aml), 9);

	uint8_t *madt = a + OFF_MADT;
	sdt_header(madt, "APIC", madt_len, MADT_REVISION);
	w32(madt + MADT_LAPIC_ADDR, ACPI_LAPIC_BASE);
	w32(madt + MADT_FLAGS, 0);           /* no PC-AT 8259s */
	for (unsigned i = 0; i < ncpus; i++) {
		uint8_t *e = madt + MADT_ENTRIES + i * MADT_LAPIC_LEN;
		w8(e, MADT_TYPE_LAPIC);
		w8(e + 1, MADT_LAPIC_LEN);
		w8(e + 2, (uint8_t)i);           /* ACPI processor UID */
		w8(e + 3, (uint8_t)i);           /* APIC ID = vCPU id */
		w32(e + 4, MADT_LAPIC_ENABLED);
	}
	fix_checksum(madt, madt_len, 9);

	uint8_t *fadt = a + OFF_FADT;
	sdt_header(fadt, "FACP", FADT_LEN, FADT_REVISION);
	w32(fadt + FADT_DSDT, (uint32_t)(ACPI_TABLES_GPA + OFF_DSDT));
	w8(fadt + FADT_PREF_PM, PM_PROFILE_SERVER);
	w16(fadt + FADT_IAPC_BOOT, BOOT_NO_VGA | BOOT_NO_MSI | BOOT_NO_ASPM | BOOT_NO_CMOS_RTC);
	w32(fadt + FADT_FLAGS, FADT_F_WBINVD | FADT_F_RESET_REG | FADT_F_HW_REDUCED);
	gas_io8(fadt + FADT_RESET_REG, ACPI_RESET_PORT);
	w8(fadt + FADT_RESET_VALUE, ACPI_RESET_VALUE);
	w8(fadt + FADT_MINOR_VERSION, FADT_MINOR);
	w64(fadt + FADT_X_DSDT, ACPI_TABLES_GPA + OFF_DSDT);
	gas_io8(fadt + FADT_SLEEP_CTL, ACPI_SLEEP_CTL_PORT);
	gas_io8(fadt + FADT_SLEEP_STS, ACPI_SLEEP_STS_PORT);
	memcpy(fadt + FADT_HV_VENDOR, "chronovi", 8);
	fix_checksum(fadt, FADT_LEN, 9);

	const uint32_t tables[] = { OFF_FADT, OFF_MADT };
	uint8_t *xsdt = a + OFF_XSDT;
	uint8_t *rsdt = a + OFF_RSDT;
	sdt_header(xsdt, "XSDT", SDT_HEADER_LEN + 8 * ARRAY_SIZE(tables), XSDT_REVISION);
	sdt_header(rsdt, "RSDT", SDT_HEADER_LEN + 4 * ARRAY_SIZE(tables), XSDT_REVISION);
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		w64(xsdt + SDT_HEADER_LEN + 8 * i, ACPI_TABLES_GPA + tables[i]);
		w32(rsdt + SDT_HEADER_LEN + 4 * i, (uint32_t)(ACPI_TABLES_GPA + tables[i]));
	}
	fix_checksum(xsdt, SDT_HEADER_LEN + 8 * ARRAY_SIZE(tables), 9);
	fix_checksum(rsdt, SDT_HEADER_LEN + 4 * ARRAY_SIZE(tables), 9);

	/* RSDP (ACPI 6.x, "Root System Description Pointer (RSDP) Structure"):
	 * the first 20 bytes have their own checksum (byte 8), all 36 the
	 * extended one (byte 32). */
	uint8_t *rsdp = a + OFF_RSDP;
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, OEM_ID, 6);
	w8(rsdp + 15, 2);                    /* revision 2: XSDT */
	w32(rsdp + 16, (uint32_t)(ACPI_TABLES_GPA + OFF_RSDT));
	w32(rsdp + 20, RSDP_LEN);
	w64(rsdp + 24, ACPI_TABLES_GPA + OFF_XSDT);
	fix_checksum(rsdp, RSDP_V1_LEN, 8);
	fix_checksum(rsdp, RSDP_LEN, 32);
	return ACPI_TABLES_GPA + OFF_RSDP;
}
