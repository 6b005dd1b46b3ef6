/*
 * kernel/acpi.c - RSDP discovery, table lookup and S5 power-off.
 *
 * Context: kernel, boot CPU, identity-mapped memory below 4 GiB.
 * Structures from the ACPI Specification: "Root System Description Pointer
 * (RSDP)", "Fixed ACPI Description Table (FADT)", and "\_S5 (Soft Off)"
 * in "System \_Sx states". The DSDT is not interpreted: the _S5_ package is
 * found by its name, the shortcut most small kernels use; on a DSDT where
 * that fails the caller halts instead.
 */
#include "kernel/acpi.h"
#include "kernel/acpi_parse.h"
#include "kernel/bios.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "lib/string.h"

struct acpi_rsdp {
	char signature[8];          /* "RSD PTR " */
	uint8_t checksum;           /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;           /* 0: ACPI 1.0; 2: 2.0+, the fields below valid */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} PACKED;

/* FADT field offsets (ACPI Specification, "Fixed ACPI Description Table") */
#define FADT_DSDT            40
#define FADT_SMI_CMD         48
#define FADT_ACPI_ENABLE     52
#define FADT_PM1A_CNT_BLK    64
#define FADT_PM1B_CNT_BLK    68
#define FADT_X_DSDT          140
#define PM1_CNT_SCI_EN       (1u << 0)
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN       (1u << 13)

#define ACPI_RSDP_V1_LEN     20       /* the part the first checksum covers */
#define BIOS_ROM_START       0xE0000
#define BIOS_ROM_END         0x100000
#define MAX_TABLE_LENGTH     (16 * MiB)
#define MAPPED_LIMIT         (4 * GiB)      /* the identity map of boot/entry.asm */

static const struct acpi_rsdp *rsdp;
static char oem_id[7];

static bool checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* An RSDP whose signature and checksums hold (the extended one for 2.0+). */
static bool rsdp_valid(const struct acpi_rsdp *r, size_t avail)
{
	if (avail < ACPI_RSDP_V1_LEN || memcmp(r->signature, "RSD PTR ", 8) != 0 ||
	    !checksum_ok(r, ACPI_RSDP_V1_LEN))
		return false;
	return r->revision < 2 || (avail >= sizeof(*r) && checksum_ok(r, sizeof(*r)));
}

static const struct acpi_rsdp *rsdp_at(uint64_t addr)
{
	const struct acpi_rsdp *r = phys_to_virt(addr);

	return rsdp_valid(r, sizeof(*r)) ? r : NULL;
}

static const struct acpi_rsdp *rsdp_scan(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a + sizeof(struct acpi_rsdp) <= end; a += 16) {
		const struct acpi_rsdp *r = rsdp_at(a);
		if (r)
			return r;
	}
	return NULL;
}

/* Where rsdp points when the loader's copy is used. */
static struct acpi_rsdp loader_rsdp;

static const char *const source_names[] = {
	[ACPI_RSDP_NONE] = "none",
	[ACPI_RSDP_LOADER] = "Multiboot2 tag",
	[ACPI_RSDP_EBDA] = "EBDA scan",
	[ACPI_RSDP_BIOS_ROM] = "BIOS ROM scan",
};

const char *acpi_rsdp_source_name(enum acpi_rsdp_source src)
{
	return (unsigned)src < ARRAY_SIZE(source_names) ? source_names[src] : "?";
}

enum acpi_rsdp_source acpi_init(const void *loader_copy, size_t len)
{
	enum acpi_rsdp_source src = ACPI_RSDP_NONE;

	rsdp = NULL;
	if (loader_copy && len) {
		memset(&loader_rsdp, 0, sizeof(loader_rsdp));
		memcpy(&loader_rsdp, loader_copy, MIN(len, sizeof(loader_rsdp)));
		if (rsdp_valid(&loader_rsdp, len)) {
			rsdp = &loader_rsdp;
			src = ACPI_RSDP_LOADER;
		} else {
			kprintf("[hv] acpi: the boot loader's RSDP copy (%zu bytes, revision %u) fails its signature or checksum: ignored, scanning the BIOS area\n",
				len, loader_rsdp.revision);
		}
	}
	if (!rsdp) {
		/* SeaBIOS and Bochs' BIOS keep it in the BIOS ROM area; older
		 * firmware in the first KiB of the EBDA. UEFI: in neither. */
		uint64_t ebda = bios_ebda_base();
		if (ebda && (rsdp = rsdp_scan(ebda, ebda + KiB)))
			src = ACPI_RSDP_EBDA;
	}
	if (!rsdp && (rsdp = rsdp_scan(BIOS_ROM_START, BIOS_ROM_END)))
		src = ACPI_RSDP_BIOS_ROM;
	if (rsdp) {
		memcpy(oem_id, rsdp->oem_id, 6);
		oem_id[6] = '\0';
	}
	return src;
}

const char *acpi_oem_id(void)
{
	return oem_id;
}

/* A table wholly inside the identity map (header first, then its length),
 * of a sane length and with a valid checksum; NULL otherwise. */
static const struct acpi_sdt_header *table_at(uint64_t addr)
{
	if (!acpi_table_span_ok(addr, sizeof(struct acpi_sdt_header), MAPPED_LIMIT))
		return NULL;
	const struct acpi_sdt_header *h = phys_to_virt(addr);
	if (h->length < sizeof(*h) || h->length > MAX_TABLE_LENGTH ||
	    !acpi_table_span_ok(addr, h->length, MAPPED_LIMIT) || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

const struct acpi_sdt_header *acpi_find_table(const char *sig)
{
	if (!rsdp)
		return NULL;

	/* XSDT (64-bit entries) when ACPI 2.0+, else RSDT (32-bit entries). */
	bool wide = rsdp->revision >= 2 && rsdp->xsdt_address;
	const struct acpi_sdt_header *root =
		table_at(wide ? rsdp->xsdt_address : rsdp->rsdt_address);
	if (!root)
		return NULL;

	size_t esize = wide ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esize;
	const uint8_t *entries = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t addr = 0;
		memcpy(&addr, entries + i * esize, esize);
		const struct acpi_sdt_header *t = table_at(addr);
		if (t && memcmp(t->signature, sig, 4) == 0)
			return t;
	}
	return NULL;
}

static uint32_t fadt_u32(const struct acpi_sdt_header *fadt, size_t off)
{
	uint32_t v = 0;
	if (off + 4 <= fadt->length)
		memcpy(&v, (const uint8_t *)fadt + off, 4);
	return v;
}

/* The FADT's DSDT: X_DSDT (64-bit) where the FADT is long enough to hold
 * it and it is set, else DSDT. NULL if it does not check out. */
static const struct acpi_sdt_header *fadt_dsdt(const struct acpi_sdt_header *fadt)
{
	uint64_t dsdt_addr = fadt_u32(fadt, FADT_DSDT);
	if (fadt->length >= FADT_X_DSDT + 8) {
		uint64_t x = 0;
		memcpy(&x, (const uint8_t *)fadt + FADT_X_DSDT, 8);
		if (x)
			dsdt_addr = x;
	}
	return table_at(dsdt_addr);
}

void acpi_poweroff(void)
{
	const struct acpi_sdt_header *fadt = acpi_find_table("FACP");
	if (!fadt)
		return;

	const struct acpi_sdt_header *dsdt = fadt_dsdt(fadt);
	uint8_t typa, typb;
	if (!dsdt || !acpi_find_s5((const uint8_t *)dsdt, dsdt->length, &typa, &typb))
		return;

	uint16_t pm1a = (uint16_t)fadt_u32(fadt, FADT_PM1A_CNT_BLK);
	uint16_t pm1b = (uint16_t)fadt_u32(fadt, FADT_PM1B_CNT_BLK);
	if (!pm1a)
		return;

	/* Switch to ACPI mode if the firmware left us in legacy mode. */
	uint32_t smi_cmd = fadt_u32(fadt, FADT_SMI_CMD);
	uint8_t enable = ((const uint8_t *)fadt)[FADT_ACPI_ENABLE];
	if (!(inw(pm1a) & PM1_CNT_SCI_EN) && smi_cmd && enable) {
		outb((uint16_t)smi_cmd, enable);
		for (int i = 0; i < 1000000 && !(inw(pm1a) & PM1_CNT_SCI_EN); i++)
			cpu_relax();
	}

	outw(pm1a, (uint16_t)((inw(pm1a) & ~(7u << PM1_CNT_SLP_TYP_SHIFT)) |
			      ((unsigned)typa << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN));
	if (pm1b)
		outw(pm1b, (uint16_t)((inw(pm1b) & ~(7u << PM1_CNT_SLP_TYP_SHIFT)) |
				      ((unsigned)typb << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN));
	for (int i = 0; i < 1000000; i++)
		cpu_relax();
}
