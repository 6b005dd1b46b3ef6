#!/bin/bash
# tests/long/test_long.sh - `make test-long`: what is too slow for `make test`.
#
#   eight   Bochs with 8 pCPUs (the most a test here runs; MAX_CPUS is 256): every AP started
#           and in VMX root operation, the skew table measured for all 8 from random injected
#           skews, two warp VMs of 4 vCPUs and a migrate VM moved at random between them,
#           0 backward steps and 0 warps under tsc=percpu.
#   eight-x2apic  the same machine with x2apic=on.
# Timeouts >= 5x the usual wall time (8-pCPU Bochs boot with guests: ~3-6 min on 2 cores).

source "$(dirname "$0")/../emu/lib.sh"

G=$TEST_BUILD/guest
T8=3600
guests=(--guest "$G/warp.elf hv=1 mem=16M vcpus=4 rounds=3000 tsc=percpu expect=monotonic"
        --guest "$G/warp.elf hv=1 mem=16M vcpus=4 rounds=3000 tsc=percpu expect=monotonic"
        --guest "$G/migrate.elf hv=1 mem=16M tsc=percpu expect=monotonic reads=300000")

cv eight --emu bochs --cpus 8 --timeout $T8 \
  --hv "skew=random:42:1000000 migrate=random:3 slice=200000" "${guests[@]}"
cv eight_x2 --emu bochs --cpus 8 --timeout $T8 \
  --hv "x2apic=on skew=random:43:1000000 migrate=random:4 slice=200000" "${guests[@]}"

for run in eight eight_x2; do
  L=$(cv_log "$run")
  begin "smp8-$run" "$run"
  want_rc 0
  want_log '^\[hv\] smp: 8 pCPU\(s\) online in VMX root operation' '8 pCPUs online in VMX'
  for c in 0 1 2 3 4 5 6 7; do
    want_log "^\\[hv\\] tsc: pcpu $c skew " "pcpu $c in the skew table"
  done
  want_log '^\[hv\] vm0 "warp.elf" exit code 1: PASS' 'warp vm0 PASS'
  want_log '^\[hv\] vm1 "warp.elf" exit code 1: PASS' 'warp vm1 PASS'
  want_log '^\[hv\] vm2 "migrate.elf" exit code 1: PASS' 'migrate PASS'
  want_desc 'vCPUs moved' grep -aqE '^\[hv\] vm2 vcpu0 tsc: .*migrations [1-9]' "$L"
  end "wall ${CV_WALL[$run]} s; $(tr -d '\r' <"$L" | grep -a '^\[vm0\] warp: ' | tail -n 1)"
done
begin smp8-x2apic-mode eight_x2
want_log '^\[hv\] smp: MADT lists 8 CPU\(s\): boot CPU APIC ID 0 \(x2APIC mode\)' 'x2APIC mode'
end

finish
