#!/bin/bash
# tests/emu/test_smp.sh - SMP bring-up under Bochs: every AP starts (INIT-SIPI-SIPI through the
# trampoline) and enters VMX root operation, cpus= limits the pCPUs, the TSC is calibrated against
# the PIT, skew= injects TSC skew on the APs and the ping-pong measurement finds it again within
# its printed uncertainty, and a bad skew= value fails by name. QEMU TCG still ends NOVMX.
#
# Usual wall times (2 host cores, nothing else running): Bochs 2 CPUs ~11 s, 4 CPUs ~31 s (most
# of it BIOS and GRUB), QEMU TCG ~2 s. Timeouts are >= 5x those. At most 2 Bochs at a time.

source "$(dirname "$0")/lib.sh"

T_CPU2=120
T_CPU4=240
T_QEMU=60

# Bochs emulates ips = 50,000,000 instructions per emulated second, one TSC tick each.
BOCHS_KHZ=50000
KHZ_TOLERANCE_PCT=5
# Measured skew vs skew= value: the measurement is honest about itself (+/- U), but the
# injection is not exact: inject_here() (vmm/time/tsc_sync.c) runs ~10 instructions between its
# RDTSC and its WRMSR IA32_TSC, one tick each in Bochs, so the skew really injected is about
# S - 10. 16 ticks of slack cover that gap.
INJECT_SLACK=16

# ---- runs: two Bochs at a time, QEMU alongside ----
cv_bg two  --emu bochs --cpus 2 --timeout $T_CPU2 --hv "skew=0,+1000000"
G=$TEST_BUILD/guest
# x2apic=on: the 4-pCPU and the MP-table runs switch every pCPU's own APIC to x2APIC mode (the
# firmware leaves xAPIC), then run guests with random moves, so that AP start-up, the skew
# measurement and the IPI kicks all go through the x2APIC MSRs; "two" stays in xAPIC mode.
cv_bg four --emu bochs --cpus 4 --timeout $T_CPU4 \
  --hv "x2apic=on skew=0,-250000,+500000,-1000000 migrate=random:5 slice=200000" \
  --guest "$G/warp.elf hv=1 mem=16M vcpus=4 rounds=3000 tsc=percpu expect=monotonic" \
  --guest "$G/deadline.elf hv=1 mem=16M n=40 max=1000000"
cv_wait two
cv_bg one_of_two --emu bochs --cpus 2 --timeout $T_CPU2 --hv "cpus=1"
cv_wait one_of_two
cv_bg mptable --emu bochs --cpus 2 --timeout $T_CPU2 \
  --hv "cpu_tables=mp x2apic=on migrate=rr slice=200000" \
  --guest "$G/warp.elf hv=1 mem=16M vcpus=2 rounds=3000 tsc=percpu expect=monotonic"
cv_wait mptable
cv_bg badskew --emu bochs --cpus 2 --timeout $T_CPU2 --hv "skew=1,x"
cv tcg --emu qemu --cpus 2 --timeout $T_QEMU
cv_wait four badskew

# skew_line RUN CPU: "S U I" from "[hv] tsc: pcpu CPU skew S ticks +/- U (injected I)"
skew_line() {
  tr -d '\r' <"$(cv_log "$1")" |
    sed -nE "s/^\[hv\] tsc: pcpu $2 skew ([-+]?[0-9]+) ticks \+\/- ([0-9]+) \(injected ([-+]?[0-9]+)\)$/\1 \2 \3/p" |
    tail -n 1
}

# skew_found RUN CPU WANT: the measured skew is within its uncertainty + INJECT_SLACK of WANT,
# and the line names WANT as the injected value.
skew_found() {
  local s u i
  read -r s u i <<<"$(skew_line "$1" "$2")"
  [[ -n $s && -n $u && -n $i ]] || return 1
  (( ${i#+} == $3 )) || return 1
  local d=$(( ${s#+} - $3 )); (( d < 0 )) && d=$(( -d ))
  (( d <= u + INJECT_SLACK ))
}

# skew_detail RUN CPU: "pcpu N S +/- U" for the PASS line
skew_detail() {
  local s u i
  read -r s u i <<<"$(skew_line "$1" "$2")"
  echo "pcpu $2 $s +/- $u"
}

# khz_ok RUN: the calibration is within KHZ_TOLERANCE_PCT of BOCHS_KHZ
khz_ok() {
  local khz
  khz=$(tr -d '\r' <"$(cv_log "$1")" | sed -nE 's/^\[hv\] tsc: calibrated against the PIT: ([0-9]+) kHz \+\/- ([0-9]+) kHz.*/\1/p' | tail -n 1)
  [[ -n $khz ]] || return 1
  local d=$(( khz - BOCHS_KHZ )); (( d < 0 )) && d=$(( -d ))
  (( d * 100 <= BOCHS_KHZ * KHZ_TOLERANCE_PCT ))
}

# table_has_exactly RUN N: the skew table lists pcpu 0..N-1 and no other
table_has_exactly() {
  local got
  got=$(tr -d '\r' <"$(cv_log "$1")" | sed -nE 's/^\[hv\] tsc: pcpu ([0-9]+) skew .*/\1/p' | tr '\n' ' ')
  [[ $got == "$(seq -s ' ' 0 $(( $2 - 1 ))) " ]]
}

# ---- 2 CPUs ----
begin smp2-ap-in-vmx two
want_rc 0
want_log '^\[hv\] smp: MADT lists 2 CPU\(s\)' 'the MADT lists 2 CPUs'
want_log '^\[hv\] vmx: pcpu 0 in VMX root operation' 'pcpu 0 in VMX'
want_log '^\[hv\] vmx: pcpu 1 in VMX root operation' 'pcpu 1 in VMX'
want_log '^\[hv\] smp: 2 pCPU\(s\) online in VMX root operation' '2 pCPUs online'
want_nolog '^\[hv\] smp: pcpu [0-9]+ .*: left out' 'no AP left out'
want_log '^RESULT: PASS' '"RESULT: PASS"'
end "wall ${CV_WALL[two]} s"

begin smp2-tsc-calibrated two
want_desc "calibration within ${KHZ_TOLERANCE_PCT}% of ${BOCHS_KHZ} kHz" khz_ok two
end "$(tr -d '\r' <"$(cv_log two)" | sed -nE 's/^\[hv\] tsc: calibrated against the PIT: ([0-9]+ kHz \+\/- [0-9]+ kHz).*/\1/p')"

begin smp2-skew-table two
want_desc 'the skew table lists pcpu 0 and 1' table_has_exactly two 2
want_log '^\[hv\] tsc: pcpu 0 skew 0 ticks \+/- 0 \(injected 0\)$' 'pcpu 0 is the reference (0 +/- 0)'
end

begin smp2-injected-skew-measured two
want_desc "pcpu 1 within +/- U + $INJECT_SLACK of +1000000" skew_found two 1 1000000
end "$(skew_detail two 1)"

# ---- 4 CPUs ----
begin smp4-aps-in-vmx four
want_rc 0
want_log '^\[hv\] smp: MADT lists 4 CPU\(s\): boot CPU APIC ID 0 \(x2APIC mode\)' 'the MADT lists 4 CPUs, x2APIC mode'
for c in 0 1 2 3; do
  want_log "^\[hv\] vmx: pcpu $c in VMX root operation" "pcpu $c in VMX"
done
want_log '^\[hv\] smp: 4 pCPU\(s\) online in VMX root operation' '4 pCPUs online'
want_nolog '^\[hv\] smp: pcpu [0-9]+ .*: left out' 'no AP left out'
want_log '^RESULT: PASS' '"RESULT: PASS"'
end "wall ${CV_WALL[four]} s"

begin smp4-x2apic-forced-guests-pass four
want_log '^\[hv\] apic: boot CPU switched to x2APIC mode \(x2apic=on\)' 'the boot CPU switched'
want_nolog 'stays in xAPIC mode' 'every AP switched too'
want_log '^\[hv\] vm0 "warp.elf" exit code 1: PASS' 'warp on 4 vCPUs PASS'
want_log '^\[hv\] vm1 "deadline.elf" exit code 1: PASS' 'deadline PASS'
want_desc 'vCPUs moved (IPI kicks through the x2APIC ICR)' \
  grep -aqE '^\[hv\] vm0 vcpu[0-9] tsc: .*migrations [1-9]' "$(cv_log four)"
end "$(tr -d '\r' <"$(cv_log four)" | sed -n 's/^\[vm0\] warp: //p' | tail -n 1)"

begin smp2-xapic-left-as-is two
want_log '^\[hv\] smp: MADT lists 2 CPU\(s\): boot CPU APIC ID 0 \(xAPIC mode\)' 'x2apic=auto keeps the firmware'"'"'s xAPIC mode'
want_nolog 'switched to x2APIC' 'no switch'
end

begin smp4-skew-table four
want_desc 'the skew table lists pcpu 0..3' table_has_exactly four 4
end

begin smp4-injected-skews-measured four
want_desc "pcpu 1 within +/- U + $INJECT_SLACK of -250000" skew_found four 1 -250000
want_desc "pcpu 2 within +/- U + $INJECT_SLACK of +500000" skew_found four 2 500000
want_desc "pcpu 3 within +/- U + $INJECT_SLACK of -1000000" skew_found four 3 -1000000
end "$(skew_detail four 1); $(skew_detail four 2); $(skew_detail four 3)"

# Every AP runs with the boot CPU's host memory protections (kernel/paging.c:paging_cpu_init
# reads them back on the AP: EFER.NXE, CR0.WP, CR4.SMEP, CR4.SMAP).
begin smp4-aps-hostmem-protections four
want_log '^\[hv\] hostmem: pcpu 0: EFER\.NXE=1 CR0\.WP=1 ' 'pcpu 0 with NXE and WP'
want_log '^\[hv\] hostmem: pcpus 1-3: the same protections as pcpu 0' 'pcpus 1-3 the same'
want_nolog '^\[hv\] hostmem: error' 'an AP lacking a protection'
end

# ---- cpus=1 on a 2-CPU machine: no AP is started ----
begin cpus1-starts-no-ap one_of_two
want_rc 0
want_log '^\[hv\] smp: cpus=1: running on the boot CPU only' 'cpus=1 named'
want_nolog '^\[hv\] vmx: pcpu 1 ' 'no pcpu 1'
want_nolog 'INIT|trampoline' 'no trampoline placed'
want_desc 'the skew table lists pcpu 0 only' table_has_exactly one_of_two 1
want_log '^RESULT: PASS' '"RESULT: PASS"'
end

# ---- a bad skew= value fails by name ----
begin bad-skew-named badskew
want_rc 1
want_log "^\[hv\] error: skew=1,x: .*'x' is not a signed decimal number" "the message naming skew=1,x and 'x'"
want_nolog '^\[hv\] tsc: pcpu ' 'no skew table'
want_log '^RESULT: FAIL' '"RESULT: FAIL"'
end

# ---- QEMU TCG with 2 CPUs: the VMX check comes first ----
begin qemu-tcg-2cpus-novmx tcg
want_rc 4
want_log '^RESULT: NOVMX' '"RESULT: NOVMX"'
want_nolog '^\[hv\] smp: ' 'no AP start attempted'
end "wall ${CV_WALL[tcg]} s"

# ---- the MP table fallback (firmware without an ACPI MADT) ----
begin mp-table-fallback mptable
want_rc 0
want_log '^\[hv\] smp: MP table \(cpu_tables=mp\) lists 2 CPU\(s\)' 'the CPUs found in the MP table'
want_log '^\[hv\] vmx: pcpu 1 in VMX root operation' 'the AP found there started and entered VMX'
want_log '^\[hv\] smp: MP table .*\(x2APIC mode\)' 'x2apic=on with the MP table'
want_log '^\[hv\] vm0 "warp.elf" exit code 1: PASS' 'warp on 2 vCPUs PASS in x2APIC mode'
end

finish
