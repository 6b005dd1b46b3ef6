/*
 * guest/lib/emu.h - what the guest runs on, for naming emulator deviations.
 *
 * Context: guest, 64-bit mode, any CPU (the answer is computed once, on the
 * first call; make that call before starting APs).
 * A check whose result the SDM fixes but an emulator gets wrong SKIPs there,
 * naming the emulator, instead of failing: the same binary still proves the
 * rule under chronovisor (tsc.c and apic.c do this). Detection:
 *   chronovisor   on_chronovisor() (guest/lib/hyper.h);
 *   QEMU          fw_cfg (port 0x510) answers "QEMU" and it is not chronovisor
 *                 (which answers too): bare QEMU, TCG or KVM;
 *   Bochs         "The Bochs Project" in its BIOS ROM (0xE0000-0xFFFFF);
 *   other         none of these: real hardware, or another hypervisor.
 */
#ifndef GUEST_EMU_H
#define GUEST_EMU_H

enum platform {
	PLATFORM_OTHER,
	PLATFORM_CHRONOVISOR,
	PLATFORM_QEMU,
	PLATFORM_BOCHS,
};

enum platform platform(void);
/* "chronovisor", "bare QEMU", "bare Bochs", "bare" */
const char *platform_name(void);

#endif
