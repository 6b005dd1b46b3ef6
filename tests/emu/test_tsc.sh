#!/bin/bash
# tests/emu/test_tsc.sh - the guest's view of time (guest/tsc.c): RDTSC monotonic, IA32_TSC
# and IA32_TSC_ADJUST reads and writes, RDTSCP/TSC_AUX, HC_SLEEP and HLT, and the frequency in
# leaf 0x40000010 against HC_CLOCK. Bare on QEMU TCG (SKIPs allowed: TCG ignores IA32_TSC), bare
# on Bochs, and under chronovisor on Bochs with and without tsc_khz= (TSC scaling). Under
# chronovisor RDTSC must never exit: the hypervisor prints no "exits RDTSC" line for the VM.
#
# Usual wall time: QEMU < 1 s, bare Bochs ~3 s, chronovisor on Bochs ~10-20 s (boot, 10^6 RDTSCs,
# two 200 ms frequency intervals at 50 MHz). Timeouts >= 5x that. At most 2 Bochs at a time.

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
T_QEMU=60
T_BARE=120
T_CV=300
KHZ=25000     # half of Bochs' 50 MHz: the scaling ratio is 0.5

cv qemu-bare --bare --emu qemu --timeout $T_QEMU --guest "$G/tsc.elf hv=0"
cv_bg bochs-bare --bare --emu bochs --timeout $T_BARE --guest "$G/tsc.elf hv=0"
cv_bg cv-host --emu bochs --timeout $T_CV --guest "$G/tsc.elf hv=1"
cv_wait bochs-bare cv-host
cv cv-khz --emu bochs --timeout $T_CV --guest "$G/tsc.elf hv=1 tsc_khz=$KHZ"

summary() { grep -a 'SUMMARY:' "$(cv_log "$1")" | tail -n 1 | sed 's/^\[vm0\] //'; }

# Bare: the guest's own verdict; the features Bochs' corei7_skylake_x has are not skipped.
for run in qemu-bare bochs-bare; do
  begin "tsc-$run" "$run"
  want_rc 0
  want_log '^SUMMARY: [0-9]+ tests, 0 unexpected failures' 'SUMMARY with no failure'
  want_log '^PASS: monotonic: ' 'the monotonic check ran'
  [[ $run == bochs-bare ]] &&
    want_nolog '^SKIP: (rdmsr|wrmsr|tsc_adjust|rdtscp: TSC_AUX)' 'a SKIP of a feature Bochs has'
  end "$(summary "$run")"
done

# Under chronovisor, with the host's frequency and with tsc_khz=.
for run in cv-host cv-khz; do
  begin "tsc-$run" "$run"
  want_rc 0
  want_log '^\[vm0\] SUMMARY: [0-9]+ tests, 0 unexpected failures' 'SUMMARY with no failure'
  want_log '^\[hv\] vm0 "tsc.elf" exit code 1: PASS' 'verdict line'
  want_nolog '^\[vm0\] SKIP: .*needs chronovisor' 'a chronovisor-only check skipped'
  want_nolog '^\[vm0\] SKIP: (rdmsr|wrmsr|tsc_adjust|rdtscp: TSC_AUX)' 'a SKIP of a feature the host has'
  want_log '^\[vm0\] PASS: start: TSC counts from VM creation' 'TSC counts from VM creation'
  want_log '^\[vm0\] PASS: sleep: HC_SLEEP' 'HC_SLEEP advanced guest time'
  want_log '^\[vm0\] PASS: hlt: ' 'HLT with IF=1 returned'
  want_log '^\[vm0\] PASS: frequency: measured .* spinning matches' 'frequency over a spin'
  want_log '^\[vm0\] PASS: frequency: measured .* across HC_SLEEP matches' 'frequency across a sleep'
  [[ $run == cv-khz ]] &&
    want_log "^\[vm0\] PASS: frequency: leaf 0x40000010 = $KHZ kHz" "leaf 0x40000010 = $KHZ"
  end "$(summary "$run")"

  begin "tsc-$run-no-rdtsc-exits" "$run"
  want_log '^\[hv\] vm0 stats: ' 'the exit report for vm0'
  want_nolog '^\[hv\] vm0 vcpu[0-9]+ exits RDTSC ' 'an RDTSC exit counted'
  want_nolog '^\[hv\] vm0 vcpu[0-9]+ exits RDTSCP ' 'an RDTSCP exit counted'
  want_log '^\[vm0\] PASS: exits: RDTSC and RDTSCP never exit' "the guest's own counters say 0"
  end
done

finish
