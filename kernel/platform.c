/*
 * kernel/platform.c - verdict line and power-off, for emulators and real machines.
 *
 * Context: kernel, the pCPU ending the run, interrupts off.
 * Order: isa-debug-exit (QEMU test device; gives QEMU an exit status), the
 * Bochs shutdown port, then ACPI S5 (Bochs, QEMU, real machines). The two
 * emulator ports are only touched when the firmware is an emulator's (ACPI
 * OEM ID "BOCHS ", which Bochs' BIOS and QEMU's SeaBIOS both use) or when no
 * ACPI exists at all; on real hardware nothing but ACPI is written.
 */
#include "kernel/platform.h"
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/string.h"

#define ISA_DEBUG_EXIT_PORT  0xF4     /* QEMU -device isa-debug-exit,iobase=0xf4 */
#define BOCHS_SHUTDOWN_PORT  0x8900   /* write "Shutdown" to end Bochs */

static const char *const verdict_names[] = {
	[VERDICT_PASS] = "PASS",
	[VERDICT_FAIL] = "FAIL",
	[VERDICT_NOVMX] = "NOVMX",
};

const char *verdict_name(enum verdict v)
{
	return (unsigned)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "?";
}

static bool on_emulator(void)
{
	const char *oem = acpi_oem_id();
	return oem[0] == '\0' || memcmp(oem, "BOCHS", 5) == 0;
}

void platform_finish(enum verdict v)
{
	static volatile int finishing;

	cli();
	/* A fault during shutdown must not print a second verdict. */
	if (__atomic_exchange_n(&finishing, 1, __ATOMIC_SEQ_CST) == 0)
		kprintf("RESULT: %s\n", verdict_name(v));
	console_flush();

	if (on_emulator()) {
		outb(ISA_DEBUG_EXIT_PORT, (uint8_t)v);
		for (const char *s = "Shutdown"; *s; s++)
			outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	}
	acpi_poweroff();

	kprintf("[hv] could not power off: halted. It is safe to switch the machine off.\n");
	console_flush();
	cpu_halt_forever();
}
