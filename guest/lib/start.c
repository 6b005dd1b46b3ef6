/*
 * guest/lib/start.c - from guest/lib/entry.asm to the test's main().
 *
 * Context: guest, 64-bit mode, identity paging of the first 4 GiB, IF = 0,
 * called once on the boot CPU.
 */
#include <stdint.h>

#include "guest/lib/args.h"
#include "guest/lib/console.h"
#include "guest/lib/hyper.h"
#include "guest/lib/multiboot.h"
#include "guest/lib/report.h"
#include "guest/lib/trap.h"

/* The test program's entry; what it returns goes to exit(). */
int main(int argc, char **argv);
__attribute__((noreturn)) void guest_start(uint32_t magic, uint32_t mbi);

void guest_start(uint32_t magic, uint32_t mbi)
{
	char **argv;
	int argc;

	trap_init();                       /* first: everything after may fault */
	mb_init(magic, mbi);
	console_init(!on_chronovisor());   /* see guest/lib/console.h on port 0xE9 */
	argc = args_init(mb_cmdline(), &argv);

	/* hv=1 / hv=0: the harness says where this run must be; a guest that
	 * fails to detect chronovisor would otherwise just skip its checks. */
	const char *hv = arg_get("hv");
	if (hv)
		report(on_chronovisor() == (hv[0] == '1'), "hv=%s: %s", hv,
		       on_chronovisor() ? "running under chronovisor" : "running bare");
	exit(main(argc, argv));
}
