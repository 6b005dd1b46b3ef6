#!/bin/bash
# tests/emu/test_uefi.sh - the hybrid BIOS+UEFI ISO and the Multiboot2 path.
#
# One ISO built as `make iso` builds it (scripts/mkiso --menu: GRUB for BIOS and UEFI, the
# multiboot2 menu), with a guest added and a 1 s menu timeout, boots:
#   - under UEFI: QEMU TCG with OVMF (Debian package ovmf). GRUB's multiboot2 hands over the
#     EFI memory map, the RSDP (tags 14/15) and the GOP framebuffer; the run must reach the
#     capability report and RESULT: NOVMX (TCG has no VMX), with the RSDP from Multiboot2. An
#     extra SPCR table (-acpitable) names COM2 (0x2F8) as the firmware's serial console: the
#     console must appear there too, the early lines replayed. QEMU's screen dump, taken
#     when the verdict comes (cvrun --screendump), must show the verdict line drawn with our
#     font on the framebuffer (tests/emu/fbcheck.c; its control: a line that is not there).
#   - under BIOS: Bochs, the default (multiboot2) entry: PASS with the hello guest under
#     chronovisor, VGA text from the EGA text framebuffer tag, RSDP from tag 14.
# Negative controls:
#   - the same hybrid ISO built with the Multiboot1 `multiboot` command (scripts/mkiso without
#     --menu), booted under UEFI with the same SPCR table: no RSDP anywhere (UEFI has none in
#     the BIOS area), which is what the Multiboot2 path is for; so no ACPI, no SPCR, and
#     nothing of chronovisor's on COM2; no framebuffer tag, so no screen either.
#   - the menu ISO with its Multiboot1 entry as default, booted by Bochs BIOS: PASS through the
#     Multiboot1 header (BIOS boots through either header), and no Multiboot2 line.
#   - the menu ISO with its serial-console entry (console=serial) as default, under OVMF: the
#     screen dump shows the line that stops the screen, and not the verdict that came after it
#     on the serial port (the screen check's negative control).
# The parser's own negative controls (each corrupt tag refused) are in tests/unit/test_multiboot2.c.
#
# Usual times on 2 idle cores: OVMF boot to verdict 15-20 s (30 s on busy cores), Bochs 15-25 s;
# the suite 80-90 s.
# At most one QEMU and one Bochs run at a time. Timeouts >= 5x the usual time.

source "$(dirname "$0")/lib.sh"

QEMU_T=180
BOCHS_T=150
dir=$TEST_LOGROOT
mkdir -p "$dir"

if [[ ! -f /usr/share/ovmf/OVMF.fd && ! -f /usr/share/OVMF/OVMF.fd ]]; then
  skip uefi "no OVMF firmware: sudo apt-get install -y ovmf (scripts/install-deps)"
  finish
fi
if [[ ! -d /usr/lib/grub/x86_64-efi ]]; then
  skip uefi "no GRUB for UEFI: sudo apt-get install -y grub-efi-amd64-bin (scripts/install-deps)"
  finish
fi

KERNEL=$TEST_BUILD/chronovisor.elf
GUEST="$TEST_BUILD/guest/hello.elf hv=1"
ISO=$dir/hybrid.iso          # the menu ISO, default entry percpu (multiboot2)
ISO_MB1=$dir/hybrid-mb1.iso  # the same, default entry mb1 (BIOS, Multiboot1 header)
ISO_OLD=$dir/hybrid-old.iso  # single entry through GRUB's Multiboot1 `multiboot`
ISO_SER=$dir/hybrid-serial.iso  # the menu ISO, default entry serial (console=serial)

# ---- the ISOs ----
begin iso-hybrid-menu
want "$TEST_REPO/scripts/mkiso" --out "$ISO" --kernel "$KERNEL" --menu --timeout 1 --module "$GUEST"
want "$TEST_REPO/scripts/mkiso" --out "$ISO_MB1" --kernel "$KERNEL" --menu --timeout 1 --default mb1 --module "$GUEST"
want "$TEST_REPO/scripts/mkiso" --out "$ISO_OLD" --kernel "$KERNEL" --module "$GUEST"
want "$TEST_REPO/scripts/mkiso" --out "$ISO_SER" --kernel "$KERNEL" --menu --timeout 1 --default serial --module "$GUEST"
eltorito=$(xorriso -indev "$ISO" -report_el_torito plain 2>/dev/null)
grep -q 'El Torito boot img : *1 *BIOS' <<<"$eltorito" || _chk_fail "no BIOS El Torito image"
grep -q 'El Torito boot img : *2 *UEFI' <<<"$eltorito" || _chk_fail "no UEFI El Torito image"
rm -f "$dir/grub.cfg"
xorriso -osirrox on -indev "$ISO" -extract /boot/grub/grub.cfg "$dir/grub.cfg" >/dev/null 2>&1
cfg=$(cat "$dir/grub.cfg" 2>/dev/null)
for id in percpu kvm2633 none serial mb1; do
  grep -q -- "--id $id {" <<<"$cfg" || _chk_fail "grub.cfg lacks the entry '$id'"
done
grep -q "multiboot2 /boot/chronovisor.elf 'tsc=kvm2633'" <<<"$cfg" || _chk_fail "the kvm2633 entry is not multiboot2 with tsc=kvm2633"
grep -q "'console=serial'" <<<"$cfg" || _chk_fail "no console=serial entry"
grep -q "module2 /boot/mod0 'hello.elf' 'hv=1'" <<<"$cfg" || _chk_fail "the guest is not a module2"
end

# An SPCR table (ACPI, Microsoft's SPCR revision 2) naming a 16550 at I/O port 0x2F8, 115200
# baud: the 44 bytes after the standard header (QEMU's -acpitable adds header and checksum).
spcr=$dir/spcr-com2.bin
printf '\x00\x00\x00\x00\x01\x08\x00\x01\xf8\x02\x00\x00\x00\x00\x00\x00\x01\x03\x00\x00\x00\x00\x07\x00\x01\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >"$spcr"

# The screen checker: our font, from kernel/font.c.
FBCHECK=$TEST_BUILD/fbcheck
begin fbcheck-builds
want_desc "gcc could not build $FBCHECK" \
  gcc -std=gnu11 -Wall -Wextra -I"$TEST_REPO" -o "$FBCHECK" "$TEST_REPO/tests/emu/fbcheck.c" "$TEST_REPO/kernel/font.c"
end

# cvrun empties its log directory: COM2's files and the screen dump go next to it
rm -rf "$dir/com2" "$dir/uefi-screen.ppm" "$dir/uefi-serial-screen.ppm"
mkdir -p "$dir/com2"
SPCR_ARGS=(--qemu-arg -acpitable --qemu-arg "sig=SPCR,rev=2,oem_id=CHRONO,data=$spcr")
cv_bg uefi --emu qemu --uefi --iso "$ISO" --timeout $QEMU_T "${SPCR_ARGS[@]}" \
  --screendump "$dir/uefi-screen.ppm" --qemu-arg -serial --qemu-arg "file:$dir/com2/uefi.log"
cv_bg bios --emu bochs --iso "$ISO" --timeout $BOCHS_T
cv_wait uefi bios
cv_bg uefi_mb1 --emu qemu --uefi --iso "$ISO_OLD" --timeout $QEMU_T "${SPCR_ARGS[@]}" \
  --qemu-arg -serial --qemu-arg "file:$dir/com2/uefi_mb1.log"
cv_bg bios_mb1 --emu bochs --iso "$ISO_MB1" --timeout $BOCHS_T
cv_wait uefi_mb1 bios_mb1
cv uefi_serial --emu qemu --uefi --iso "$ISO_SER" --timeout $QEMU_T --screendump "$dir/uefi-serial-screen.ppm"

# ---- UEFI, multiboot2 ----
begin uefi-grub-menu-on-serial uefi
want_log 'chronovisor: tsc=kvm2633, the KVM 2.6.33 scheme' "GRUB's menu (the kvm2633 entry) on the serial port"
want_log "Booting .chronovisor: tsc=percpu" 'GRUB booting the default entry'
end
begin uefi-multiboot2-boot uefi
want_log '^\[hv\] boot: Multiboot2 from UEFI' '"boot: Multiboot2 from UEFI"'
want_log '^\[hv\] boot: EFI system table at 0x[0-9a-f]+, EFI memory map of [1-9][0-9]* descriptors' 'the EFI system table and a non-empty EFI memory map'
want_log '^\[hv\] command line: "tsc=percpu"' 'the entry'"'"'s command line'
want_log '^\[hv\] mem: [0-9]+ MiB usable RAM' 'the memory summary'
end
begin uefi-rsdp-from-multiboot2 uefi
want_log '^\[hv\] acpi: RSDP from the Multiboot2 tag 1[45] ' '"RSDP from the Multiboot2 tag"'
want_nolog '^\[hv\] acpi: no RSDP' '"no RSDP"'
end
begin uefi-framebuffer-console uefi
want_log '^\[hv\] console: COM1 \(0x3f8\), port 0xe9, framebuffer [0-9]+x[0-9]+ (24|32) bpp at 0x[0-9a-f]+ \([0-9]+x[0-9]+ text\)' 'the GOP framebuffer console line'
end
begin uefi-capability-report-novmx uefi
want_rc 4
want_log '^\[hv\] vmx: CPUID\.1:ECX = 0x[0-9a-f]+: VMX \(bit 5\) = 0' 'the capability report'
want_log '^\[hv\] VMX not available' '"VMX not available"'
want_log '^RESULT: NOVMX' '"RESULT: NOVMX"'
end "wall ${CV_WALL[uefi]} s"
begin uefi-spcr-uart uefi
want_log '^\[hv\] console: ACPI SPCR: 16550-compatible UART at I/O port 0x2f8 \(8-bit registers\), 115200 baud' 'the SPCR line'
want_log '^\[hv\] console: now also on the SPCR UART at I/O port 0x2f8' '"now also on the SPCR UART"'
want_desc "COM2 lacks the banner (replayed)" grep -aq '^\[hv\] chronovisor 0\.1' <(tr -d '\r' <"$dir/com2/uefi.log")
want_desc "COM2 lacks RESULT: NOVMX" grep -aq '^RESULT: NOVMX' <(tr -d '\r' <"$dir/com2/uefi.log")
end

begin uefi-screen-shows-verdict
if [[ -s $dir/uefi-screen.ppm ]]; then
  row=$("$FBCHECK" "$dir/uefi-screen.ppm" "RESULT: NOVMX") || _chk_fail "the screen dump does not show \"RESULT: NOVMX\" in our font"
  "$FBCHECK" "$dir/uefi-screen.ppm" "RESULT: PASS" >/dev/null && _chk_fail "control: fbcheck finds \"RESULT: PASS\", which was never printed"
  "$FBCHECK" "$dir/uefi-screen.ppm" "[hv] acpi: RSDP from the Multiboot2 tag" >/dev/null ||
    _chk_fail "the screen dump does not show the RSDP line"
else
  _chk_fail "no screen dump from QEMU's monitor ($(cv_dir uefi)/monitor.log)"
fi
end "text ${row:-?}; image $dir/uefi-screen.ppm"

begin uefi-console-serial-stops-screen uefi_serial
want_rc 4
want_log '^\[hv\] command line: "tsc=percpu console=serial"' 'the serial entry'"'"'s command line'
want_log '^\[hv\] console: console=serial: nothing more on the screen' 'the console=serial line'
want_log '^RESULT: NOVMX' '"RESULT: NOVMX" on the serial port'
if [[ -s $dir/uefi-serial-screen.ppm ]]; then
  "$FBCHECK" "$dir/uefi-serial-screen.ppm" "[hv] console: console=serial: nothing more" >/dev/null ||
    _chk_fail "the screen dump does not show the console=serial line"
  "$FBCHECK" "$dir/uefi-serial-screen.ppm" "RESULT: NOVMX" >/dev/null &&
    _chk_fail "the screen shows \"RESULT: NOVMX\" although console=serial stopped it"
else
  _chk_fail "no screen dump"
fi
end "wall ${CV_WALL[uefi_serial]} s"

# ---- negative control: UEFI through GRUB's Multiboot1 loader ----
begin uefi-multiboot1-has-no-rsdp uefi_mb1
want_log '^\[hv\] boot: Multiboot1' '"boot: Multiboot1"'
want_log '^\[hv\] acpi: no RSDP found' '"no RSDP found"'
want_nolog 'RSDP from the Multiboot2' 'an RSDP from Multiboot2'
want_log '^RESULT: NOVMX' '"RESULT: NOVMX"'
want_log '^\[hv\] console: COM1 \(0x3f8\), port 0xe9, VGA text 80x25$' 'the Multiboot1 console line (VGA text assumed)'
want_nolog 'SPCR' 'an SPCR line (no ACPI without an RSDP)'
want_desc "COM2 has chronovisor's lines although no SPCR could be found" \
  bash -c "! grep -aq '\[hv\] chronovisor' '$dir/com2/uefi_mb1.log'"
end "wall ${CV_WALL[uefi_mb1]} s"

# ---- BIOS (Bochs), both headers ----
begin bios-multiboot2-guest-pass bios
want_rc 0
want_log '^\[hv\] boot: Multiboot2, memory map from the Multiboot2 memory map' '"boot: Multiboot2"'
want_nolog 'from UEFI' '"from UEFI"'
want_log '^\[hv\] console: COM1 \(0x3f8\), port 0xe9, VGA text 80x25 at 0xb8000' 'VGA text from the EGA text tag'
want_log '^\[hv\] acpi: RSDP from the Multiboot2 tag 14 ' '"RSDP from the Multiboot2 tag 14"'
want_log '^\[hv\] vm0 "hello.elf" exit code 1: PASS' 'the guest PASS'
want_log '^RESULT: PASS' '"RESULT: PASS"'
end "wall ${CV_WALL[bios]} s"
begin bios-multiboot1-guest-pass bios_mb1
want_rc 0
want_log '^\[hv\] boot: Multiboot1' '"boot: Multiboot1"'
want_nolog '^\[hv\] boot: Multiboot2' '"boot: Multiboot2"'
want_log '^\[hv\] acpi: RSDP found by the (EBDA|BIOS ROM) scan' 'the RSDP from the BIOS scan'
want_log '^\[hv\] vm0 "hello.elf" exit code 1: PASS' 'the guest PASS'
want_log '^RESULT: PASS' '"RESULT: PASS"'
end "wall ${CV_WALL[bios_mb1]} s"

finish
