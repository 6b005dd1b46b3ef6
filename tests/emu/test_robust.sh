#!/bin/bash
# tests/emu/test_robust.sh - a host that no guest can stop (issue 10): in one Bochs boot, hostile
# guests beside normal ones, and each is answered while the normal ones still pass:
#   sleep for ever (HC_SLEEP 2^62) and halt for ever (STI; HLT, timer 2^62 ahead): ended at the
#     watchdog deadline by the scheduler's clock, though they never exit again; a spin with
#     IF = 0 (no exit of its own) ended at the deadline by its exit path (preemption timer);
#   HC_SLEEP 2^62 returns at the cap (sleep_max=);
#   an AP in real mode takes #GP (RDMSR of an unknown MSR) without an error code, instead of a
#     failed VM entry (VMfailValid 7);
#   a console flood is cut at the VM's budget (out_max=), its lines whole and in order, and the
#     end of the run says how much was dropped;
#   100 distinct unemulated ports and MSRs: each reported at most once, at most 16 lines of each,
#     the rest counted;
#   a VM whose VMX structures find memory short (alloc_fail=) is refused by name, no panic.
# A second boot, 2 pCPUs: a VM's short HC_WRITEs while another VM floods from the other pCPU take
# under 64 bytes' worth of UART time (the first boot's console says what a byte costs); the old
# console lock made each wait for a whole line of the other VM's (262 bytes: 1.2e6 ticks against
# 1165). Negative controls in the same boot: with the cap and the watchdog off (sleep_max=0
# watchdog=0) the sleeping VM never ends and only cvrun's timeout stops the run; with out_max=0
# every flood line is printed.
# The host-side halves are unit tests: tests/unit/test_report_once.c, tests/unit/test_acpi_parse.c.
#
# Runs one Bochs at a time: ~30-50 s, then the second boot, which runs into its 75 s timeout.

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
WATCHDOG=200000000       # 4 s of Bochs time: the normal VMs are done long before
SLEEP_MAX=20000000
OUT_MAX=16384
FLOOD_N=16
T_MAIN=240               # ~30-50 s
T_HANG=75                # the second boot must run into it

cv main --emu bochs --timeout $T_MAIN --hv "watchdog=$WATCHDOG sleep_max=$SLEEP_MAX out_max=$OUT_MAX slice=2000000" \
  --guest "$G/hello.elf hv=1 expect=first" \
  --guest "$G/hostile.elf hv=1 mem=16M case=sleep" \
  --guest "$G/hostile.elf hv=1 mem=16M case=halt-forever" \
  --guest "$G/hostile.elf hv=1 mem=16M case=sleep n=2" \
  --guest "$G/hostile.elf hv=1 mem=16M vcpus=2 case=realmode-gp" \
  --guest "$G/hostile.elf hv=1 mem=16M case=flood n=$FLOOD_N" \
  --guest "$G/hostile.elf hv=1 mem=16M case=many-ports n=100" \
  --guest "$G/hostile.elf hv=1 mem=16M alloc_fail=3 case=port" \
  --guest "$G/hello.elf hv=1 expect=last" \
  --guest "$G/hostile.elf hv=1 mem=16M case=spin-forever"
LOG=$(cv_log main)

begin robust-normal-vms-pass main
want_log '^\[hv\] vm0 "hello.elf" exit code 1: PASS' 'vm0 (normal, first) passes'
want_log '^\[hv\] vm8 "hello.elf" exit code 1: PASS' 'vm8 (normal, last) passes'
want_log '^\[hv\] 10 VM\(s\) run: not all passed' 'every VM got its verdict'
want_log '^RESULT: FAIL' 'the run fails as a whole (hostile VMs)'
want_nolog 'PANIC|CPU EXCEPTION' 'no hypervisor panic or exception'
end

begin robust-sleep-forever-ended-by-scheduler main
want_log "^\[hv\] vm1 \"hostile.elf\" exit code none: FAIL \(watchdog: deadline of $WATCHDOG ticks \(watchdog=\) passed, seen by the scheduler: vcpu0 asleep" 'vm1, asleep in HC_SLEEP, ended at its deadline'
end

begin robust-halt-forever-ended-by-scheduler main
want_log '^\[vm2\] hostile: about to halt with the timer 2\^62 ticks ahead' 'vm2 halted with a far timer'
want_log "^\[hv\] vm2 \"hostile.elf\" exit code none: FAIL \(watchdog: deadline of $WATCHDOG ticks \(watchdog=\) passed, seen by the scheduler: vcpu0 halted by HLT" 'vm2, halted, ended at its deadline'
end

begin robust-spin-ended-by-exit-path main
want_log "^\[hv\] vm9 \"hostile.elf\" exit code none: FAIL \(watchdog: still running after $WATCHDOG ticks" 'vm9, spinning with IF = 0 and no exit of its own, ended at its deadline'
end

begin robust-sleep-capped main
want_log '^\[vm3\] PASS: sleep: 2 HC_SLEEP\(0x4000000000000000\): the longest took [0-9]+ ticks \(capped\)' 'HC_SLEEP(2^62) returned'
want_log '^\[hv\] vm3 "hostile.elf" exit code 1: PASS' 'vm3 passes'
end

begin robust-realmode-gp-without-error-code main
want_log '^\[hv\] vm4: RDMSR 0x4b564dff not emulated: #GP' 'the AP RDMSR raised #GP'
want_log '^\[vm4\] PASS: realmode-gp: the AP took #GP once in real mode \(1\)' 'the real-mode #GP handler ran once'
want_log '^\[vm4\] PASS: realmode-gp: the AP went on after its real-mode #GP handler' 'the AP went on'
want_log '^\[hv\] vm4 "hostile.elf" exit code 1: PASS' 'vm4 passes'
want_nolog 'VMfailValid' 'no failed VM entry'
end

# vm5's lines: whole ("flood I.L x...x", 127 bytes), in order, and no more bytes than out_max.
flood_ok() {
  tr -d '\r' <"$LOG" | awk -v max="$OUT_MAX" '
    /^\[vm5\] / { bytes += length($0) + 1 }
    /^\[vm5\] flood / {
      split($3, il, "."); k = il[1] * 32 + il[2]
      if (k <= last) bad = "out of order at " $3
      last = k
      if (length($0) != 6 + 127) bad = "cut line " $3
      n++
    }
    BEGIN { last = -1 }
    END {
      if (bad != "") { print bad; exit 1 }
      if (n == 0) { print "no flood line"; exit 1 }
      if (bytes > max) { print bytes " bytes > " max; exit 1 }
      print n " lines, " bytes " bytes"
    }'
}
begin robust-output-budget main
want_log "^\[hv\] vm5: console output budget of $OUT_MAX bytes used up" 'the moment the budget ran out'
want_log "^\[hv\] vm5 output: [0-9]+ bytes printed, [1-9][0-9]* bytes dropped \(its budget was used up; out_max=$OUT_MAX\)" 'the end-of-VM line with the bytes dropped'
want_desc "vm5's lines whole, in order, within out_max ($(flood_ok | tail -n 1))" flood_ok
want_log '^\[hv\] vm5 "hostile.elf" exit code 1: PASS' 'vm5 passes (its verdict is not output)'
end

dup_reports() { tr -d '\r' <"$LOG" | grep -aE '^\[hv\] vm6: .*(unemulated port|RDMSR)' | sort | uniq -d | grep -q .; }
begin robust-reported-once main
want_desc "16 port lines (got $(grep -acE '^\[hv\] vm6: .*unemulated port' "$LOG"))" \
  test "$(grep -acE '^\[hv\] vm6: .*unemulated port' "$LOG")" -eq 16
want_desc "16 MSR lines (got $(grep -acE '^\[hv\] vm6: RDMSR' "$LOG"))" \
  test "$(grep -acE '^\[hv\] vm6: RDMSR' "$LOG")" -eq 16
want_desc 'no port or MSR reported twice' eval '! dup_reports'
want_log '^\[hv\] vm6 reports suppressed: 84 more distinct ports and 84 more distinct MSRs not reported' 'the rest counted at the end'
want_log '^\[hv\] vm6 stats: .* 300 unhandled port accesses, 200 unhandled MSR accesses' 'every access counted'
want_log '^\[hv\] vm6 "hostile.elf" exit code 1: PASS' 'vm6 passes'
end

begin robust-alloc-fail-refused main
want_log '^\[hv\] vm7 "hostile.elf" exit code none: FAIL \(not loaded: not enough free memory for its EPT tables after its 16 MiB of RAM' 'vm7 refused by name'
want_nolog '^\[hv\] vm7 "hostile.elf": starting' 'vm7 never ran'
end

# ---- a second boot, 2 pCPUs: guest output never waits behind another pCPU's, and the negative
# controls (the cap and the watchdog off, no output budget) ----
# vm0 floods with 256-byte lines on pCPU 0; vm1, alone on pCPU 1, times short HC_WRITEs meanwhile
# (after a delay that puts them inside the flood); vm2 sleeps 2^62 ticks.
cv nocap --emu bochs --cpus 2 --timeout $T_HANG --hv "watchdog=0 sleep_max=0 out_max=0" \
  --guest "$G/hostile.elf hv=1 mem=16M case=flood n=4 line=256" \
  --guest "$G/hostile.elf hv=1 mem=16M case=write-latency n=20 delay=20000000" \
  --guest "$G/hostile.elf hv=1 mem=16M case=sleep n=1"
NLOG=$(cv_log nocap)

begin robust-nocap-sleep-hangs nocap
want_rc 2
want_out 'no verdict: timeout' "cvrun's timeout stopped the run"
want_log '^\[vm2\] hostile: about to sleep with HC_SLEEP$' 'vm2 went to sleep'
want_nolog 'exit code|^RESULT:' 'no verdict: without the cap and the watchdog the sleep never ends'
end

begin robust-no-budget-prints-all nocap
want_desc "all 64 flood lines printed (got $(grep -ac '^\[vm0\] flood ' "$NLOG"))" \
  test "$(grep -ac '^\[vm0\] flood ' "$NLOG")" -eq 64
want_nolog 'output budget|bytes dropped' 'nothing dropped'
end

# The UART's cost of a byte, as the first boot's console measured it (the same emulator and UART).
byte_ticks=$(sed -n 's/^\[hv\] console: .* (\([0-9]*\) ticks a byte).*/\1/p' "$LOG" | tr -d '\r' | tail -n 1)
probe_max=$(sed -n 's/^\[vm1\] PASS: write-latency: .* max \([0-9]*\) ticks.*/\1/p' "$NLOG" | tr -d '\r' | tail -n 1)
# vm1's probes were written while vm0's flood went on: flood lines on both sides of them.
probes_inside_flood() {
  tr -d '\r' <"$NLOG" | awk '/^\[vm0\] flood /{ if (p) after = 1; else before = 1 } /^\[vm1\] probe /{ p = 1 }
    END { exit !(before && after && p) }'
}
begin robust-guest-write-never-waits nocap
want_desc "the first boot's console cost of a byte (got '${byte_ticks}')" test -n "$byte_ticks"
want_desc "vm1's write-latency line (got '${probe_max}')" test -n "$probe_max"
want_desc "vm1's probes inside vm0's flood" probes_inside_flood
want_desc "vm1's slowest short HC_WRITE ($probe_max ticks) under 64 bytes of UART time (64 x ${byte_ticks:-?}), where vm0's lines are 262 bytes" \
  test "${probe_max:-999999999999}" -lt "$((64 * ${byte_ticks:-0}))"
end

finish
