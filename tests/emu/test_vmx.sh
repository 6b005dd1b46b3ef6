#!/bin/bash
# tests/emu/test_vmx.sh - the VMX core under Bochs: guests run under EPT and end with their
# own verdicts, hostile guests are ended with the right reason while the next VM still runs,
# malformed guest ELFs are refused by name, guest-attached modules arrive, and each break=
# case produces its failure class and names the corrupted field: the CPU's with
# entry_check=off, the software entry checker's (field and rule) with the default.
#
# Timeouts are >= 5x the usual wall time (a 1-CPU Bochs boot with a few guests: 5-20 s).
# At most 2 Bochs runs at a time (2 cores).

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
T_MULTI=240   # 10 VMs in one boot: ~20 s quiet
T_ONE=120     # one small VM: ~5 s quiet

work=$TEST_LOGROOT/inputs
rm -rf "$work"; mkdir -p "$work"
head -c 6000 "$G/hello.elf" >"$work/truncated.elf"           # segments run past the end of the file
printf 'this is not a kernel\n%.0s' {1..200} >"$work/garbage.elf" # no Multiboot header at all
printf 'KEY=value\n' >"$work/env.txt"

# ---- one boot, many VMs: each ends on its own, the next one still runs ----
cv_bg multi --emu bochs --timeout $T_MULTI --hv "watchdog=300000000" \
  --guest "$G/hello.elf hv=1 expect=first" \
  --guest "$G/hostile.elf hv=1 mem=16M case=ept" \
  --guest "$G/hostile.elf hv=1 mem=16M case=port" \
  --guest "$G/hostile.elf hv=1 mem=16M case=vmxon" \
  --guest "$G/hostile.elf hv=1 mem=16M case=triple" \
  --guest "$work/truncated.elf" \
  --guest "$work/garbage.elf" \
  --guest "$G/hostile.elf hv=1 mem=16M case=cpuid-loop" \
  --guest "$G/hello.elf hv=1 expect=last" --guest-module "$work/env.txt" \
  --guest "$G/hello.elf hv=1 crash=hlt" \
  --guest "$G/hello.elf hv=1 tsc=nowatchdog"
cv_bg platform --emu bochs --timeout $T_ONE --guest "$G/platform.elf hv=1"
cv_wait multi platform

begin multi-first-guest-passes multi
want_log '^\[vm0\] PASS: expect=first' 'vm0 saw its own command line'
want_log '^\[hv\] vm0 "hello.elf" exit code 1: PASS' 'vm0 verdict line'
end

begin hostile-ept-ended multi
want_log '^\[hv\] vm1 "hostile.elf" exit code none: FAIL \(access outside its RAM: EPT violation at guest-physical 0x80000000' 'vm1 ended by its EPT violation, with the address'
want_log '^\[hv\] vm1 "hostile.elf": 16 MiB RAM' 'mem=16M honoured'
want_log '^\[hv\] vm1 .*RIP 0x' 'the RIP of the access'
end

begin hostile-ports-dropped multi
want_log '^\[hv\] vm2: 1-byte write of 0xfe to unemulated port 0x64 dropped' 'the keyboard-controller reset write dropped and reported'
want_log '^\[hv\] vm2 "hostile.elf" exit code 1: PASS' 'vm2 survives its port writes'
end

begin hostile-vmxon-ud multi
want_log '^\[vm3\] PASS: vmxon: MOV to CR4 with VMXE \(VMX hidden\): #GP' 'CR4.VMXE refused with #GP'
want_log '^\[vm3\] PASS: vmxon: VMXON with VMX hidden: #UD' 'VMXON answered with #UD, as on a CPU without VMX'
want_log '^\[hv\] vm3 "hostile.elf" exit code 1: PASS' 'vm3 passes'
end

begin hostile-triple-fault-ended multi
want_log '^\[hv\] vm4 "hostile.elf" exit code none: FAIL \(triple fault: shutdown at RIP 0x' 'vm4 ended by its triple fault'
end

begin malformed-elf-truncated-refused multi
want_log '^\[hv\] vm5 "truncated.elf" exit code none: FAIL \(not loaded: truncated.elf: ' 'vm5 refused, naming the file'
end

begin malformed-elf-garbage-refused multi
want_log '^\[hv\] vm6 "garbage.elf" exit code none: FAIL \(not loaded: garbage.elf: no Multiboot header' 'vm6 refused: no Multiboot header'
end

begin non-linux-guest-tsc-value-refused multi
want_log "^\\[hv\\] vm10 \"hello\\.elf\" exit code none: FAIL \\(not loaded: option 'tsc': bad value 'nowatchdog'; allowed: none\\|kvm2633\\|percpu" \
  "vm10 refused: a tsc= that is no policy reaches only a Linux guest"
end

begin hostile-spin-watchdog multi
want_log '^\[hv\] vm7 "hostile.elf" exit code none: FAIL \(watchdog: still running after 300000000 ticks' 'vm7 ended by the watchdog'
end

begin multi-last-guest-passes multi
want_log '^\[vm8\] PASS: expect=last' 'vm8 ran after all the hostile ones'
want_log '^\[hv\] vm8 "hello.elf" exit code 1: PASS' 'vm8 verdict line'
want_log '^\[hv\] vm8 "hello.elf": .* 1 module\(s\)' 'vm8 got its attached module'
want_log '^RESULT: FAIL' 'the run fails as a whole (hostile VMs failed)'
want_log '^\[hv\] 11 VM\(s\) run' 'all eleven VMs were counted (the refused ones too)'
end

# A VM whose only vCPU parks for good (CLI; HLT) can never run again: the idle pCPUs'
# housekeeping (vmm/sched.c:end_stuck_vms) must end it, or this boot never ends.
begin stuck-vm-ended multi
want_log '^\[vm9\] hello: crashing on purpose \(crash=hlt\)' 'vm9 parked itself (CLI; HLT)'
want_log '^\[hv\] vm9 "hello\.elf" exit code none: FAIL \(halted for good: HLT at RIP 0x[0-9a-f]+ with interrupts off, no vCPU left to run\)' 'the scheduler ended vm9 as stuck'
end

begin platform-under-chronovisor platform
want_rc 0
want_log '^\[vm0\] SUMMARY: [0-9]+ tests, 0 unexpected failures' 'the platform guest has no failure'
want_nolog '^\[vm0\] SKIP' 'no check skipped under chronovisor'
want_log '^\[hv\] vm0 "platform.elf" exit code 1: PASS' 'verdict line'
end

# ---- break=: each corruption, diagnosed twice ----
# With entry_check=off the CPU (Bochs) sees the corrupted VMCS: its failure class and the field
# in the dump. With the default (entry_check=first) the software checker refuses the VMLAUNCH
# first and names the field and the rule (vmx/entry_check.c).
#   case        | the CPU's class (entry_check=off)            | field named               | the checker's rule
cases=(
  "tr-type|exit reason 33 INVALID_STATE|GUEST_TR_AR_BYTES|type must be 11 "
  "cs-accessed|exit reason 33 INVALID_STATE|GUEST_CS_AR_BYTES|type must be 9, 11, 13 or 15 "
  "link-pointer|exit reason 33 INVALID_STATE, qualification 4|VMCS_LINK_POINTER|must be 0xffffffffffffffff "
  "cr0-ne|exit reason 33 INVALID_STATE|GUEST_CR0|bits 0x20 must be 1 "
  "rflags|exit reason 33 INVALID_STATE|GUEST_RFLAGS|bit 1 must be 1, "
  "host-tr|VMfailValid, error 8|HOST_TR_SELECTOR|must not be 0, "
  "controls|VMfailValid, error 7|PIN_BASED_VM_EXEC_CONTROL|bits 0x[0-9a-f]+ must be 0 [(]allowed 1-settings"
)
runs=()
for c in "${cases[@]}"; do runs+=("${c%%|*}" "${c%%|*}:check"); done
prev=""
for r in "${runs[@]}"; do
  name=${r%%:*}
  if [[ $r == *:check ]]; then id="check-$name"; hv="break=$name"; else id="break-$name"; hv="break=$name entry_check=off"; fi
  cv_bg "$id" --emu bochs --timeout $T_ONE --hv "$hv" --guest "$G/hello.elf"
  if [[ -n $prev ]]; then cv_wait "$prev" "$id"; prev=""; else prev=$id; fi
done
[[ -n $prev ]] && cv_wait "$prev"
for c in "${cases[@]}"; do
  IFS='|' read -r name class field rule <<<"$c"
  begin "break-$name" "break-$name"
  want_rc 1
  want_log "^\[hv\] break=$name: vm0: corrupting $field " "the corrupted field $field named"
  want_log "^\[hv\] vm0 \"hello.elf\" exit code none: FAIL \(VM entry failed: $class" "failure class '$class'"
  want_log '^\[hv\] ---- VMCS dump' 'the full VMCS dump'
  want_log "^\[hv\]   $field " "$field in the dump"
  end
  begin "break-$name-checked" "check-$name"
  want_rc 1
  want_log "^\[hv\] break=$name: vm0: corrupting $field " "the corrupted field $field named"
  want_log '^\[hv\] ---- VMCS dump' 'the full VMCS dump'
  want_log "^\[hv\] vm0 vcpu0: entry check: .*[(]$field[)]: $rule.*VMLAUNCH not run" "the checker names $field and its rule"
  want_log "^\[hv\] vm0 \"hello.elf\" exit code none: FAIL \(VM entry failed: entry check: .*[(]$field[)]: $rule" "the VM's end line names the rule"
  want_nolog 'FAIL \(VM entry failed: (exit reason|VMfail)' 'the CPU never saw the corrupted VMCS'
  end
done

finish
