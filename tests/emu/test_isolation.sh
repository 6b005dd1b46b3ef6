#!/bin/bash
# tests/emu/test_isolation.sh - what one VM leaves in a CPU is not another's, and CPUID is the
# contract (docs/design.md, "FPU and debug registers"; docs/features.md).
#
# Two Bochs boots of the same 7 VMs on 2 pCPUs, every vCPU moved at every slice end
# (migrate=rr, slice=20000):
#   isolate id=1, isolate id=6   writers: their patterns in XMM, MXCSR, the x87 control word,
#                                XCR0, YMM, AVX-512 (k1, ZMM), DR0-DR3, DR6, DR7 stay theirs
#                                over 100 yields, sleeps and preemptions (PKRU where shown)
#   isolate write=0              a reader that never writes them sees a CPU just after RESET
#   cpuidc                       every feature shown works, every hidden one faults
#   cpuidc cpuid_hide=A / =B     the same with features hidden from that VM alone
#   hello exit=77                isa-debug-exit value 77 is reported SKIP, not FAIL
# (and in boot 2, cpuidc cpuid_hide=avx,nosuch: refused at load by name, alone)
# 1. the default options: everything above passes.
# 2. the negative controls, fpu_switch=off contract=off (teaching aids): the isolate VMs see
#    each other's registers and FAIL; the cpuid_hide= VMs can use what CPUID hides (CR4.OSXSAVE
#    with XSAVE hidden, IA32_MCG_CAP with MCA hidden, ...) and FAIL.
#
# Wall time on 2 host cores shared with other work: ~45-55 s per boot, one after the other
# (the suite ~1.5-2 min); timeouts are 5x that.

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
T=300
HIDE_A=avx512,mce,fsgsbase,smep,tsc_adjust
HIDE_B=xsave,smap,pcid,rdtscp
HV="migrate=rr slice=20000"
ROUNDS="rounds=40 spin=10000"

guests=(
  --guest "$G/isolate.elf hv=1 mem=4M id=1 $ROUNDS"
  --guest "$G/isolate.elf hv=1 mem=4M id=6 $ROUNDS"
  --guest "$G/isolate.elf hv=1 mem=4M write=0 $ROUNDS"
  --guest "$G/cpuidc.elf hv=1 mem=4M"
  --guest "$G/cpuidc.elf hv=1 mem=4M cpuid_hide=$HIDE_A"
  --guest "$G/cpuidc.elf hv=1 mem=4M cpuid_hide=$HIDE_B"
  --guest "$G/hello.elf hv=1 mem=4M exit=77"
)

cv on --emu bochs --cpus 2 --timeout $T --hv "$HV" "${guests[@]}"
cv off --emu bochs --cpus 2 --timeout $T --hv "$HV fpu_switch=off contract=off" "${guests[@]}" \
  --guest "$G/cpuidc.elf hv=1 mem=4M cpuid_hide=avx,nosuch"

GROUPS_W=("xmm0/xmm15" "MXCSR" "x87 control word" "XCR0" "ymm15 upper half"
          "k1, zmm0 upper half, zmm16" "DR0-DR3" "DR6" "DR7")

# ---- 1. default options ----
begin "isolation: the run passes with every VM's verdict" on
want_rc 0
want_log '^RESULT: PASS'
for vm in 0 1 2 3 4 5; do want_log "vm$vm \"[a-z]+\.elf\" exit code 1: PASS" "vm$vm PASS"; done
end "wall ${CV_WALL[on]} s"

for g in "${GROUPS_W[@]}"; do
  re=$(sed 's/[][\/.^$*+?(){}|]/\\&/g' <<<"$g")
  begin "isolation: $g is each writer's own across moves" on
  want_log "\[vm0\] PASS: $re: kept its pattern" "vm0 (id=1) kept $g"
  want_log "\[vm1\] PASS: $re: kept its pattern" "vm1 (id=6) kept $g"
  end
  [[ $g == "x87 control word" ]] && continue
  begin "isolation: $g of a VM that never wrote it is in its RESET state" on
  want_log "\[vm2\] PASS: $re: in its initial state" "the reader saw RESET $g"
  end
done

begin "isolation: the vCPUs really moved between pCPUs" on
for vm in 0 1 2; do
  want_log "vm$vm vcpu0 tsc: policy percpu, migrations [1-9][0-9]" "vm$vm moved at least 10 times"
done
end

begin "cpuid: every feature shown works and every hidden one faults (all shown)" on
want_log '\[vm3\] SUMMARY: [0-9]+ tests, 0 unexpected failures'
want_nolog '\[vm3\] FAIL' "no FAIL line"
want_log '\[vm3\] PASS: xsave: shown' 'xsave shown and usable'
want_log '\[vm3\] PASS: ds: hidden; RDMSR IA32_DS_AREA: #GP' 'DS hidden, DS_AREA #GP (was: VM ended)'
want_log '\[vm3\] PASS: mca: shown; RDMSR IA32_MCG_CAP: no fault' 'MCG_CAP answers (was: VM ended)'
want_log '\[vm3\] PASS: mca: [0-9]+ banks; MC0_CTL keeps' 'machine-check banks behave'
want_log '\[vm3\] PASS: misc_enable: fast-strings bit written both ways reads back' 'MISC_ENABLE keeps writes (was: constant)'
want_log '\[vm3\] PASS: misc_enable: Limit CPUID Maxval' 'Limit CPUID Maxval honoured'
want_log '\[vm3\] PASS: apic: CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN' 'APIC bit follows APIC_BASE.EN (was: stuck at 1)'
end

begin "xsetbv: XCR0 values the SDM forbids raise #GP and change nothing" on
want_log '\[vm3\] PASS: xsetbv rules: XCR0 = 0 \(x87 bit clear\) raises #GP'
want_log '\[vm3\] PASS: xsetbv rules: XCR0 = x87\|AVX without SSE raises #GP'
want_log '\[vm3\] PASS: xsetbv rules: XCR0 = AVX with only the AVX-512 opmask raises #GP'
want_log '\[vm3\] PASS: xsetbv rules: ECX = 1'
want_log '\[vm3\] PASS: xsetbv rules: XCR0 bit 63'
want_log '\[vm3\] PASS: xsetbv rules: XCR0 unchanged'
end

for f in ${HIDE_A//,/ }; do
  begin "cpuid: cpuid_hide=$f: hidden and faulting" on
  want_log "\[vm4\] PASS: $f: hidden; .*: #(GP|UD)"
  end
done
for f in ${HIDE_B//,/ }; do
  begin "cpuid: cpuid_hide=$f: hidden and faulting" on
  want_log "\[vm5\] PASS: $f: hidden; .*: #(GP|UD)"
  end
done
begin "cpuid: what hidden features need is hidden too (xsave -> avx, mce -> mca)" on
want_log '\[vm5\] PASS: avx: hidden; XSETBV XCR0=7, VEX.256 VXORPS: #UD'
want_log '\[vm4\] PASS: mca: hidden; RDMSR IA32_MCG_CAP: #GP'
want_log '\[vm5\] PASS: osxsave: 0 while XSAVE is hidden'
end
begin "cpuid: the cpuid_hide= VMs pass" on
want_log 'vm4 "cpuidc.elf" exit code 1: PASS'
want_log 'vm5 "cpuidc.elf" exit code 1: PASS'
end
begin "cpuid_hide=: the VM's start line names what it hides, with what depends on it" on
want_log 'hidden by cpuid_hide=: pcid,xsave,avx,' 'xsave, and avx with it'
end

begin "skip: isa-debug-exit value 77 is SKIP, and the run still passes" on
want_log 'vm6 "hello.elf" exit code 155: SKIP'
want_nolog 'vm6 "hello.elf" exit code 155: FAIL'
want_log 'VM\(s\) run: all passed, 1 of them skipped'
end

# ---- 2. negative controls (and a VM refused at load: the others still run) ----
begin "cpuid_hide=: a name that is no feature refuses that VM alone" off
want_log "vm7 \"cpuidc.elf\" exit code none: FAIL \(not loaded: cpuid_hide=: no feature 'nosuch'"
want_log 'vm6 "hello.elf" exit code 155: SKIP' 'the VMs beside it still ran'
end
begin "negative control: fpu_switch=off contract=off makes the run FAIL" off
want_rc 1
want_log '^RESULT: FAIL'
want_log 'vm6 "hello.elf" exit code 155: SKIP' 'the skipped VM is still SKIP'
want_log 'vm3 "cpuidc.elf" exit code 1: PASS' 'a VM with nothing hidden by cpuid_hide= still passes'
end
# The reader's FAIL is the dependable sign (a writer sees the other's values only when the
# schedule puts them on one pCPU in turn); the writers' lines are counted, not required.
for g in "xmm0/xmm15" "MXCSR" "XCR0" "ymm15 upper half" "k1, zmm0 upper half, zmm16" "DR0-DR3" "DR6"; do
  re=$(sed 's/[][\/.^$*+?(){}|]/\\&/g' <<<"$g")
  begin "negative control: fpu_switch=off: $g leaks into a VM that never wrote it" off
  want_log "\[vm2\] FAIL: $re: not in its initial state" "the reader saw a writer's $g"
  end
done
begin "negative control: fpu_switch=off: writers see each other's registers too" off
want_log "\[vm[01]\] FAIL: xmm0/xmm15: changed" "a writer saw another's XMM"
end
begin "negative control: fpu_switch=off leaves DR7 alone (it is in the VMCS)" off
want_log '\[vm0\] PASS: DR7: kept its pattern'
end
for f in ${HIDE_A//,/ } ${HIDE_B//,/ }; do
  begin "negative control: contract=off: hidden $f is usable, cpuidc FAILs" off
  want_log "\[vm[45]\] FAIL: $f: hidden; .*: no fault"
  end
done

finish
