/*
 * guest/hello.c - the smallest test guest: greeting, command line, a few checks.
 *
 * Context: test guest (bare on QEMU or Bochs, or under chronovisor).
 * Arguments (all optional):
 *   expect=WORD      checks that the argument parser returns WORD for "expect"
 *                    and that "expect=WORD" is in the raw command line
 *   crash=ud|gp|pf   ends with an unexpected exception after the checks, to
 *                    test the failure path (the run must end with RESULT: FAIL)
 *   crash=hlt        parks for good after the checks (CLI; HLT, no verdict): under
 *                    chronovisor the scheduler must find the VM stuck and end it
 */
#include "guest/lib/guest.h"

static void crash(const char *how)
{
	if (!how)
		return;
	printf("hello: crashing on purpose (crash=%s)\n", how);
	if (strcmp(how, "ud") == 0)
		asm volatile("ud2");
	else if (strcmp(how, "gp") == 0)
		(void)*(volatile uint64_t *)0x8000000000000000ull;  /* non-canonical: #GP */
	else if (strcmp(how, "pf") == 0)
		(void)*(volatile uint64_t *)0x100000000000ull;   /* not mapped: #PF */
	else if (strcmp(how, "hlt") == 0)
		halt_forever();                               /* CLI; HLT: nothing wakes it */
	report(false, "crash=%s did not crash", how);
}

int main(int argc, char **argv)
{
	const char *expect = arg_get("expect");

	printf("hello from the chronovisor test guest (%s)\n",
	       on_chronovisor() ? "under chronovisor" : "bare");
	printf("hello: command line \"%s\"\n", args_cmdline());
	for (int i = 0; i < argc; i++)
		printf("hello: argv[%d] = \"%s\"\n", i, argv[i]);

	report(true, "hello");
	report(mb_magic() == MULTIBOOT_BOOTLOADER_MAGIC, "multiboot magic %#x", mb_magic());
	report(mb_info() && (mb_info()->flags & MBI_FLAG_MEM), "multiboot memory info");
	report(argv[argc] == NULL, "argv ends with NULL");

	if (expect) {
		char want[ARGS_CMDLINE_MAX];

		snprintf(want, sizeof(want), "expect=%s", expect);
		report(*expect && strstr(args_cmdline(), want), "expect=%s in the command line", expect);
	} else {
		report_skip("expect=WORD (not given)");
	}

	crash(arg_get("crash"));
	if (arg_has("exit")) {
		/* exit=N: end with isa-debug-exit value N (77: skipped) */
		printf("hello: exit=%ld given: ending with it\n", arg_get_int("exit", 0));
		exit((int)arg_get_int("exit", 0));
	}
	report_summary();
}
