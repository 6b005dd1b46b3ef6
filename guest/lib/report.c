/*
 * guest/lib/report.c - PASS/FAIL/SKIP lines, the summary and exit().
 *
 * Context: guest, any CPU. The counters are atomic and each line is written
 * whole (guest/lib/console.c), so CPUs started by smp_start may report at
 * once. The prefix stack is global: push and pop it only while no other CPU
 * reports (e.g. before smp_start or after smp_wait_all).
 * Format as kvm-unit-tests' lib/report.c prints it, so the same scripts read both.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/lib/console.h"
#include "guest/lib/hyper.h"
#include "guest/lib/report.h"
#include "guest/lib/string.h"
#include "guest/lib/x86.h"

#define ISA_DEBUG_EXIT_PORT  0xF4     /* QEMU -device isa-debug-exit,iobase=0xf4 */
#define BOCHS_SHUTDOWN_PORT  0x8900   /* Bochs ends on the string "Shutdown" */

#define PREFIX_MAX  128
#define PREFIX_DEPTH 8
#define LINE_MAX    256

static unsigned tests, failures, skipped;
static char prefix[PREFIX_MAX];       /* "a: b: ", kept with its trailing ": " */
static size_t prefix_len[PREFIX_DEPTH];  /* strlen(prefix) before each push */
static unsigned prefix_depth;

/* Pushes beyond PREFIX_DEPTH are counted but not shown, so pops stay paired. */
void report_prefix_push(const char *p)
{
	size_t n = strlen(prefix);

	if (prefix_depth < PREFIX_DEPTH) {
		prefix_len[prefix_depth] = n;
		snprintf(prefix + n, sizeof(prefix) - n, "%s: ", p);
	}
	prefix_depth++;
}

void report_prefix_pop(void)
{
	if (prefix_depth == 0)
		return;
	if (--prefix_depth < PREFIX_DEPTH)
		prefix[prefix_len[prefix_depth]] = '\0';
}

static void va_report(enum hc_report_kind kind, const char *fmt, va_list ap)
{
	static const char *const tags[] = {
		[HC_REPORT_FAIL] = "FAIL", [HC_REPORT_PASS] = "PASS", [HC_REPORT_SKIP] = "SKIP",
	};
	char name[LINE_MAX];
	size_t n = strlen(prefix);

	memcpy(name, prefix, n + 1);
	vsnprintf(name + n, sizeof(name) - n, fmt, ap);

	__atomic_fetch_add(&tests, 1, __ATOMIC_RELAXED);
	if (kind == HC_REPORT_FAIL)
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	if (kind == HC_REPORT_SKIP)
		__atomic_fetch_add(&skipped, 1, __ATOMIC_RELAXED);
	printf("%s: %s\n", tags[kind], name);

	n = strlen(name);
	hc_report(kind, name, n < HC_NAME_MAX ? n : HC_NAME_MAX);
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	va_report(pass ? HC_REPORT_PASS : HC_REPORT_FAIL, fmt, ap);
	va_end(ap);
	return pass;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	va_report(HC_REPORT_SKIP, fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	printf("INFO: %s", prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void report_summary(void)
{
	unsigned t = __atomic_load_n(&tests, __ATOMIC_ACQUIRE);
	unsigned f = __atomic_load_n(&failures, __ATOMIC_ACQUIRE);
	unsigned s = __atomic_load_n(&skipped, __ATOMIC_ACQUIRE);

	printf("SUMMARY: %u tests, %u unexpected failures, %u skipped\n", t, f, s);
	exit(f ? EXIT_CODE_FAIL : EXIT_CODE_PASS);
}

void report_abort(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	va_report(HC_REPORT_FAIL, fmt, ap);
	va_end(ap);
	report_summary();
}

void exit(int code)
{
	static volatile int exiting;

	cli();
	/* A fault inside exit must not print a second verdict. */
	if (__atomic_exchange_n(&exiting, 1, __ATOMIC_SEQ_CST) == 0)
		printf("RESULT: %s\n", code == EXIT_CODE_PASS ? "PASS"
		       : code == EXIT_CODE_SKIP ? "SKIP" : "FAIL");
	console_flush();

	outb(ISA_DEBUG_EXIT_PORT, (uint8_t)code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	halt_forever();
}
