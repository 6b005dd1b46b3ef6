#!/bin/bash
# tests/emu/test_hostmem.sh - the host's own memory protections (kernel/paging.c, kernel/stacks.c,
# lib/stack_protector.c; docs/design.md, "Host memory map"), all on QEMU TCG: none of it needs VMX,
# and every run ends at the VMX check (RESULT: NOVMX) or at the fault it provokes.
#
#   hostmem-protections-on       the boot log states EFER.NXE=1, CR0.WP=1, and CR4.SMEP/SMAP = 1
#                                exactly where the CPU has them, and the image's per-section map
#   crash-stack-named-dump       crash=stack: endless recursion ends as #DF (on the IST1 stack)
#                                naming the boot stack's guard page
#   crash-wtext-faults           crash=wtext: a write into the hypervisor's own text is a #PF
#                                (protection violation, write) at an address inside text
#   crash-xdata-faults           crash=xdata: a jump into .data is a #PF on the instruction fetch
#   crash-canary-named-panic     crash=canary: overwriting a local array's canary is the stack
#                                protector's named panic
#   no-crash-no-fault            the negative control: the same boot without crash= reaches the
#                                VMX check with no exception, no panic and no stack-overflow line
#
# Timeouts are >= 5x the usual run: QEMU TCG to the NOVMX verdict or a dump takes well under 1 s.

source "$(dirname "$0")/lib.sh"

QEMU_T=30

cv_bg base   --emu qemu --timeout $QEMU_T
cv_bg stack  --emu qemu --timeout $QEMU_T --hv "crash=stack"
cv_wait base stack
cv_bg wtext  --emu qemu --timeout $QEMU_T --hv "crash=wtext"
cv_bg xdata  --emu qemu --timeout $QEMU_T --hv "crash=xdata"
cv_wait wtext xdata
cv_bg canary --emu qemu --timeout $QEMU_T --hv "crash=canary"
cv_wait canary

log_of() { tr -d '\r' <"$(cv_log "$1")" 2>/dev/null; }
# "[hv] hostmem: image ... text 0xA-0xB RX, rodata ..., data+bss 0xC-0xD RW NX": the bounds
hex_field() { # RUN REGEX-with-one-group
  log_of "$1" | sed -nE "s/^\[hv\] hostmem: image .*$2.*/\1/p" | head -n 1
}
in_range() { # ADDR LO HI (hex): LO <= ADDR < HI
  [[ -n $1 && -n $2 && -n $3 ]] && (( 16#${1#0x} >= 16#${2#0x} && 16#${1#0x} < 16#${3#0x} ))
}
cr2_of() { log_of "$1" | sed -nE 's/^\[hv\] CR0 [0-9a-f]+ +CR2 ([0-9a-f]+).*/\1/p' | head -n 1; }

# ---- the protections, as the boot log states them ----
begin hostmem-protections-on base
want_rc 4
want_log '^\[hv\] hostmem: image 0x[0-9a-f]+-0x[0-9a-f]+ in 4 KiB pages: text 0x[0-9a-f]+-0x[0-9a-f]+ RX, rodata 0x[0-9a-f]+-0x[0-9a-f]+ R, data\+bss 0x[0-9a-f]+-0x[0-9a-f]+ RW NX, [1-9][0-9]* stack guard pages not present' 'the per-section image map'
want_log '^\[hv\] hostmem: the rest of 0-4 GiB .* RW NX' 'the rest RW NX'
want_log '^\[hv\] hostmem: pcpu 0: EFER\.NXE=1 CR0\.WP=1 ' 'EFER.NXE=1 CR0.WP=1'
state=$(log_of base | grep -m1 '^\[hv\] hostmem: pcpu 0: EFER')
smep=$(sed -nE 's/.*CR4\.SMEP=([01]).*/\1/p' <<<"$state"); has_smep=$(sed -nE 's/.*SMEP ([01]),.*/\1/p' <<<"$state")
smap=$(sed -nE 's/.*CR4\.SMAP=([01]).*/\1/p' <<<"$state"); has_smap=$(sed -nE 's/.*SMAP ([01])\).*/\1/p' <<<"$state")
[[ -n $smep && $smep == "$has_smep" ]] || _chk_fail "CR4.SMEP=$smep but the CPU has SMEP '$has_smep'"
[[ -n $smap && $smap == "$has_smap" ]] || _chk_fail "CR4.SMAP=$smap but the CPU has SMAP '$has_smap'"
want_log '^\[hv\] hostmem: stack protector on \(-fstack-protector-strong\), per-boot canary from ' 'the stack-protector line'
end "SMEP $smep, SMAP $smap"

# ---- crash=stack: the named dump of a stack overflow ----
begin crash-stack-named-dump stack
want_rc 1
want_log '^\[hv\] vector 8: #DF double fault' '"vector 8: #DF double fault"'
want_log '^\[hv\] STACK OVERFLOW: the boot stack \(pcpu 0\) ran into its guard page \(CR2 0x[0-9a-f]+, RSP 0x[0-9a-f]+\)' 'the STACK OVERFLOW line naming the boot stack'
want_log '^\[hv\] backtrace' 'the backtrace line (the dump ran to its end on the IST1 stack)'
want_log '^RESULT: FAIL' '"RESULT: FAIL"'
want_nolog 'did not fault' 'the "did not fault" panic'
end

# ---- crash=wtext: text is not writable ----
text_lo=$(hex_field wtext 'text (0x[0-9a-f]+)-0x[0-9a-f]+ RX'); text_hi=$(hex_field wtext 'text 0x[0-9a-f]+-(0x[0-9a-f]+) RX')
cr2=$(cr2_of wtext)
begin crash-wtext-faults wtext
want_rc 1
want_log '^\[hv\] vector 14: #PF page fault' '"vector 14: #PF"'
want_log '^\[hv\]   page fault: protection violation, write access, supervisor mode' 'a write protection violation'
in_range "$cr2" "$text_lo" "$text_hi" || _chk_fail "CR2 '$cr2' not inside text [$text_lo, $text_hi)"
want_nolog 'did not fault' 'the "did not fault" panic'
end "CR2 0x$cr2 in text $text_lo-$text_hi"

# ---- crash=xdata: data is not executable ----
data_lo=$(hex_field xdata 'data\+bss (0x[0-9a-f]+)-0x[0-9a-f]+ RW NX'); data_hi=$(hex_field xdata 'data\+bss 0x[0-9a-f]+-(0x[0-9a-f]+) RW NX')
cr2=$(cr2_of xdata)
begin crash-xdata-faults xdata
want_rc 1
want_log '^\[hv\] vector 14: #PF page fault' '"vector 14: #PF"'
want_log '^\[hv\]   page fault: protection violation, instruction fetch access' 'an instruction-fetch protection violation'
in_range "$cr2" "$data_lo" "$data_hi" || _chk_fail "CR2 '$cr2' not inside data+bss [$data_lo, $data_hi)"
want_nolog 'did not fault' 'the "did not fault" panic'
end "CR2 0x$cr2 in data $data_lo-$data_hi"

# ---- crash=canary: the stack protector's named panic ----
begin crash-canary-named-panic canary
want_rc 1
want_log '^\[hv\] PANIC on pcpu 0: stack protector: the stack canary of the function at 0x[0-9a-f]+ was overwritten' 'the stack-protector panic'
want_nolog 'did not fault' 'the "did not fault" panic'
end

# ---- the negative control: without crash= nothing faults ----
begin no-crash-no-fault base
want_rc 4
want_log '^RESULT: NOVMX' 'the boot reached the VMX check'
want_nolog 'CPU EXCEPTION|PANIC|STACK OVERFLOW' 'an exception, panic or stack-overflow line'
end

finish
