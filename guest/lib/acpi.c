/*
 * guest/lib/acpi.c - find the MADT and list its enabled processors (acpi.h).
 *
 * Context: guest, boot CPU, identity-mapped low memory. Table layouts: ACPI
 * Specification, "Root System Description Pointer (RSDP) Structure", "System
 * Description Table Header", "Multiple APIC Description Table (MADT)".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/lib/acpi.h"
#include "guest/lib/string.h"

#define BDA_EBDA_SEGMENT     0x40E       /* BIOS data area: EBDA segment (word) */
#define EBDA_SCAN_BYTES      1024
#define BIOS_AREA_START      0xE0000
#define BIOS_AREA_END        0x100000
#define RSDP_ALIGN           16
#define RSDP_V1_LEN          20
#define SDT_HEADER_LEN       36
#define MADT_ENTRIES_OFFSET  44          /* header, local APIC address, flags */

#define MADT_LOCAL_APIC      0           /* len 8: uid, APIC ID, flags */
#define MADT_LOCAL_X2APIC    9           /* len 16: reserved, x2APIC ID, flags, uid */
#define MADT_CPU_ENABLED     (1u << 0)

struct rsdp {
	char signature[8];          /* 0: "RSD PTR " */
	uint8_t checksum;           /* 8: bytes 0-19 sum to 0 */
	char oem_id[6];             /* 9 */
	uint8_t revision;           /* 15: 0 = ACPI 1.0, 2 = 2.0+ */
	uint32_t rsdt;              /* 16 */
	uint32_t length;            /* 20: 2.0+ */
	uint64_t xsdt;              /* 24: 2.0+ */
	uint8_t ext_checksum;       /* 32: all 'length' bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));

struct sdt_header {
	char signature[4];          /* 0 */
	uint32_t length;            /* 4: header included */
	uint8_t revision;           /* 8 */
	uint8_t checksum;           /* 9 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;  /* 32 */
} __attribute__((packed));

_Static_assert(sizeof(struct sdt_header) == SDT_HEADER_LEN, "ACPI SDT header is 36 bytes");

static bool sum_is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (n--)
		sum += *b++;
	return sum == 0;
}

static const struct rsdp *rsdp_scan(uintptr_t start, uintptr_t end)
{
	for (uintptr_t a = start; a + RSDP_V1_LEN <= end; a += RSDP_ALIGN) {
		const struct rsdp *r = (const void *)a;

		if (memcmp(r->signature, "RSD PTR ", 8) == 0 && sum_is_zero(r, RSDP_V1_LEN))
			return r;
	}
	return NULL;
}

static const struct rsdp *rsdp_find(void)
{
	uintptr_t bda = BDA_EBDA_SEGMENT;
	const struct rsdp *r = NULL;

	asm("" : "+r"(bda));   /* GCC takes any pointer below 4 KiB for NULL + offset */
	uintptr_t ebda = (uintptr_t)*(volatile uint16_t *)bda << 4;

	/* Only a plausible EBDA (below the 640 KiB hole): the BDA may be junk. */
	if (ebda >= 0x80000 && ebda < 0xA0000)
		r = rsdp_scan(ebda, ebda + EBDA_SCAN_BYTES);
	return r ? r : rsdp_scan(BIOS_AREA_START, BIOS_AREA_END);
}

/* A table whose header and checksum look right, or NULL. */
static const struct sdt_header *sdt_at(uint64_t pa)
{
	const struct sdt_header *h = (const void *)(uintptr_t)pa;

	if (pa == 0 || pa >= (1ull << 32) || h->length < SDT_HEADER_LEN ||
	    !sum_is_zero(h, h->length))
		return NULL;
	return h;
}

static const struct sdt_header *madt_find(void)
{
	const struct rsdp *r = rsdp_find();
	const struct sdt_header *root = NULL;
	unsigned entry_size = 4;

	if (!r)
		return NULL;
	if (r->revision >= 2 && r->xsdt) {
		root = sdt_at(r->xsdt);
		entry_size = 8;
	}
	if (!root) {
		root = sdt_at(r->rsdt);
		entry_size = 4;
	}
	if (!root)
		return NULL;
	const uint8_t *p = (const uint8_t *)root + SDT_HEADER_LEN;
	unsigned n = (root->length - SDT_HEADER_LEN) / entry_size;
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = 0;

		memcpy(&pa, p + i * entry_size, entry_size);   /* little endian */
		const struct sdt_header *h = sdt_at(pa);
		if (h && memcmp(h->signature, "APIC", 4) == 0)
			return h;
	}
	return NULL;
}

int acpi_madt_cpus(uint32_t *ids, int max)
{
	const struct sdt_header *madt = madt_find();
	int n = 0;

	if (!madt || madt->length < MADT_ENTRIES_OFFSET)
		return -1;
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES_OFFSET;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t id = 0, flags = 0;
		bool cpu = false;

		if (p[0] == MADT_LOCAL_APIC && p[1] >= 8) {
			id = p[3];
			memcpy(&flags, p + 4, 4);
			cpu = true;
		} else if (p[0] == MADT_LOCAL_X2APIC && p[1] >= 16) {
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			cpu = true;
		}
		if (cpu && (flags & MADT_CPU_ENABLED)) {
			if (n < max)
				ids[n] = id;
			n++;
		}
		p += p[1];
	}
	return n;
}
