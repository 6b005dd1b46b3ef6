#!/bin/bash
# tests/emu/test_boot.sh - emulator tests of the foundation: boot, the VMX capability check on
# Bochs models with and without the required features, the no-VMX path on QEMU TCG, command-line
# errors, the exception dump (crash=), and cvrun's own argument handling.
#
# Timeouts are >= 5x the usual run time: Bochs 1-CPU boot to verdict ~2-5 s, QEMU TCG < 1 s.
# At most 2 Bochs runs at a time (2 cores here); QEMU runs are short and run alongside.

source "$(dirname "$0")/lib.sh"

BOCHS_T=60   # Bochs, 1 CPU
QEMU_T=60    # QEMU TCG: generous safety limit; it normally ends in well under 10 s

# ---- start everything that can run in parallel ----
cv_bg skylake  --emu bochs --model corei7_skylake_x --timeout $BOCHS_T
cv_bg generic  --emu bochs --model bx_generic       --timeout $BOCHS_T
cv_bg tcg      --emu qemu --timeout $QEMU_T
cv_wait tcg
cv_bg badopt   --emu qemu --timeout $QEMU_T --hv "nosuch=1"
cv_bg crash_ud --emu qemu --timeout $QEMU_T --hv "crash=ud"
cv_wait badopt crash_ud
cv_bg crash_pf --emu qemu --timeout $QEMU_T --hv "crash=pf"
cv_wait crash_pf

# ---- QEMU TCG: no VMX ----
begin qemu-tcg-novmx tcg
want_rc 4
want_log '^\[hv\] VMX not available' '"VMX not available"'
want_log '^RESULT: NOVMX' '"RESULT: NOVMX"'
want_out 'no usable VMX' "cvrun's NOVMX explanation"
end "wall ${CV_WALL[tcg]} s"

# The host MTRRs as SeaBIOS leaves them (WB default, fixed ranges, one UC range for the
# PCI hole): read at boot, before the VMX check; vmx/ept.c maps guest RAM with these types.
begin host-mtrrs-read tcg
want_log '^\[hv\] mtrr: default WB, fixed ranges on, [0-9]+ variable: 0x[0-9a-f]+\+0x[0-9a-f]+ UC$' 'the MTRR summary line'
end

# ---- command-line error: parsed before the VMX check ----
# The error line itself, not the echoed command line (which also holds 'nosuch').
BADOPT_RE="^\\[hv\\] error: bad command line: unknown option 'nosuch' \\(in 'nosuch=1'\\); known options: "
begin bad-option-named badopt
want_rc 1
want_log "$BADOPT_RE" "the error line naming the unknown key 'nosuch'"
want_log '^RESULT: FAIL' '"RESULT: FAIL"'
end "wall ${CV_WALL[badopt]} s"

# ---- crash=ud: the exception dump ----
begin crash-ud-dump crash_ud
want_rc 1
want_log 'vector 6: #UD' '"vector 6: #UD"'
want_log '^\[hv\] RIP [0-9a-f]{16}' 'the RIP line'
want_log '^\[hv\] RAX [0-9a-f]{16} +RBX [0-9a-f]{16}' 'the general registers'
want_log '^\[hv\] CR0 [0-9a-f]{16} +CR2' 'the control registers'
want_log '^RESULT: FAIL' '"RESULT: FAIL"'
end

# ---- crash=pf: CR2 holds the faulting address ----
begin crash-pf-cr2 crash_pf
want_rc 1
want_log 'vector 14: #PF' '"vector 14: #PF"'
want_log 'CR2 [0-9a-f]*[1-9a-f][0-9a-f]*( |$)' 'a non-zero CR2'
want_log '^RESULT: FAIL' '"RESULT: FAIL"'
end

# ---- Bochs: a model with every required feature ----
cv_wait skylake generic
begin bochs-skylake-usable skylake
want_rc 0
want_log '^\[hv\] vmx: CPUID\.1:ECX = 0x[0-9a-f]+: VMX \(bit 5\) = 1' 'the CPUID line of the capability report'
want_log '^\[hv\] vmx: +required +TSC offsetting \.+ present' '"required TSC offsetting ... present"'
want_log '^\[hv\] vmx: +required +EPT \.+ present' '"required EPT ... present"'
want_log '^\[hv\] vmx: +verdict: usable' '"verdict: usable"'
want_log '^RESULT: PASS' '"RESULT: PASS"'
end "wall ${CV_WALL[skylake]} s"

# The negative control of bad-option-named: a valid command line has no such error line.
begin valid-cmdline-no-option-error skylake
want_nolog '^\[hv\] error: bad command line' 'a command-line error line'
want_nolog "$BADOPT_RE" "the bad-option error line"
end

# ---- Bochs: bx_generic lacks EPT, unrestricted guest and the preemption timer ----
begin bochs-bx-generic-missing generic
want_rc 1
want_log '^\[hv\] vmx: +required +EPT \.+ MISSING' '"EPT ... MISSING"'
want_log '^\[hv\] vmx: +required +unrestricted guest \.+ MISSING' '"unrestricted guest ... MISSING"'
want_log '^\[hv\] vmx: +required +VMX-preemption timer \.+ MISSING' '"VMX-preemption timer ... MISSING"'
want_log '^\[hv\] vmx: +verdict: missing [0-9]+ required feature' '"verdict: missing N required features"'
want_log '^RESULT: FAIL' '"RESULT: FAIL"'
end "wall ${CV_WALL[generic]} s"

# ---- cvrun's own argument and environment handling (no emulator) ----
usage_out=$("$CVRUN" --emu nosuch 2>&1); usage_rc=$?
begin cvrun-usage-error
[[ $usage_rc -eq 64 ]] || _chk_fail "exit $usage_rc, want 64"
grep -q -- "--emu must be" <<<"$usage_out" || _chk_fail "no message naming --emu"
grep -q "^Usage:" <<<"$usage_out" || _chk_fail "no usage text"
end

nofile_out=$("$CVRUN" --guest /nonexistent/guest.elf 2>&1); nofile_rc=$?
begin cvrun-missing-guest
[[ $nofile_rc -eq 64 ]] || _chk_fail "exit $nofile_rc, want 64"
grep -q "guest file '/nonexistent/guest.elf' not found" <<<"$nofile_out" || _chk_fail "no message naming the file"
end

model_out=$("$CVRUN" --model pentium_nosuch 2>&1); model_rc=$?
begin cvrun-unknown-model
[[ $model_rc -eq 64 ]] || _chk_fail "exit $model_rc, want 64"
grep -q "known: corei7_skylake_x" <<<"$model_out" || _chk_fail "no list of known models"
end

# qemu-kvm: on hosts without nested VMX cvrun must say what is missing (exit 3);
# where it is available, the run must find VMX usable.
kvm_ok=0
if grep -q GenuineIntel /proc/cpuinfo && [[ -r /dev/kvm && -w /dev/kvm ]] &&
   grep -qE '^(Y|1)$' /sys/module/kvm_intel/parameters/nested 2>/dev/null; then kvm_ok=1; fi
if [[ $kvm_ok -eq 1 ]]; then
  cv kvm --emu qemu-kvm --timeout $QEMU_T
  begin qemu-kvm-nested kvm
  want_rc 0
  want_log '^RESULT: PASS' '"RESULT: PASS"'
  end "wall ${CV_WALL[kvm]} s"
else
  cv kvm --emu qemu-kvm --timeout $QEMU_T
  begin qemu-kvm-unavailable-explained kvm
  want_rc 3
  want_out 'qemu-kvm: .*(not Intel|/dev/kvm|nested)' 'a message naming what is missing'
  end
fi

# ---- a CPU without long mode: the 32-bit entry explains and ends the run ----
# cvrun offers only x86-64 models, so QEMU is started directly with a 32-bit CPU.
nolm=$TEST_LOGROOT/no-long-mode
rm -rf "$nolm"; mkdir -p "$nolm"
timeout 60 qemu-system-x86_64 -cpu pentium3 -kernel "$TEST_BUILD/chronovisor32.elf" -m 128 \
  -display none -monitor none -no-reboot -serial "file:$nolm/serial.log" \
  -device isa-debug-exit,iobase=0xf4,iosize=4 >"$nolm/qemu.out" 2>&1
nolm_rc=$?
if grep -q 'no 64-bit long mode' "$nolm/serial.log" && grep -q '^RESULT: FAIL' "$nolm/serial.log" &&
   [[ $nolm_rc -eq 3 ]]; then
  pass no-long-mode-explained
else
  fail no-long-mode-explained "qemu exit $nolm_rc (want 3); log: $nolm/serial.log"
fi

finish
