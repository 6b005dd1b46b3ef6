#!/bin/bash
# tests/emu/test_chaos.sh - a hostile guest with a seeded random sequence of privileged
# operations (guest/chaos.c) on several vCPUs, beside ordinary VMs in the same boot:
# every step is answered architecturally (completes or raises an exception) or ends that
# VM with a named reason; the hypervisor takes no fault and the other VMs keep their results.
#
# One Bochs boot, 2 pCPUs with skewed TSCs and round-robin moves:
#   vm0  chaos, the default operations, 2 vCPUs x STEPS: must PASS (every step answered,
#        nothing WRONG), its outcome counts printed
#   vm1  chaos with the risky operations too (MWAIT, string I/O, VMX instructions, reads
#        past RAM, HLT with IF=0): PASS, or ended by chronovisor with a named reason
#   vm2  chaos sabotage=smc: counts correct results as WRONG, so its "no wrong results"
#        check must FAIL (the negative control of vm0's check)
#   vm3  migrate, tsc=percpu: must PASS next to them
# Timeout >= 5x the usual wall time (~60-130 s on a loaded 2-core machine).

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
T=900
SEED=${CHAOS_SEED:-3}
STEPS=${CHAOS_STEPS:-1000}
C="$G/chaos.elf hv=1 mem=16M quiet=1"

cv run --emu bochs --cpus 2 --timeout $T --hv "skew=0,+1000000 migrate=rr slice=200000" \
  --guest "$C seed=$SEED steps=$STEPS vcpus=2" \
  --guest "$C seed=$((SEED + 1)) steps=300 risky=1" \
  --guest "$C seed=$((SEED + 2)) steps=20 ops=smc sabotage=smc" \
  --guest "$G/migrate.elf hv=1 mem=16M tsc=percpu expect=monotonic check_every=1000"
L=$(cv_log run)

begin chaos-run-ends-with-verdict run
want_rc 1        # vm2 fails on purpose; 2 would mean no verdict (a hang or a host crash)
want_log '^RESULT: FAIL' '"RESULT: FAIL" (vm2, the negative control, fails)'
end "wall ${CV_WALL[run]} s"

outcomes=$(grep -a '^\[vm0\] chaos: outcomes:' "$L" | head -1 | sed 's/^\[vm0\] chaos: outcomes: //')
begin chaos-default-ops-answered run
want_log '^\[hv\] vm0 "chaos.elf" exit code 1: PASS' 'vm0 PASS'
want_log "^\\[vm0\\] chaos: outcomes: $((2 * STEPS)) steps, [0-9]+ completed, [0-9]+ exceptions, 0 wrong" \
  "all $((2 * STEPS)) steps on 2 vCPUs counted, 0 wrong"
end "seed $SEED: $outcomes"

risky=$(grep -a '^\[hv\] vm1 "chaos.elf" exit code' "$L" | head -1 | sed 's/^\[hv\] vm1 "chaos.elf" //')
begin chaos-risky-ops-answered-or-named-end run
want_desc "vm1 passed or was ended with a named reason" \
  grep -aqE '^\[hv\] vm1 "chaos.elf" exit code (1: PASS|none: FAIL \(.{8,}\))$' "$L"
end "$risky"

begin chaos-wrong-result-detected run
want_log '^\[vm2\] FAIL: no wrong results \([1-9][0-9]*\)' 'vm2 counts its WRONG results'
want_log '^\[hv\] vm2 "chaos.elf" exit code [0-9]+: FAIL' 'vm2 FAIL'
end

begin chaos-neighbour-vm-passes run
want_log '^\[hv\] vm3 "migrate.elf" exit code 1: PASS' 'vm3 (migrate, percpu) PASS'
end

begin chaos-no-host-fault run
want_nolog 'CPU EXCEPTION on pcpu|\[hv\] PANIC' 'no host exception dump or panic'
want_log '^\[hv\] 4 VM\(s\) run: not all passed' 'the run report covers all 4 VMs'
end

finish
