/*
 * kernel/rtc.h - the wall clock of the PC's CMOS real-time clock.
 *
 * Context: kernel, boot pCPU or one pCPU at a time. Resolution: 1 second.
 */
#ifndef CV_RTC_H
#define CV_RTC_H

#include "lib/types.h"

/* Seconds since 1970-01-01 00:00:00 as the RTC reads it (its time zone is
 * whatever the firmware set), or 0 if it cannot be read consistently. */
uint64_t rtc_unix_seconds(void);

/* Pure: the date the RTC registers give (binary, 4-digit year), as Unix seconds. */
uint64_t rtc_to_unix(unsigned year, unsigned mon, unsigned day, unsigned h, unsigned m, unsigned s);

#endif
