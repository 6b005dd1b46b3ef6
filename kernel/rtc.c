/*
 * kernel/rtc.c - read the CMOS real-time clock (MC146818: index port 0x70,
 * data 0x71; registers 0 seconds, 2 minutes, 4 hours, 7 day, 8 month, 9 year,
 * 0x32 century where present, 0x0A bit 7 update-in-progress, 0x0B bit 2
 * binary mode and bit 1 24-hour mode).
 */
#include "kernel/rtc.h"
#include "kernel/arch.h"

#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define NMI_OFF      0x80
#define REG_A_UIP    0x80
#define REG_B_BINARY 0x04
#define REG_B_24H    0x02
#define HOUR_PM      0x80

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static unsigned bcd(uint8_t v, bool binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0xF);
}

uint64_t rtc_to_unix(unsigned year, unsigned mon, unsigned day, unsigned h, unsigned m, unsigned s)
{
	/* days from 1970-01-01 to year-mon-day (proleptic Gregorian) */
	static const unsigned before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31)
		return 0;
	uint64_t y = year - 1970;
	uint64_t leaps = (year - 1 - 1968) / 4 - (year - 1 - 1900) / 100 + (year - 1 - 1600) / 400;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	uint64_t days = y * 365 + leaps + before[mon - 1] + (mon > 2 && leap) + day - 1;
	return days * 86400 + h * 3600ULL + m * 60ULL + s;
}

static void read_all(uint8_t r[7])
{
	while (cmos(0x0A) & REG_A_UIP)
		cpu_relax();
	r[0] = cmos(0x00); r[1] = cmos(0x02); r[2] = cmos(0x04); r[3] = cmos(0x07);
	r[4] = cmos(0x08); r[5] = cmos(0x09); r[6] = cmos(0x32);
}

uint64_t rtc_unix_seconds(void)
{
	uint8_t a[7], b[7];
	int tries = 0;

	do {              /* the same twice in a row: no update in between */
		read_all(a);
		read_all(b);
	} while ((a[0] != b[0] || a[1] != b[1] || a[2] != b[2]) && ++tries < 5);
	if (tries == 5)
		return 0;
	uint8_t regb = cmos(0x0B);
	bool binary = regb & REG_B_BINARY;
	unsigned hour = bcd(b[2] & ~HOUR_PM, binary);
	if (!(regb & REG_B_24H)) {
		hour %= 12;
		if (b[2] & HOUR_PM)
			hour += 12;
	}
	unsigned century = b[6] ? bcd(b[6], binary) : 20;
	if (century < 19 || century > 21)
		century = 20;
	unsigned year = century * 100 + bcd(b[5], binary);
	return rtc_to_unix(year, bcd(b[4], binary), bcd(b[3], binary), hour, bcd(b[1], binary),
			   bcd(b[0], binary));
}
