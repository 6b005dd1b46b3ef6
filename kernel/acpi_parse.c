/*
 * kernel/acpi_parse.c - the bounds-checked parts of ACPI table reading
 * (contract in kernel/acpi_parse.h).
 *
 * Context: any; pure C over a byte buffer, no hardware access, unit-tested on
 * the host (tests/unit/test_acpi_parse.c). The tables come from firmware and
 * are not trusted: every byte read lies inside the table's own length, and a
 * table must lie wholly below the end of the identity map.
 * AML encodings: ACPI Specification, "AML Specification", "Package
 * Length Encoding" (PkgLength: bits 7:6 of the lead byte count 0-3 more
 * bytes) and "Data Objects Encoding" (ZeroOp, OneOp, BytePrefix).
 */
#include "kernel/acpi_parse.h"

#define AML_PACKAGE_OP       0x12
#define AML_ZERO_OP          0x00
#define AML_ONE_OP           0x01
#define AML_BYTE_PREFIX      0x0A
#define SDT_HEADER_LEN       36

bool acpi_table_span_ok(uint64_t addr, uint64_t len, uint64_t limit)
{
	return addr != 0 && addr < limit && len <= limit - addr;
}

/* One SLP_TYP value at p[*i] (ZeroOp, OneOp or BytePrefix n); false when
 * it is another object or runs past len. */
static bool s5_value(const uint8_t *p, uint32_t len, uint32_t *i, uint8_t *out)
{
	if (*i >= len)
		return false;
	if (p[*i] == AML_ZERO_OP || p[*i] == AML_ONE_OP) {
		*out = p[(*i)++];
		return true;
	}
	if (p[*i] == AML_BYTE_PREFIX && *i + 1 < len) {
		*out = p[*i + 1];
		*i += 2;
		return true;
	}
	return false;
}

bool acpi_find_s5(const uint8_t *p, uint32_t len, uint8_t *typa, uint8_t *typb)
{
	/* "_S5_" PackageOp PkgLength NumElements value value: at least 9 bytes */
	for (uint32_t i = SDT_HEADER_LEN; len >= 4 && i <= len - 4; i++) {
		if (p[i] != '_' || p[i + 1] != 'S' || p[i + 2] != '5' || p[i + 3] != '_')
			continue;
		uint32_t j = i + 4;
		if (j >= len || p[j] != AML_PACKAGE_OP)
			continue;
		j++;
		if (j >= len)
			return false;
		j += 1 + (p[j] >> 6);   /* PkgLength */
		j++;                    /* NumElements */
		if (j >= len)
			return false;
		uint8_t a, b;
		if (!s5_value(p, len, &j, &a) || !s5_value(p, len, &j, &b))
			return false;
		*typa = a;
		*typb = b;
		return true;
	}
	return false;
}
