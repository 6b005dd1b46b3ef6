/*
 * guest/lib/emu.c - recognising chronovisor, QEMU and Bochs (see emu.h).
 *
 * Context: guest, 64-bit mode, low 1 MiB identity-mapped (entry.asm).
 */
#include <stddef.h>
#include <stdint.h>

#include "guest/lib/emu.h"
#include "guest/lib/hyper.h"
#include "guest/lib/string.h"
#include "guest/lib/x86.h"

#define FW_CFG_PORT_SEL      0x510
#define FW_CFG_PORT_DATA     0x511
#define FW_CFG_SIGNATURE     0x0000
#define BIOS_AREA_START      0xE0000
#define BIOS_AREA_END        0x100000

static const char bochs_mark[] = "The Bochs Project";

static int cached = -1;

static bool fw_cfg_is_qemu(void)
{
	char sig[4];

	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (unsigned i = 0; i < sizeof(sig); i++)
		sig[i] = (char)inb(FW_CFG_PORT_DATA);
	return memcmp(sig, "QEMU", 4) == 0;
}

static bool bios_is_bochs(void)
{
	const char *p = (const char *)BIOS_AREA_START;
	size_t n = sizeof(bochs_mark) - 1;

	for (; p + n <= (const char *)BIOS_AREA_END; p++)
		if (*p == bochs_mark[0] && memcmp(p, bochs_mark, n) == 0)
			return true;
	return false;
}

enum platform platform(void)
{
	if (cached < 0) {
		if (on_chronovisor())
			cached = PLATFORM_CHRONOVISOR;
		else if (fw_cfg_is_qemu())
			cached = PLATFORM_QEMU;
		else if (bios_is_bochs())
			cached = PLATFORM_BOCHS;
		else
			cached = PLATFORM_OTHER;
	}
	return (enum platform)cached;
}

const char *platform_name(void)
{
	static const char *const names[] = {
		[PLATFORM_OTHER] = "bare", [PLATFORM_CHRONOVISOR] = "chronovisor",
		[PLATFORM_QEMU] = "bare QEMU", [PLATFORM_BOCHS] = "bare Bochs",
	};

	return names[platform()];
}
