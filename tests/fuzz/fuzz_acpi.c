/*
 * tests/fuzz/fuzz_acpi.c - libFuzzer target: the firmware tables the
 * hypervisor reads at boot: ACPI RSDP, RSDT/XSDT, FADT, the DSDT's _S5_
 * package (kernel/acpi.c), the MADT and the MP Specification tables
 * (kernel/smp.c:madt_cpus and mp_cpus).
 *
 * The two files are included here, not linked, so that their static
 * parsers can be called; everything else they use is stubbed below.
 *
 * Memory model (kernel/mem.h with CV_FAKE_PHYS): the input after its first
 * 8 bytes is physical memory [BASE, 4 GiB), BASE = 4 GiB - its length, in a
 * heap buffer of exactly that size, so a read that runs past the buffer is a
 * read past 4 GiB, where the hypervisor's identity map ends. Every address
 * below BASE reads as zeros (no table there); an address at or above 4 GiB
 * aborts. The EBDA (the MP floating pointer's first place) is at BASE when
 * the memory has at least its 1 KiB.
 *
 * Input: byte 0 controls (bit 0: fix up the checksums of the tables the
 * parsers will look at, so that mutations reach the parsers behind them;
 * bit 1: the host has x2APIC, so APIC IDs above 255 are reachable), byte 1
 * the boot CPU's APIC ID, bytes 2-3 the RSDP's offset in memory / 16,
 * bytes 4-7 reserved; then memory.
 *
 * Besides ASan/UBSan, find_s5 also runs on a copy of the DSDT in a buffer of
 * exactly its length: the _S5_ decoder must stay inside its table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_stubs.h"
#include "kernel/acpi.c"
#include "kernel/smp.c"

#define FOUR_GIB (4 * GiB)

/* The _S5_ decoder: find_s5 in kernel/acpi.c, or acpi_find_s5 once it lives
 * in kernel/acpi_parse.c (bounds-checked, host-testable). */
#if __has_include("kernel/acpi_parse.h")
#include "kernel/acpi_parse.h"
#define FIND_S5(dsdt, a, b) acpi_find_s5((const uint8_t *)(dsdt), (dsdt)->length, (a), (b))
#else
#define FIND_S5(dsdt, a, b) find_s5((dsdt), (a), (b))
#endif

static const uint8_t *mem;
static uint64_t mem_len, mem_base;
static uint8_t zeros[128 * 1024];
static bool x2apic;

void *phys_to_virt(uint64_t pa)
{
	if (pa >= FOUR_GIB) {
		fprintf(stderr, "fuzz_acpi: read at %#llx, above the 4 GiB identity map\n",
			(unsigned long long)pa);
		abort();
	}
	if (pa >= mem_base)
		return (void *)(mem + (pa - mem_base));
	return zeros;
}

/* What the parsers call. The rest of kernel/smp.c (starting the APs) refers
 * to the kernel's paging, trampoline and APIC code, which is not linked: the
 * Makefile links this target with --warn-unresolved-symbols, so that those
 * references, never reached from here, need no stubs to keep in step. */
uint64_t bios_ebda_base(void) { return mem_len >= KiB ? mem_base : 0; }
uint32_t host_apic_max_id(void) { return x2apic ? UINT32_MAX : 0xFF; }

/* ---- checksum fix-up: only where the whole table lies in memory ---- */

static uint8_t *wmem;

static uint8_t *at(uint64_t pa, uint64_t len)
{
	if (pa < mem_base || pa >= FOUR_GIB || len > FOUR_GIB - pa)
		return NULL;
	return wmem + (pa - mem_base);
}

static void fix_sum(uint8_t *p, size_t len, size_t sum_off)
{
	uint8_t s = 0;

	p[sum_off] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[sum_off] = (uint8_t)-s;
}

static void fix_table(uint64_t pa)
{
	uint8_t *h = at(pa, sizeof(struct acpi_sdt_header));
	uint32_t len;

	if (!h)
		return;
	memcpy(&len, h + 4, 4);
	if (len >= sizeof(struct acpi_sdt_header) && at(pa, len))
		fix_sum(h, len, 9);
}

static void fix_checksums(uint64_t rsdp_pa)
{
	struct acpi_rsdp *r = (struct acpi_rsdp *)at(rsdp_pa, sizeof(*r));

	if (r) {
		fix_sum((uint8_t *)r, 20, 8);
		if (r->revision >= 2)
			fix_sum((uint8_t *)r, sizeof(*r), 32);
		bool wide = r->revision >= 2 && r->xsdt_address;
		uint64_t root_pa = wide ? r->xsdt_address : r->rsdt_address;
		uint8_t *root = at(root_pa, sizeof(struct acpi_sdt_header));
		uint32_t len = 0;
		if (root)
			memcpy(&len, root + 4, 4);
		size_t es = wide ? 8 : 4;
		if (root && len >= sizeof(struct acpi_sdt_header) && at(root_pa, len)) {
			for (size_t i = 0; i < (len - sizeof(struct acpi_sdt_header)) / es; i++) {
				uint64_t t = 0;
				memcpy(&t, root + sizeof(struct acpi_sdt_header) + i * es, es);
				uint8_t *th = at(t, sizeof(struct acpi_sdt_header));
				if (th && !memcmp(th, "FACP", 4)) {
					uint32_t tl = 0, d32 = 0;
					uint64_t d64 = 0;
					memcpy(&tl, th + 4, 4);
					if (tl >= FADT_DSDT + 4 && at(t, FADT_DSDT + 4))
						memcpy(&d32, th + FADT_DSDT, 4);
					if (tl >= FADT_X_DSDT + 8 && at(t, FADT_X_DSDT + 8))
						memcpy(&d64, th + FADT_X_DSDT, 8);
					fix_table(d64 ? d64 : d32);
				}
				fix_table(t);
			}
			fix_sum(root, len, 9);
		}
	}
	/* MP: a floating pointer in the first KiB (the EBDA), and its table */
	for (uint64_t a = mem_base; a + MP_FLOATING_LEN <= mem_base + MIN(mem_len, KiB); a += 16) {
		uint8_t *fp = at(a, MP_FLOATING_LEN);
		if (!fp || memcmp(fp, MP_FLOATING_SIG, 4))
			continue;
		fix_sum(fp, MP_FLOATING_LEN, 10);
		uint32_t cfg_pa;
		uint16_t clen;
		memcpy(&cfg_pa, fp + 4, 4);
		uint8_t *cfg = at(cfg_pa, MP_CONFIG_HDR_LEN);
		if (cfg) {
			memcpy(&clen, cfg + 4, 2);
			if (clen >= MP_CONFIG_HDR_LEN && at(cfg_pa, clen))
				fix_sum(cfg, clen, 7);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned ctl = (unsigned)fuzz_take(&in, 1);
	uint32_t bsp = (uint32_t)fuzz_take(&in, 1);
	uint64_t rsdp_off = fuzz_take(&in, 2) * 16;
	struct cpu_list l;

	(void)fuzz_take(&in, 4);
	if (in.left < 16)
		return 0;
	x2apic = ctl & 2;
	mem_len = in.left;
	mem_base = FOUR_GIB - mem_len;
	wmem = malloc(mem_len);
	memcpy(wmem, in.p, mem_len);
	mem = wmem;
	if (ctl & 1)
		fix_checksums(mem_base + rsdp_off);

	rsdp = NULL;
	if (rsdp_off + sizeof(struct acpi_rsdp) <= mem_len)
		rsdp = rsdp_at(mem_base + rsdp_off);

	/* what acpi_poweroff reads before it touches a port */
	const struct acpi_sdt_header *fadt = acpi_find_table("FACP");
	if (fadt) {
		const struct acpi_sdt_header *dsdt = fadt_dsdt(fadt);
		uint8_t typa, typb;
		if (dsdt) {
			/* the DSDT alone, in a buffer of exactly its length */
			uint8_t *copy = malloc(dsdt->length);
			memcpy(copy, dsdt, dsdt->length);
			(void)FIND_S5((const struct acpi_sdt_header *)copy, &typa, &typb);
			free(copy);
		}
		(void)fadt_u32(fadt, FADT_PM1A_CNT_BLK);
		(void)fadt_u32(fadt, FADT_PM1B_CNT_BLK);
	}
	(void)madt_cpus(&l, bsp);
	(void)mp_cpus(&l, bsp);
	free(wmem);
	return 0;
}
