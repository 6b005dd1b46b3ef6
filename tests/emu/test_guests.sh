#!/bin/bash
# tests/emu/test_guests.sh - the test guests booted bare, with no hypervisor, on QEMU TCG and
# on Bochs: the same binaries that run under chronovisor give their own verdicts on both
# emulators (checks that need chronovisor SKIP there).
#
# Timeouts >= 5x the usual wall time: QEMU TCG < 1 s, Bochs 1-CPU ~3-5 s.

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
guests=(hello platform hostile)

for g in "${guests[@]}"; do
  cv "qemu-$g" --bare --emu qemu --timeout 60 --guest "$G/$g.elf hv=0"
done
# the SMP guests, bare on QEMU TCG with 2 CPUs (fast; Bochs SMP bare runs are in no suite)
cv qemu-migrate --bare --emu qemu --cpus 2 --timeout 60 --guest "$G/migrate.elf hv=0"
cv qemu-warp --bare --emu qemu --cpus 2 --timeout 60 --guest "$G/warp.elf hv=0"

cv_bg bochs-hello --bare --emu bochs --timeout 120 --guest "$G/hello.elf hv=0"
cv_bg bochs-platform --bare --emu bochs --timeout 120 --guest "$G/platform.elf hv=0"
cv_wait bochs-hello bochs-platform
cv bochs-hostile --bare --emu bochs --timeout 120 --guest "$G/hostile.elf hv=0"

for run in qemu-migrate qemu-warp; do
  begin "bare-$run-2cpus" "$run"
  want_rc 0
  want_log '^SUMMARY: [0-9]+ tests, 0 unexpected failures' 'SUMMARY with no failure'
  end "$(grep -aE '^(migrate|warp): ' "$(cv_log "$run")" | tail -n 1)"
done

for emu in qemu bochs; do
  for g in "${guests[@]}"; do
    run=$emu-$g
    begin "bare-$emu-$g" "$run"
    want_rc 0
    want_log '^SUMMARY: [0-9]+ tests, 0 unexpected failures' 'SUMMARY with no failure'
    want_log '^RESULT: PASS' 'RESULT: PASS'
    end "$(grep -a '^SUMMARY:' "$(cv_log "$run")" | tail -n 1)"
  done
done

finish
