#!/bin/bash
# tests/emu/test_irq.sh - the interrupt and APIC timer guests (apic, deadline, rtos) booted bare,
# with no hypervisor, on Bochs and QEMU TCG: the same binaries that are to prove chronovisor's
# virtual local APIC give their verdicts on the emulators' own APICs first.
#
# Bochs (corei7_skylake_x) has x2APIC and TSC-deadline; QEMU 7.2 TCG has neither, so those checks
# SKIP there by CPUID. Rules an emulator gets wrong SKIP naming it (guest/lib/emu.h); the one Bochs
# deviation that makes a whole run fail is used as a negative control instead (deadline wrtsc).
# Each guest is also run so that it must FAIL, to show its checks can.
#
# Wall times here: Bochs 1 CPU ~3 s, 2 CPUs ~5 s, 4 CPUs ~7 s; QEMU < 1 s. Timeouts >= 5x.

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest

# ---- QEMU TCG (fast, one at a time) ----
for n in 1 2 4; do
  cv "qemu-apic-$n" --bare --emu qemu --cpus "$n" --timeout 60 --guest "$G/apic.elf hv=0"
done
cv qemu-deadline --bare --emu qemu --timeout 60 --guest "$G/deadline.elf hv=0 n=200"
# QEMU's APIC timer drops the periods its host thread misses: on a busy host a few % of the
# ticks; tol_pct=25 keeps the rate check (sabotage=tick is 100 % off) without that noise.
cv qemu-rtos --bare --emu qemu --timeout 60 --guest "$G/rtos.elf hv=0 n=500 tol_pct=25"
# must FAIL: handlers without EOI; a tick counted twice
cv qemu-apic-sabotage-eoi --bare --emu qemu --timeout 60 --guest "$G/apic.elf hv=0 sabotage=eoi"
cv qemu-rtos-sabotage-tick --bare --emu qemu --timeout 60 \
  --guest "$G/rtos.elf hv=0 n=200 tol_pct=25 sabotage=tick"

# ---- Bochs, at most two at a time ----
cv_bg bochs-apic-4 --bare --emu bochs --cpus 4 --timeout 180 --guest "$G/apic.elf hv=0"
cv_bg bochs-apic-1 --bare --emu bochs --timeout 120 --guest "$G/apic.elf hv=0"
cv_wait bochs-apic-1
cv_bg bochs-apic-2 --bare --emu bochs --cpus 2 --timeout 120 --guest "$G/apic.elf hv=0"
cv_wait bochs-apic-4
cv_bg bochs-deadline --bare --emu bochs --timeout 120 --guest "$G/deadline.elf hv=0 n=200"
cv_wait bochs-apic-2
cv_bg bochs-rtos --bare --emu bochs --timeout 120 --guest "$G/rtos.elf hv=0 n=500"
cv_wait bochs-deadline
# Bochs 2.7 compares a TSC deadline with its system tick count, not the CPU's TSC: after the
# guest moves its TSC back, deadlines fire early. A real timer caught firing early.
cv_bg bochs-deadline-wrtsc --bare --emu bochs --timeout 120 \
  --guest "$G/deadline.elf hv=0 n=200 wrtsc=1 wradjust=1 expect=early"
cv_wait bochs-rtos
# must FAIL: every fire compared with a later deadline; backward steps where there are none
cv_bg bochs-deadline-sabotage --bare --emu bochs --timeout 120 \
  --guest "$G/deadline.elf hv=0 n=50 sabotage=early"
cv_wait bochs-deadline-wrtsc
cv bochs-rtos-expect-backward --bare --emu bochs --timeout 120 \
  --guest "$G/rtos.elf hv=0 n=200 expect=backward"
cv_wait bochs-deadline-sabotage

passed() { # RUN: PASS verdict, no failure
  want_rc 0
  want_log '^SUMMARY: [0-9]+ tests, 0 unexpected failures' 'SUMMARY with no failure'
  want_log '^RESULT: PASS' 'RESULT: PASS'
}
failed() { # RUN REGEX: FAIL verdict, with the FAIL line REGEX
  want_rc 1
  want_log '^RESULT: FAIL' 'RESULT: FAIL'
  want_log "$1" "the failure /$1/"
}
summary() { grep -a '^SUMMARY:' "$(cv_log "$1")" | tail -n 1; }

# apic: QEMU has no x2APIC and no TSC-deadline (CPUID): SKIP
for n in 1 2 4; do
  begin "bare-qemu-apic-${n}cpu" "qemu-apic-$n"
  passed
  want_log '^SKIP: x2apic: all x2APIC checks \(CPU lacks x2APIC' 'x2APIC SKIP by CPUID'
  want_log '^PASS: xapic: eoi: one EOI clears the highest' 'EOI order'
  [[ $n -gt 1 ]] && want_log '^PASS: xapic: smp: STARTUP after INIT' 'INIT and SIPI of a running AP'
  end "$(summary "qemu-apic-$n")"
done
for n in 1 2 4; do
  begin "bare-bochs-apic-${n}cpu" "bochs-apic-$n"
  passed
  for m in xapic x2apic; do
    want_log "^PASS: $m: tpr: vectors 0x55 \(at the TPR class\) and 0x45 \(below\) stay pending" "$m TPR"
    want_log "^PASS: $m: tsc-deadline: fires once" "$m TSC-deadline"
    [[ $n -gt 1 ]] && want_log "^PASS: $m: smp: all to all at once" "$m IPIs between CPUs"
  done
  want_log '^PASS: x2apic: x2apic-rules: RDMSR 0x83f SELF IPI \(write-only\) raises #GP' 'x2APIC #GP rules'
  end "$(summary "bochs-apic-$n")"
done

begin bare-qemu-deadline qemu-deadline
passed
want_log '^SKIP: deadline: TSC-deadline timer \(CPU lacks it' 'SKIP by CPUID'
end "$(summary qemu-deadline)"

begin bare-bochs-deadline bochs-deadline
passed
want_log '^deadline: fires=200 early=0 ' 'fires=200 early=0'
end "$(grep -a '^deadline: fires=' "$(cv_log bochs-deadline)")"

begin bare-bochs-deadline-wrtsc-early bochs-deadline-wrtsc
passed
want_log '^PASS: deadline: wrtsc: WRMSR IA32_TSC' 'the TSC write'
want_log '^PASS: deadline: early fires detected' 'early fires'
end "Bochs 2.7 deviation: $(grep -a '^deadline: fires=' "$(cv_log bochs-deadline-wrtsc)")"

for emu in qemu bochs; do
  begin "bare-$emu-rtos" "$emu-rtos"
  passed
  want_log '^rtos: n=500 .* backward=0 max_backward=0 short=0 ' 'backward=0 short=0'
  end "$(grep -ao 'backward=.*' "$(cv_log "$emu-rtos")")"
done

# each guest can fail
begin negative-apic-sabotage-eoi qemu-apic-sabotage-eoi
failed '^FAIL: xapic: eoi: one EOI clears the highest'
end "$(summary qemu-apic-sabotage-eoi)"
begin negative-deadline-sabotage-early bochs-deadline-sabotage
failed '^FAIL: deadline: 50 of 50 deadlines fired, none early \(50 early\)'
end "$(grep -a '^deadline: fires=' "$(cv_log bochs-deadline-sabotage)")"
begin negative-rtos-expect-backward-bare bochs-rtos-expect-backward
failed '^FAIL: rtos: backward steps detected \(0 of 200'
end "bare has no backward steps"
begin negative-rtos-sabotage-tick qemu-rtos-sabotage-tick
failed '^FAIL: rtos: [0-9]+ ticks counted over'
end "$(grep -ao 'ticks=[0-9]* expected=[0-9]*' "$(cv_log qemu-rtos-sabotage-tick)")"

finish
