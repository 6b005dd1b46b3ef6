/*
 * kernel/acpi_parse.h - bounds-checked ACPI table reading, shared by
 * kernel/acpi.c and the host unit tests.
 *
 * Context: any (plain C, no hardware access).
 */
#ifndef CV_ACPI_PARSE_H
#define CV_ACPI_PARSE_H

#include "lib/types.h"

/* Does a table of len bytes at physical addr lie wholly in [1, limit)?
 * (limit: the end of what the hypervisor maps, 4 GiB.) */
bool acpi_table_span_ok(uint64_t addr, uint64_t len, uint64_t limit);

/* Find the "_S5_" package in a DSDT of len bytes (p[0..len) is the whole
 * table, header included) and decode its first two elements, SLP_TYPa and
 * SLP_TYPb. Never reads at or past p[len]; false when there is no _S5_
 * package or it is cut short. */
bool acpi_find_s5(const uint8_t *p, uint32_t len, uint8_t *typa, uint8_t *typb);

#endif
