/*
 * guest/lib/report.h - kvm-unit-tests style test reporting and the end of a run.
 *
 * Context: guest, any CPU (prefixes: see report.c).
 * Output, one line each:
 *     PASS: [prefix: ]name       report(true, ...)
 *     FAIL: [prefix: ]name       report(false, ...)
 *     SKIP: [prefix: ]name       report_skip(...)
 *     INFO: text                 report_info(...)
 *     SUMMARY: N tests, M unexpected failures, K skipped     (N counts skips too)
 *     RESULT: PASS | RESULT: FAIL                            exit()
 * Under chronovisor every PASS/FAIL/SKIP also goes to the hypervisor as an
 * HC_REPORT hypercall (name without the "PASS: " part, at most HC_NAME_MAX
 * bytes), so it can count results itself.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdbool.h>

#include "guest/lib/printf.h"

#define EXIT_CODE_PASS 0
#define EXIT_CODE_FAIL 1
#define EXIT_CODE_SKIP 77     /* "skipped", as automake and kvm-unit-tests use it */

/* Returns pass, so a test can write: if (!report(x == 1, "x")) ... */
bool report(bool pass, const char *fmt, ...) GUEST_PRINTF(2, 3);
void report_skip(const char *fmt, ...) GUEST_PRINTF(1, 2);
void report_info(const char *fmt, ...) GUEST_PRINTF(1, 2);
/* Name prefixes, nested: "PASS: a: b: name". */
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);

/* Prints SUMMARY, then exit(0) with no failures, exit(1) otherwise. */
__attribute__((noreturn)) void report_summary(void);
/* Counts one failure named by fmt, then report_summary(): for fatal errors. */
__attribute__((noreturn)) void report_abort(const char *fmt, ...) GUEST_PRINTF(1, 2);

/*
 * Ends the run: flushes COM1, prints "RESULT: PASS" (code 0) or "RESULT: FAIL",
 * writes code to isa-debug-exit (port 0xF4: QEMU exits with (code << 1) | 1,
 * chronovisor ends the VM the same way), then "Shutdown" to port 0x8900
 * (bare Bochs, where 0xF4 is nothing), then halts for good.
 */
__attribute__((noreturn)) void exit(int code);

#endif
