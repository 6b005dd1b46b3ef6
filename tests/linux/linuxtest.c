/*
 * tests/linux/linuxtest.c - the Linux guest's test program (/bin/linuxtest in
 * the initramfs, started by tests/linux/init): does an unmodified Linux keep
 * the TSC as its clocksource, and do user-space TSC and CLOCK_MONOTONIC
 * readings stay monotonic across CPUs, while chronovisor moves the vCPUs
 * between skewed pCPUs?
 *
 * Context: Linux user space, root, static (gcc -static -pthread), as /init's
 * child. Output goes straight to COM1 (ioperm, polling the LSR), so it needs
 * no tty; the verdict leaves through isa-debug-exit (port 0xF4): 0 = PASS
 * (QEMU/chronovisor status 1), 1 = FAIL. Without port access (run on a
 * host to try it) it prints to stdout and exits 0/1. Built by
 * scripts/fetch-linux.
 *
 * Settings (Linux hands unknown key=value kernel parameters to init as
 * environment variables, so they go on the guest's command line):
 *   ltexpect=pass     (default) every check must pass
 *   ltexpect=caught   negative control: PASS only if some TSC check fails,
 *                     i.e. Linux or this program caught the broken TSC
 *   ltexpect=any      the checks are reported, the verdict is PASS whatever
 *                     they say (make bench's bare boot on Bochs, a platform
 *                     with no TSC rate in CPUID: only its boot time counts)
 *   ltsleeps=N        nanosleep(100 us) loops per CPU (default 10000)
 *   ltwarp=N          warp-test rounds per CPU (default 20000)
 *   ltshell=1         after the checks, start a busybox shell instead of ending
 * Checks (one PASS:/FAIL: line each, then "N passed, N failed"):
 *   clocksource       /sys/.../current_clocksource is "tsc"
 *   no-unstable       the kernel log has no "Marking TSC unstable"
 *   no-sync-warp      the kernel log has no boot-time warp report from
 *                     arch/x86/kernel/tsc_sync.c ("TSC warp between CPUs", or
 *                     "TSC ADJUST compensate: CPUn observed N warp")
 *   warp              threads pinned one per CPU take turns (CPU 0, 1, ..., 0)
 *                     and, under a lock, compare RDTSC and CLOCK_MONOTONIC with
 *                     the previous holder's readings: 0 warps, and the lock
 *                     changed CPUs
 *   sleep             on every CPU: t1 = rdtsc; nanosleep(100 us); t2 = rdtsc,
 *                     never t2 < t1, always t2 - t1 >= 100 us of TSC ticks
 *   monotonic         CLOCK_MONOTONIC never stepped back in any of the above
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>
#include <x86intrin.h>

#define COM1            0x3F8
#define COM1_LSR        (COM1 + 5)
#define LSR_THRE        0x20
#define DEBUG_EXIT      0xF4
#define SLEEP_NS        100000L
#define MAX_CPUS        64
#define KLOG_MAX        (1 << 20)

static int npass, nfail;
static int on_stdout;      /* no port access (not root, not the guest): print, exit status */

static void com1_putc(char c)
{
	while (!(inb(COM1_LSR) & LSR_THRE))
		;
	outb((unsigned char)c, COM1);
}

static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (on_stdout) {
		fputs(buf, stdout);
		fflush(stdout);
		return;
	}
	for (const char *p = buf; *p; p++) {
		if (*p == '\n')
			com1_putc('\r');
		com1_putc(*p);
	}
}

static void check(int ok, const char *name, const char *fmt, ...)
{
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (ok) {
		npass++;
		say("linuxtest: PASS: %s (%s)\n", name, why);
	} else {
		nfail++;
		say("linuxtest: FAIL: %s (%s)\n", name, why);
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long env_num(const char *key, long def)
{
	const char *v = getenv(key);
	return v && *v ? strtol(v, NULL, 0) : def;
}

/* The TSC rate the (virtual) CPU states: CPUID 0x15 (crystal Hz * EBX / EAX),
 * else the hypervisor leaf 0x40000010 (kHz), else 0. */
static uint64_t tsc_hz(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid_max(0, NULL) >= 0x15) {
		__cpuid_count(0x15, 0, a, b, c, d);
		if (a && b && c)
			return (uint64_t)c * b / a;
	}
	__cpuid(0x40000000, a, b, c, d);
	if (a >= 0x40000010) {
		__cpuid(0x40000010, a, b, c, d);
		return (uint64_t)a * 1000;
	}
	return 0;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* ---- the kernel log ---- */

static char *klog;

static void read_klog(void)
{
	klog = calloc(1, KLOG_MAX + 1);
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, klog, KLOG_MAX);
	if (n < 0)
		n = 0;
	klog[n] = '\0';
}

/* Print every kernel line containing any of the words; count those with bad. */
static int klog_lines(const char *const *words, const char *bad)
{
	int nbad = 0;
	char *p = klog;

	while (*p) {
		char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char line[400];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		for (const char *const *w = words; *w; w++)
			if (strstr(line, *w)) {
				say("linuxtest: kernel: %s\n", line);
				break;
			}
		if (bad && strstr(line, bad))
			nbad++;
		p += len + (e ? 1 : 0);
	}
	return nbad;
}

/* ---- the cross-CPU warp test ---- */

static volatile int lock_word;
static uint64_t last_tsc, last_mono;
static int last_cpu = -1;
static uint64_t warps, mono_back, handoffs, max_warp;
static long warp_rounds;
static int warp_ncpu;
static volatile int ready, turn;

static void lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

/* Each round: wait for this CPU's turn (the CPUs take turns, so every
 * round hands the lock to another CPU), then, under the lock, read RDTSC
 * and CLOCK_MONOTONIC and compare them with the previous holder's. */
static void *warp_thread(void *arg)
{
	int cpu = (int)(long)arg;

	if (pin(cpu))
		return (void *)1;
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < warp_ncpu)
		__builtin_ia32_pause();
	for (long i = 0; i < warp_rounds; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != cpu)
			__builtin_ia32_pause();
		lock();
		uint64_t t = __rdtsc();
		uint64_t m = mono_ns();
		if (last_cpu >= 0) {
			if (t < last_tsc) {
				warps++;
				if (last_tsc - t > max_warp)
					max_warp = last_tsc - t;
			}
			if (m < last_mono)
				mono_back++;
			if (last_cpu != cpu)
				handoffs++;
		}
		last_tsc = t;
		last_mono = m;
		last_cpu = cpu;
		unlock();
		__atomic_store_n(&turn, (cpu + 1) % warp_ncpu, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* ---- the seed's sleep loop ---- */

struct sleep_result {
	int cpu;
	long loops, backward, short_sleeps, mono_back;
	uint64_t min_delta, max_delta;
	int pin_failed;
};

static long sleep_loops;
static uint64_t sleep_min_ticks;

static void *sleep_thread(void *arg)
{
	struct sleep_result *r = arg;
	struct timespec req = { 0, SLEEP_NS };

	r->min_delta = UINT64_MAX;
	if (pin(r->cpu)) {
		r->pin_failed = 1;
		return NULL;
	}
	uint64_t m0 = mono_ns();
	for (long i = 0; i < sleep_loops; i++) {
		uint64_t t1 = __rdtsc();
		nanosleep(&req, NULL);
		uint64_t t2 = __rdtsc();
		uint64_t m1 = mono_ns();
		if (m1 < m0)
			r->mono_back++;
		m0 = m1;
		if (t2 < t1) {
			r->backward++;
			continue;
		}
		uint64_t d = t2 - t1;
		if (d < sleep_min_ticks)
			r->short_sleeps++;
		if (d < r->min_delta)
			r->min_delta = d;
		if (d > r->max_delta)
			r->max_delta = d;
		r->loops++;
	}
	return NULL;
}

/* TSC when the first line was printed (make bench: boot time) */
static uint64_t first_line_tsc;

static void finish(int verdict_pass)
{
	/* make bench (tests/bench/run, scenario linux): this CPU's TSC at the
	 * first line and now; under chronovisor the guest TSC counts from 0 at
	 * the VM's creation, bare from the machine's reset */
	say("bench: linux_first_line_tsc=%lu linux_end_tsc=%lu\n",
	    (unsigned long)first_line_tsc, (unsigned long)__rdtsc());
	say("linuxtest: %d passed, %d failed\n", npass, nfail);
	say("linuxtest: verdict %s\n", verdict_pass ? "PASS" : "FAIL");
	/* the line cvrun looks for in a bare run (under chronovisor it is the
	 * VM's own line, "[vm0] RESULT: ...", and the hypervisor has its own) */
	say("RESULT: %s\n", verdict_pass ? "PASS" : "FAIL");
	if (getenv("ltshell") && atoi(getenv("ltshell"))) {
		say("linuxtest: starting a shell (busybox sh) on /dev/console\n");
		execl("/bin/sh", "sh", NULL);
	}
	if (!on_stdout)
		outb(verdict_pass ? 0 : 1, DEBUG_EXIT);
	_exit(verdict_pass ? 0 : 1);
}

int main(void)
{
	/* In the guest: COM1 and isa-debug-exit. Elsewhere (a host, for a
	 * try): standard output and the exit status. */
	on_stdout = ioperm(COM1, 8, 1) || ioperm(DEBUG_EXIT, 1, 1);
	/* let /init's console output (ttyS0, drained by a timer) finish
	 * before this program writes to the same UART */
	if (!on_stdout)
		tcdrain(STDOUT_FILENO);
	const char *expect = getenv("ltexpect") ? getenv("ltexpect") : "pass";
	int want_caught = !strcmp(expect, "caught");
	warp_rounds = env_num("ltwarp", 20000);
	sleep_loops = env_num("ltsleeps", 10000);
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1 || ncpu > MAX_CPUS)
		ncpu = 1;
	uint64_t hz = tsc_hz();
	sleep_min_ticks = hz * SLEEP_NS / 1000000000ULL;
	first_line_tsc = __rdtsc();
	say("linuxtest: start: %d CPU(s) online, TSC %lu Hz by CPUID, ltexpect=%s, "
	    "%ld warp rounds and %ld sleeps per CPU\n", ncpu, (unsigned long)hz, expect,
	    warp_rounds, sleep_loops);

	/* 1. the clocksource and the kernel's own TSC lines */
	char cs[64] = "";
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, cs, sizeof(cs) - 1);
		cs[n > 0 ? n : 0] = '\0';
		cs[strcspn(cs, "\n")] = '\0';
		close(fd);
	}
	read_klog();
	static const char *const tsc_words[] = { "tsc:", "TSC", "clocksource:", "smpboot: Total",
						 "x86: Booted", NULL };
	klog_lines(tsc_words, NULL);
	static const char *const none[] = { NULL };
	int unstable = klog_lines(none, "Marking TSC unstable");
	/* tsc_sync.c's two reports: a warp it gave up on, and one it fixed by
	 * writing TSC_ADJUST ("TSC ADJUST compensate: CPU1 observed N warp") */
	int syncwarp = klog_lines(none, "TSC warp between CPUs") + klog_lines(none, "warp. Adjust:");
	int tsc_fails = 0;
	int ok;

	ok = !strcmp(cs, "tsc");
	tsc_fails += !ok;
	check(ok, "clocksource", "current_clocksource is \"%s\"", cs);
	ok = unstable == 0;
	tsc_fails += !ok;
	check(ok, "no-unstable", "%d kernel line(s) \"Marking TSC unstable\"", unstable);
	ok = syncwarp == 0;
	tsc_fails += !ok;
	check(ok, "no-sync-warp", "%d kernel line(s) with a boot-time TSC warp report", syncwarp);

	/* 2. the cross-CPU warp test */
	pthread_t th[MAX_CPUS];
	warp_ncpu = ncpu;
	for (int c = 0; c < ncpu; c++)
		pthread_create(&th[c], NULL, warp_thread, (void *)(long)c);
	int pin_bad = 0;
	for (int c = 0; c < ncpu; c++) {
		void *rv;
		pthread_join(th[c], &rv);
		pin_bad |= rv != NULL;
	}
	ok = warps == 0 && !pin_bad && (ncpu == 1 || handoffs > 0);
	tsc_fails += warps != 0;
	check(ok, "warp", "%ld rounds on each of %d CPU(s): %lu TSC warps (largest %lu ticks), "
	      "%lu lock handoffs between CPUs%s", warp_rounds, ncpu, (unsigned long)warps,
	      (unsigned long)max_warp, (unsigned long)handoffs, pin_bad ? ", pinning FAILED" : "");

	/* 3. the seed's loop, on every CPU at once */
	struct sleep_result res[MAX_CPUS];
	memset(res, 0, sizeof(res));
	for (int c = 0; c < ncpu; c++) {
		res[c].cpu = c;
		pthread_create(&th[c], NULL, sleep_thread, &res[c]);
	}
	long back = 0, shorts = 0, mback = 0, loops = 0;
	uint64_t dmin = UINT64_MAX, dmax = 0;
	for (int c = 0; c < ncpu; c++) {
		pthread_join(th[c], NULL);
		back += res[c].backward;
		shorts += res[c].short_sleeps;
		mback += res[c].mono_back;
		loops += res[c].loops;
		pin_bad |= res[c].pin_failed;
		dmin = res[c].min_delta < dmin ? res[c].min_delta : dmin;
		dmax = res[c].max_delta > dmax ? res[c].max_delta : dmax;
	}
	ok = back == 0 && shorts == 0 && hz && !pin_bad;
	tsc_fails += back != 0 || shorts != 0;
	check(ok, "sleep", "%ld loops of nanosleep(100 us): %ld with t2 < t1, %ld shorter than "
	      "%lu ticks; delta min %lu max %lu ticks", loops + back, back, shorts,
	      (unsigned long)sleep_min_ticks, (unsigned long)(dmin == UINT64_MAX ? 0 : dmin),
	      (unsigned long)dmax);

	/* 4. CLOCK_MONOTONIC */
	ok = mono_back == 0 && mback == 0;
	tsc_fails += !ok;
	check(ok, "monotonic", "CLOCK_MONOTONIC stepped back %lu time(s) between CPUs, %ld "
	      "time(s) within a CPU", (unsigned long)mono_back, mback);

	if (!strcmp(expect, "any")) {
		say("linuxtest: ltexpect=any: %d check(s) failed, reported only\n", nfail);
		finish(1);
	}
	if (want_caught) {
		say("linuxtest: negative control: %d TSC check(s) failed: %s\n", tsc_fails,
		    tsc_fails ? "the broken TSC was caught, as expected" : "NOT caught");
		finish(tsc_fails > 0);
	}
	finish(nfail == 0);
	return 0;
}
