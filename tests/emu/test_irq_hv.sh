#!/bin/bash
# tests/emu/test_irq_hv.sh - virtual interrupts under chronovisor: the apic, deadline, rtos and
# tpr guests on 1, 2 and 4 pCPUs whose TSCs are skewed in both directions, with the vCPUs moved
# between them (migrate=random, short slices), so that every interrupt, IPI and timer of a vCPU
# is delivered on whichever pCPU holds it (docs/interrupts.md).
#
#   apic      local APIC semantics, xAPIC and x2APIC, IPIs between vCPUs on different pCPUs,
#             NMI, INIT and SIPI of a running vCPU: every check must pass
#   deadline  TSC-deadline interrupts never before the guest's own RDTSC reads the deadline,
#             also with tsc_khz= scaling and after the guest writes IA32_TSC / IA32_TSC_ADJUST
#   rtos      a periodic tick and nanosleep() in HLT: t2 >= t1 around every sleep, no tick lost
#   tpr       CR8 and the TPR are one register, through APIC virtualization with virtual-interrupt
#             delivery (apicv=on, the default), the TPR shadow alone (apicv=tpr, the fwd2 run) and
#             CR8 exits (apicv=off)
# Negative controls, each of which must show the fault it is there for:
#   deadline tsc=none expect=early   skew-blind deadlines fire early on the lagging pCPU
#   rtos tsc=none expect=backward    the seed case: t2 < t1 after a sleep on another pCPU
#   tpr sabotage=cr8 / apic sabotage=tpr    the guests' checks can fail under chronovisor
#   apic flaw=drop-vectoring   the hypervisor drops the IDT-vectoring information: the
#                              interrupt whose delivery an EPT violation interrupted is lost
#   apic flaw=nmi-no-wake      an NMI does not wake a vCPU halted with IF = 0
#   apic flaw=divide           the APIC timer ignores the divide configuration
# kvm2633 deadline figures are recorded, not judged.
#
# The rtos tsc=none run uses a long slice: that guest calibrates its APIC timer against its
# TSC over 10 ms, and a slice-end move inside that window makes its own TSC jump under none,
# which breaks the calibration before the loop can show t2 < t1; its sleeps still move it
# between pCPUs at every HLT.
#
# Lateness maxima here include waiting for a pCPU that another VM holds (several VMs share one
# or two pCPUs, and the hypervisor's console output blocks its pCPU while the UART drains);
# `make bench` measures lateness with one VM per boot.
#
# Wall times on 2 idle host cores (quiet): 1 pCPU ~5 s, 2 pCPUs ~10-16 s, 4 pCPUs ~21 s, two at
# a time: the suite ~40 s, two to three times that on a shared host. Timeouts are >= 5x that.

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
SLICE=20000
SEED=7
T1=120
T2=300
T4=500
N=150                 # deadlines and rtos iterations per VM: small, the suite must stay short
DMAX=1000000          # deadline distances 1000..DMAX ticks

apic()  { echo "$G/apic.elf hv=1 mem=16M $*"; }
dl()    { echo "$G/deadline.elf hv=1 mem=16M n=${DN:-$N} max=$DMAX $*"; }
rtos()  { echo "$G/rtos.elf hv=1 mem=16M n=$N $*"; }
tpr()   { echo "$G/tpr.elf hv=1 mem=16M $*"; }

cv_bg mixed4 --emu bochs --cpus 4 --timeout $T4 \
  --hv "skew=0,-250000,+500000,-1000000 migrate=random:$SEED slice=$SLICE" \
  --guest "$(apic vcpus=4)" --guest "$(dl)" --guest "$(rtos)"
cv_bg one --emu bochs --cpus 1 --timeout $T1 --hv "slice=$SLICE" \
  --guest "$(apic)" --guest "$(dl)" --guest "$(rtos)" --guest "$(tpr)"
cv_wait one
cv_bg one-apicv-off --emu bochs --cpus 1 --timeout $T1 --hv "apicv=off slice=$SLICE" \
  --guest "$(apic)" --guest "$(tpr)" --guest "$(DN=50 dl)"
cv_wait one-apicv-off
cv_bg fwd2 --emu bochs --cpus 2 --timeout $T2 \
  --hv "apicv=tpr skew=0,+1000000 migrate=random:$SEED slice=$SLICE" \
  --guest "$(apic vcpus=2)" --guest "$(dl)" --guest "$(rtos)" --guest "$(tpr)" \
  --guest "$(dl tsc_khz=25000)"
cv_wait mixed4
cv_bg back2 --emu bochs --cpus 2 --timeout $T2 \
  --hv "skew=0,-1000000 migrate=random:$SEED slice=$SLICE" \
  --guest "$(apic vcpus=2)" --guest "$(dl)" --guest "$(rtos)" \
  --guest "$(dl wrtsc=1 wradjust=1)" --guest "$(dl tsc=none expect=early)" \
  --guest "$(dl tsc=kvm2633 expect=early)"
cv_wait fwd2
cv_bg neg2 --emu bochs --cpus 2 --timeout $T2 \
  --hv "skew=0,+1000000 migrate=random:$SEED slice=2000000" \
  --guest "$(rtos tsc=none expect=backward)" --guest "$(tpr sabotage=cr8)" \
  --guest "$(apic mode=xapic sabotage=tpr)" --guest "$(apic mode=xapic only=reinject flaw=drop-vectoring)" \
  --guest "$(apic mode=xapic only=nmi-wake vcpus=2 flaw=nmi-no-wake)" \
  --guest "$(apic only=timer flaw=divide)"
cv_wait back2 neg2

# ---- log parsing ----
log() { tr -d '\r' <"$(cv_log "$1")" 2>/dev/null; }
num() { [[ $1 =~ ^-?[0-9]+$ ]]; }
# vm_pass RUN VM NAME: the VM's verdict is PASS and its guest saw no failure
vm_pass() {
  want_log "^\[hv\] vm$2 \"$3\.elf\" exit code 1: PASS" "vm$2 $3 PASS"
  want_log "^\[vm$2\] SUMMARY: [0-9]+ tests, 0 unexpected failures" "vm$2 SUMMARY without failures"
}
# dfield RUN VM KEY: from "[vmN] deadline: fires=F early=E lateness min=A median=B max=C ticks"
dfield() {
  log "$1" | sed -n "s/^\[vm$2\] deadline: fires=\([0-9]*\) early=\([0-9]*\) lateness min=\(-\?[0-9]*\) median=\(-\?[0-9]*\) max=\(-\?[0-9]*\) ticks.*/fires=\1 early=\2 min=\3 median=\4 max=\5/p" |
    tail -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}
# rfield RUN VM KEY: from "[vmN] rtos: n=... backward=B max_backward=M short=S ... ticks=T expected=E"
rfield() { log "$1" | sed -n "s/^\[vm$2\] rtos: .*\b$3=\([0-9]*\).*/\1/p" | tail -n 1; }
# exits RUN VM REASON: the count from "[hv] vmN vcpuK exits REASON N", summed over vCPUs
exits() {
  log "$1" | awk -v vm="vm$2" -v r="$3" '$1 == "[hv]" && $2 == vm && $4 == "exits" && $5 == r {
    c = $6; sub(/,$/, "", c); s += c } END { print s + 0 }'
}
# apic_line RUN VM KEY: summed over vCPUs, from "[hv] vmN vcpuK apic: injected I interrupt(s), ...,
# timer fires F (...), guard holds G; IPIs sent S; EOIs E"
apic_line() {
  log "$1" | awk -v vm="vm$2" -v k="$3" '$1 == "[hv]" && $2 == vm && $4 == "apic:" {
    for (i = 5; i <= NF; i++) {
      if (k == "injected" && $i == "injected") s += $(i + 1)
      if (k == "fires" && $i == "fires") s += $(i + 1)
      if (k == "holds" && $i == "holds") { v = $(i + 1); sub(/;/, "", v); s += v }
    } } END { print s + 0 }'
}

check_apic() { # NAME RUN VM VCPUS
  local name=$1 run=$2 vm=$3 n=$4
  begin "$name" "$run"
  vm_pass "$run" "$vm" apic
  for m in xapic x2apic; do
    want_log "^\[vm$vm\] PASS: $m: tsc-deadline: fires once" "$m TSC-deadline"
    want_log "^\[vm$vm\] PASS: $m: eoi: one EOI clears the highest" "$m EOI order"
    want_log "^\[vm$vm\] PASS: $m: timer: periodic reloads" "$m periodic timer"
    if (( n > 1 )); then
      want_log "^\[vm$vm\] PASS: $m: smp: all to all at once" "$m IPIs between vCPUs"
      want_log "^\[vm$vm\] PASS: $m: smp: STARTUP after INIT" "$m INIT and SIPI of a running vCPU"
    fi
  done
  want_log "^\[vm$vm\] PASS: x2apic: x2apic-rules: RDMSR 0x83f SELF IPI \(write-only\) raises #GP" \
    'x2APIC #GP rules'
  want_log "^\[vm$vm\] PASS: xapic: reinject: the interrupted delivery of vector" \
    'an interrupt whose delivery an EPT violation interrupted is delivered again'
  for m in xapic x2apic; do
    want_log "^\[vm$vm\] PASS: $m: timer: divide configuration: each divides" "$m divide configuration"
  done
  if (( n > 1 )); then
    want_log "^\[vm$vm\] PASS: xapic: nmi-wake: an NMI wakes CPU" 'an NMI wakes a vCPU halted with IF = 0'
    want_log "^\[vm$vm\] PASS: xapic: nmi-wake: CPU [0-9]+ halted with IF = 0 sleeps through" \
      'a fixed IPI does not wake it'
  fi
  # nothing may SKIP, but the SMP checks (smp, nmi-wake) with one vCPU
  if log "$run" | grep -a "^\[vm$vm\] SKIP: " | grep -qv -e ': smp: ' -e ': nmi-wake: '; then
    _chk_fail "a SKIP other than SMP"
  fi
  end "$(log "$run" | grep -a "^\[vm$vm\] SUMMARY:" | sed 's/^\[vm[0-9]*\] //')"
}

check_deadline() { # NAME RUN VM [what]
  local name=$1 run=$2 vm=$3 f e md mx
  begin "$name" "$run"
  vm_pass "$run" "$vm" deadline
  f=$(dfield "$run" "$vm" fires); e=$(dfield "$run" "$vm" early)
  md=$(dfield "$run" "$vm" median); mx=$(dfield "$run" "$vm" max)
  num "$f" && num "$e" || _chk_fail "no deadline: line for vm$vm"
  if num "$f" && num "$e"; then
    (( f == N )) || _chk_fail "$f of $N deadlines fired"
    (( e == 0 )) || _chk_fail "$e fired before the guest's TSC reached the deadline"
  fi
  end "fires $f, early $e, lateness median $md max $mx ticks${4:+; $4}"
}

check_rtos() { # NAME RUN VM
  local name=$1 run=$2 vm=$3 b t x
  begin "$name" "$run"
  vm_pass "$run" "$vm" rtos
  b=$(rfield "$run" "$vm" backward); t=$(rfield "$run" "$vm" ticks); x=$(rfield "$run" "$vm" expected)
  num "$b" && num "$t" || _chk_fail "no rtos: line for vm$vm"
  num "$b" && (( b == 0 )) || _chk_fail "backward steps: $b"
  end "backward $b, ticks $t of $x expected"
}

check_tpr() { # NAME RUN VM PATH (vid|shadow|exits)
  local name=$1 run=$2 vm=$3 how=$4 thr cr
  begin "$name" "$run"
  vm_pass "$run" "$vm" tpr
  thr=$(exits "$run" "$vm" TPR_BELOW_THRESHOLD); cr=$(exits "$run" "$vm" CR_ACCESS)
  if [[ $how == vid ]]; then
    # virtual-interrupt delivery: a lowered TPR is evaluated by the CPU, no exit at all
    (( thr == 0 && cr == 0 )) || _chk_fail "exits with virtual-interrupt delivery: $thr TPR-below-threshold, $cr CR exits"
  elif [[ $how == shadow ]]; then
    (( thr > 0 && cr == 0 )) || _chk_fail "TPR shadow not used: $thr TPR-below-threshold, $cr CR exits"
  else
    (( cr > 0 && thr == 0 )) || _chk_fail "CR8 exits not used: $cr CR exits, $thr TPR-below-threshold"
  fi
  end "$how: $thr TPR-below-threshold exits, $cr CR-access exits"
}

# ---- 1 pCPU ----
check_apic     1cpu-apic one 0 1
check_deadline 1cpu-deadline one 1
check_rtos     1cpu-rtos one 2
check_tpr      1cpu-tpr-apicv-on one 3 vid
# which path the xAPIC accesses took: apicv=on virtualizes them (APIC-write and APIC-access
# exits only, no EPT violation), apicv=off emulates each one after an EPT violation
check_apic_path() { # NAME RUN VM PATH (vid|emulated)
  local name=$1 run=$2 vm=$3 how=$4 ept acc wr
  begin "$name" "$run"
  ept=$(exits "$run" "$vm" EPT_VIOLATION); acc=$(exits "$run" "$vm" APIC_ACCESS)
  wr=$(exits "$run" "$vm" APIC_WRITE)
  if [[ $how == vid ]]; then
    # one EPT violation is the apic guest's reinject check (its IDT's page, HC_EPT_EVICT)
    (( ept <= 1 && wr > 0 )) || _chk_fail "xAPIC not virtualized: $ept EPT violations, $wr APIC-write exits"
  else
    (( ept > 0 && acc == 0 && wr == 0 )) || _chk_fail "xAPIC not emulated: $ept EPT violations, $acc APIC-access, $wr APIC-write exits"
  fi
  end "$how: $ept EPT-violation, $acc APIC-access, $wr APIC-write exits"
}
check_apic_path 1cpu-apic-path-apicv-on one 0 vid
check_apic     1cpu-apicv-off-apic one-apicv-off 0 1
check_apic_path 1cpu-apic-path-apicv-off one-apicv-off 0 emulated
check_tpr      1cpu-apicv-off-tpr one-apicv-off 1 exits
N_SAVE=$N; N=50; check_deadline 1cpu-apicv-off-deadline one-apicv-off 2; N=$N_SAVE

# ---- 2 pCPUs, pCPU 1 ahead by 10^6 ----
check_apic     2cpu-plus1e6-apic-2vcpu-apicv-tpr fwd2 0 2
check_deadline 2cpu-plus1e6-deadline fwd2 1
check_rtos     2cpu-plus1e6-rtos fwd2 2
check_tpr      2cpu-plus1e6-tpr-apicv-tpr fwd2 3 shadow
check_deadline 2cpu-plus1e6-deadline-tsc_khz fwd2 4 "guest TSC scaled to 25000 kHz"
begin 2cpu-kicks fwd2
k=$(exits fwd2 0 EXTERNAL_INTERRUPT)
(( k > 0 )) || _chk_fail "no IPI kick exits for the 2-vCPU apic VM on 2 pCPUs"
end "$k external-interrupt exits (kicks) for vm0"

# ---- 2 pCPUs, pCPU 1 behind by 10^6 ----
check_apic     2cpu-minus1e6-apic-2vcpu back2 0 2
check_deadline 2cpu-minus1e6-deadline back2 1
check_rtos     2cpu-minus1e6-rtos back2 2
check_deadline 2cpu-minus1e6-deadline-wrtsc-wradjust back2 3 "after WRMSR IA32_TSC and IA32_TSC_ADJUST"
begin 2cpu-minus1e6-deadline-wrtsc-writes back2
want_log '^\[vm3\] PASS: deadline: wrtsc: WRMSR IA32_TSC' 'the IA32_TSC write'
want_log '^\[vm3\] PASS: deadline: wradjust: IA32_TSC_ADJUST' 'the IA32_TSC_ADJUST write'
end

begin negative-2cpu-minus1e6-deadline-tsc-none-early back2
vm_pass back2 4 deadline
e=$(dfield back2 4 early)
num "$e" && (( e > 0 )) || _chk_fail "tsc=none: no early fire (early='$e')"
want_log '^\[vm4\] PASS: deadline: early fires detected' 'expect=early PASS'
end "negative control: $e of $N fired early, lateness min $(dfield back2 4 min) ticks"

begin record-2cpu-minus1e6-deadline-kvm2633 back2
e=$(dfield back2 5 early)
num "$e" || _chk_fail "no deadline: line for vm5"
end "recorded: kvm2633 early $e of $N, lateness min $(dfield back2 5 min) median $(dfield back2 5 median) ticks"

# ---- 4 pCPUs, mixed skews ----
check_apic     4cpu-mixed-apic-4vcpu mixed4 0 4
check_deadline 4cpu-mixed-deadline mixed4 1
check_rtos     4cpu-mixed-rtos mixed4 2

# ---- negative controls that must fail ----
begin negative-rtos-tsc-none-backward neg2
vm_pass neg2 0 rtos
b=$(rfield neg2 0 backward)
num "$b" && (( b > 0 )) || _chk_fail "tsc=none: no backward step (backward='$b')"
want_log '^\[vm0\] PASS: rtos: backward steps detected' 'expect=backward PASS'
end "negative control: $b of $N sleeps ended with t2 < t1, largest $(rfield neg2 0 max_backward) ticks"

begin negative-tpr-sabotage-cr8-fails neg2
want_log '^\[hv\] vm1 "tpr\.elf" exit code [0-9]+: FAIL' 'vm1 verdict FAIL'
want_log '^\[vm1\] FAIL: xapic: MOV CR8 <- 5: the waiting 0x65 is delivered' 'the CR8 check fails'
end

begin negative-apic-sabotage-tpr-fails neg2
want_log '^\[hv\] vm2 "apic\.elf" exit code [0-9]+: FAIL' 'vm2 verdict FAIL'
want_log '^\[vm2\] FAIL: xapic: tpr:' 'a TPR check fails'
end

begin negative-apic-flaw-drop-vectoring-fails neg2
want_log '^\[hv\] vm3 "apic\.elf" exit code [0-9]+: FAIL' 'vm3 verdict FAIL'
want_log '^\[vm3\] PASS: xapic: reinject: the IDT.s page left the EPT' 'the delivery did exit'
want_log '^\[vm3\] FAIL: xapic: reinject: the interrupted delivery of vector' 'the dropped interrupt is missed'
want_log '^\[hv\] vm3 vcpu0: flaw=drop-vectoring dropped [1-9]' 'the hypervisor dropped it'
end "negative control: $(log neg2 | grep -a '^\[vm3\] FAIL: xapic: reinject' | sed 's/.*: its/its/')"

begin negative-apic-flaw-nmi-no-wake-fails neg2
want_log '^\[hv\] vm4 "apic\.elf" exit code [0-9]+: FAIL' 'vm4 verdict FAIL'
want_log '^\[vm4\] FAIL: xapic: nmi-wake: an NMI wakes CPU' 'the NMI wake-up check fails'
end "negative control: $(log neg2 | grep -a '^\[vm4\] FAIL: xapic: nmi-wake' | sed 's/.*(/(/')"

begin negative-apic-flaw-divide-fails neg2
want_log '^\[hv\] vm5 "apic\.elf" exit code [0-9]+: FAIL' 'vm5 verdict FAIL'
want_log '^\[vm5\] FAIL: xapic: timer: divide configuration: each divides' 'the xAPIC divide check fails'
want_log '^\[vm5\] FAIL: x2apic: timer: divide configuration: each divides' 'the x2APIC divide check fails'
end "negative control: $(log neg2 | grep -a '^\[vm5\] FAIL: xapic: timer: divide' | sed 's/.*worst/worst/')"

for r in one one-apicv-off fwd2 back2 mixed4; do
  begin "no-hv-failure-$r" "$r"
  want_nolog '^\[hv\] .*(unhandled VM exit|VM entry failed|CPU EXCEPTION)' 'no hypervisor failure'
  want_nolog '^\[hv\] vm[0-9]+ ".*" exit code none' 'every VM ended by its own verdict'
  end
done

finish
