#!/bin/bash
# tests/emu/test_migrate.sh - the reason chronovisor exists: guests keep one steady TSC while
# their vCPUs migrate between pCPUs whose TSCs disagree. Each boot runs the same guest side by
# side under the three policies (a guest's own tsc= picks its VM's policy):
#   percpu   must show 0 backward steps and 0 warps, a clock error within the measured skew
#            uncertainty plus one slice, and guard corrections explained by that uncertainty;
#            the clock error the guest itself measures (migrate check_every=, HC_TSC_CHECK)
#            within the uncertainty + GUEST_SLACK + the bias of the measurement (GUEST_BIAS);
#   none     the negative control: must show backward steps (migrate) and warps (warp), and a
#            guest-measured clock error of about the skew (the percpu bound must fail for it);
#   kvm2633  the old KVM rule (docs/tsc.md, section 3): a single vCPU never steps back, because
#            each move to a lagging pCPU raises its offset (backwards fixes > 0), and the raises
#            pile up: clock error > KVM_ERR_FACTOR x (uncertainty + 1), by the hypervisor's
#            figure and by the guest's own. The same properties must fail for the percpu VM of
#            the same boot, or they could not tell kvm2633 apart.
# Every warp check also needs the lock to have changed hands between CPUs (handoffs > 0).
# A move to an idle pCPU is a handover (docs/performance.md, "Slice ends and moves"): the new pCPU
# must wait for the old one's VMCLEAR before its VMPTRLD, and for its saves before it loads the
# registers. handover_delay= widens both windows on every move: the waits must hold under it, and
# each wait left out (flaw=handover-no-wait, flaw=handover-early-regs) must be caught.
# Skews are injected in both directions, on 2 and 4 pCPUs; a boot runs 2 VMs with 2 vCPUs each
# on 2 pCPUs, and a last one shows the warp detector firing on 2 pCPUs under tsc=none.
#
# Timeouts are >= 5x the usual wall time (2-pCPU boots ~30-40 s, 4-pCPU ~60-90 s, quiet).

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
SLICE=5000
T2=300
T4=600
CHECK_EVERY=1000   # migrate: one HC_TSC_CHECK sample every 1000 reads (1000 samples)
GUEST_BIAS=11      # ticks from the guest's RDTSC to the exit stub's (docs/tsc.md): error -11 when exact
GUEST_SLACK=16     # Bochs's interleaving of its CPUs and the emulated CPUs' start-up skew (seen: 4)
KVM_ERR_FACTOR=1000

mig() { echo "$G/migrate.elf hv=1 mem=16M tsc=$1 expect=$2 check_every=$CHECK_EVERY swapgs=1"; }
warp() { echo "$G/warp.elf hv=1 mem=16M vcpus=$1 tsc=$2 expect=$3"; }

cv_bg fwd --emu bochs --cpus 2 --timeout $T2 --hv "skew=0,+1000000 migrate=rr slice=$SLICE" \
  --guest "$(mig percpu monotonic)" --guest "$(mig none backward)" --guest "$(mig kvm2633 any)"
cv_bg back --emu bochs --cpus 2 --timeout $T2 --hv "skew=0,-1000000 migrate=rr slice=$SLICE" \
  --guest "$(mig percpu monotonic)" --guest "$(mig none backward)" --guest "$(mig kvm2633 any)"
cv_wait fwd back
cv_bg mixed4 --emu bochs --cpus 4 --timeout $T4 \
  --hv "skew=0,-250000,+500000,-1000000 migrate=random:7 slice=$SLICE" \
  --guest "$(mig percpu monotonic)" --guest "$(mig none backward)" --guest "$(mig kvm2633 any)" \
  --guest "$(warp 4 percpu monotonic)" --guest "$(warp 4 none backward)"
cv_bg shared --emu bochs --cpus 2 --timeout $T2 --hv "skew=0,+1000000 migrate=rr slice=$SLICE" \
  --guest "$(warp 2 percpu monotonic)" --guest "$(warp 2 percpu monotonic)"
cv_wait shared
cv_bg warpfire --emu bochs --cpus 2 --timeout $T2 --hv "skew=0,+1000000 migrate=rr slice=$SLICE" \
  --guest "$(warp 2 none backward)" \
  --guest "$G/migrate.elf hv=1 mem=16M tsc=percpu expect=monotonic swapgs=1 flaw=stale-swapgs"
cv_wait mixed4 warpfire
HANDOVER="migrate=rr slice=$SLICE handover_delay=2000"
cv_bg handover --emu bochs --cpus 2 --timeout $T2 --hv "$HANDOVER" --guest "$(mig percpu monotonic)"
cv_bg handover-nowait --emu bochs --cpus 2 --timeout $T2 --hv "$HANDOVER" \
  --guest "$(mig percpu monotonic) flaw=handover-no-wait"
cv_wait handover handover-nowait
# (with registers loaded before they were saved the guest may never end: its watchdog, about 3x
# the whole run of the "handover" boot, ends it)
cv_bg handover-regs --emu bochs --cpus 2 --timeout $T2 --hv "$HANDOVER watchdog=300000000" \
  --guest "$(mig percpu monotonic) flaw=handover-early-regs"
cv_wait handover-regs

# ---- log parsing ----
log() { tr -d '\r' <"$(cv_log "$1")" 2>/dev/null; }
# field RUN VM KEY: KEY=value from "[vmN] migrate:" / "[vmN] warp:" lines
field() { log "$1" | sed -n "s/^\[vm$2\] \(migrate\|warp\): .*\b$3=\([0-9]*\).*/\2/p" | tail -n 1; }
# hv RUN VM VCPU WHAT: numbers from "[hv] vmN vcpuK tsc: ..." lines
hv() {
  local line; line=$(log "$1" | grep -E "^\[hv\] vm$2 vcpu$3 tsc: " | tail -n 1)
  case $4 in
    migrations)  sed -n 's/.*migrations \([0-9]*\).*/\1/p' <<<"$line" ;;
    corrections) sed -n 's/.*\(guard corrections\|backwards fixes\) \([0-9]*\) .*/\2/p' <<<"$line" ;;
    corr_ticks)  sed -n 's/.*\(guard corrections\|backwards fixes\) [0-9]* (\([0-9]*\) ticks).*/\2/p' <<<"$line" ;;
    error)       sed -n 's/.*max clock error \([0-9]*\) ticks.*/\1/p' <<<"$line" ;;
    guest_error) sed -n 's/.*guest-measured clock error \([0-9]*\) ticks (.*/\1/p' <<<"$line" ;;
    guest_checks) sed -n 's/.*guest-measured clock error [0-9]* ticks (\([0-9]*\) checks.*/\1/p' <<<"$line" ;;
  esac
}
# the largest measured skew uncertainty of a run
max_unc() { log "$1" | sed -n 's/^\[hv\] tsc: pcpu [0-9]* skew [-+0-9]* ticks +\/- \([0-9]*\).*/\1/p' | sort -n | tail -n 1; }
num() { [[ $1 =~ ^[0-9]+$ ]]; }
# the largest |injected skew| of a run
max_injected() {
  log "$1" | sed -n 's/^\[hv\] tsc: pcpu [0-9]* skew .*(injected [-+]\{0,1\}\([0-9]*\)).*/\1/p' | sort -n | tail -n 1
}

# guest_error_small RUN VM: why the guest-measured clock error of vm VM is NOT small, one reason
# a line ("missing: ..." when figures are absent); nothing when it is small, i.e. at most the
# largest uncertainty + GUEST_SLACK + GUEST_BIAS, with >= CHECK_EVERY/2 samples, and the guest's
# figure equal to the hypervisor's (both are the largest |error| of the same samples).
guest_error_small() {
  local run=$1 vm=$2 ge gk hge hgk u
  ge=$(field "$run" "$vm" guest_clock_error_max); gk=$(field "$run" "$vm" guest_clock_checks)
  hge=$(hv "$run" "$vm" 0 guest_error); hgk=$(hv "$run" "$vm" 0 guest_checks); u=$(max_unc "$run")
  if ! { num "$ge" && num "$gk" && num "$hge" && num "$hgk" && num "$u"; }; then
    echo "missing: guest-measured figures (guest max '$ge' checks '$gk', hv max '$hge' checks '$hgk', unc '$u')"
    return
  fi
  (( gk >= 500 )) || echo "only $gk guest clock samples (want >= 500)"
  (( ge == hge && gk == hgk )) || echo "guest says error $ge in $gk samples, hypervisor $hge in $hgk"
  (( ge <= u + GUEST_SLACK + GUEST_BIAS )) ||
    echo "guest-measured clock error $ge > uncertainty $u + slack $GUEST_SLACK + bias $GUEST_BIAS"
}

check_percpu_migrate() { # NAME RUN VM
  local name=$1 run=$2 vm=$3
  begin "$name" "$run"
  local b m e c ct u
  b=$(field "$run" "$vm" backward); m=$(hv "$run" "$vm" 0 migrations)
  e=$(hv "$run" "$vm" 0 error); c=$(hv "$run" "$vm" 0 corrections)
  ct=$(hv "$run" "$vm" 0 corr_ticks); u=$(max_unc "$run")
  num "$b" && num "$m" && num "$e" && num "$c" && num "$ct" && num "$u" ||
    _chk_fail "figures missing from the log (backward='$b' migrations='$m' error='$e' unc='$u')"
  if num "$b" && num "$m" && num "$e" && num "$u" && num "$c" && num "$ct"; then
    (( b == 0 )) || _chk_fail "$b backward steps"
    (( m >= 1000 )) || _chk_fail "only $m migrations (want >= 1000)"
    (( e <= u + SLICE )) || _chk_fail "clock error $e > uncertainty $u + slice $SLICE"
    (( ct <= c * 2 * (u + 1) )) || _chk_fail "guard corrections $c ($ct ticks) exceed what uncertainty $u explains"
  fi
  local why
  while IFS= read -r why; do [[ -n $why ]] && _chk_fail "$why"; done < <(guest_error_small "$run" "$vm")
  want_log "^\[hv\] vm$vm \"migrate.elf\" exit code 1: PASS" "vm$vm verdict PASS"
  end "backward $b, migrations $m, clock error $e (unc $u), guard corrections $c ($ct ticks), guest-measured error $(field "$run" "$vm" guest_clock_error_max) in $(field "$run" "$vm" guest_clock_checks) samples"
}

check_none_migrate() { # NAME RUN VM
  local name=$1 run=$2 vm=$3 b mb ge s u small
  begin "$name" "$run"
  b=$(field "$run" "$vm" backward); mb=$(field "$run" "$vm" max_backward)
  num "$b" || _chk_fail "no migrate: line for vm$vm"
  num "$b" && (( b > 0 )) || _chk_fail "no backward step detected without compensation"
  # The guest-measured error: about the largest skew (the vCPU visits every pCPU), and so the
  # percpu bound must reject it.
  ge=$(field "$run" "$vm" guest_clock_error_max); s=$(max_injected "$run"); u=$(max_unc "$run")
  if num "$ge" && num "$s" && num "$u"; then
    (( ge >= s - u - GUEST_SLACK - GUEST_BIAS && ge <= s + u + GUEST_SLACK + GUEST_BIAS )) ||
      _chk_fail "guest-measured clock error $ge is not about the largest skew $s"
  else
    _chk_fail "figures missing (guest-measured error '$ge', largest skew '$s', unc '$u')"
  fi
  small=$(guest_error_small "$run" "$vm")
  [[ -n $small && $small != missing:* ]] ||
    _chk_fail "the percpu bound on the guest-measured error does not reject tsc=none (${small:-it holds})"
  want_log "^\[hv\] vm$vm \"migrate.elf\" exit code 1: PASS" "vm$vm verdict PASS (expect=backward)"
  end "negative control: $b backward steps, largest $mb ticks; guest-measured error $ge (largest skew $s)"
}

# kvm2633_props RUN VM: which of kvm2633's properties under skew and migration do NOT hold for
# vm VM, one a line, each starting with its key (missing, migrations, backward, fixes, error,
# guest_error); nothing when all hold:
#   migrations >= 1000            (the rest would be vacuous without moves)
#   backward steps == 0           (each move to a lagging pCPU is hidden by a raise ...)
#   backwards fixes > 0           (... and the raises happened)
#   max clock error > KVM_ERR_FACTOR x (unc + 1)          (the raises stay: the clock runs ahead)
#   guest-measured clock error > KVM_ERR_FACTOR x (unc + 1)   (and the guest's own reads say so)
kvm2633_props() {
  local run=$1 vm=$2 b m e c ge u lim
  b=$(field "$run" "$vm" backward); m=$(hv "$run" "$vm" 0 migrations)
  e=$(hv "$run" "$vm" 0 error); c=$(hv "$run" "$vm" 0 corrections)
  ge=$(field "$run" "$vm" guest_clock_error_max); u=$(max_unc "$run")
  if ! { num "$b" && num "$m" && num "$e" && num "$c" && num "$ge" && num "$u"; }; then
    echo "missing: figures for vm$vm (backward '$b' migrations '$m' error '$e' fixes '$c' guest error '$ge' unc '$u')"
    return
  fi
  lim=$((KVM_ERR_FACTOR * (u + 1)))
  (( m >= 1000 )) || echo "migrations: only $m (want >= 1000)"
  (( b == 0 )) || echo "backward: $b backward steps (want 0)"
  (( c > 0 )) || echo "fixes: $c backwards fixes / guard corrections (want > 0)"
  (( e > lim )) || echo "error: max clock error $e <= $lim ($KVM_ERR_FACTOR x (unc $u + 1))"
  (( ge > lim )) || echo "guest_error: guest-measured clock error $ge <= $lim"
}

check_kvm2633() { # NAME RUN VM
  local name=$1 run=$2 vm=$3 why
  begin "$name" "$run"
  while IFS= read -r why; do [[ -n $why ]] && _chk_fail "$why"; done < <(kvm2633_props "$run" "$vm")
  want_log "^\[hv\] vm$vm \"migrate.elf\" exit code 1: PASS" "vm$vm verdict PASS"
  end "backward $(field "$run" "$vm" backward), backwards fixes $(hv "$run" "$vm" 0 corrections) adding $(hv "$run" "$vm" 0 corr_ticks) ticks, clock error $(hv "$run" "$vm" 0 error), guest-measured $(field "$run" "$vm" guest_clock_error_max) (unc $(max_unc "$run"))"
}

# The negative control of check_kvm2633: its properties must fail for the percpu VM of the same
# boot (with every figure present), at least the clock error by both measures.
check_kvm2633_rejects() { # NAME RUN VM
  local name=$1 run=$2 vm=$3 why
  begin "$name" "$run"
  why=$(kvm2633_props "$run" "$vm")
  [[ $why == missing:* ]] && _chk_fail "${why}"
  grep -q '^error:' <<<"$why" || _chk_fail "vm$vm's clock error passes kvm2633's bound"
  grep -q '^guest_error:' <<<"$why" || _chk_fail "vm$vm's guest-measured error passes kvm2633's bound"
  end "kvm2633's properties fail for vm$vm as they must: $(paste -sd';' - <<<"$why" | sed 's/;/; /g')"
}

check_warp() { # NAME RUN VM EXPECT(zero|some)
  local name=$1 run=$2 vm=$3 want=$4 w mw h
  begin "$name" "$run"
  w=$(field "$run" "$vm" warps); mw=$(field "$run" "$vm" max_warp); h=$(field "$run" "$vm" handoffs)
  num "$w" && num "$h" || _chk_fail "no warp: line with warps= and handoffs= for vm$vm"
  if num "$w" && num "$h"; then
    # no handoff: every reading compared with one from the same CPU, so 0 warps proves nothing
    (( h > 0 )) || _chk_fail "the lock never changed hands between CPUs (handoffs=0)"
    if [[ $want == zero ]]; then (( w == 0 )) || _chk_fail "$w warps (largest $mw)"
    else (( w > 0 )) || _chk_fail "no warp detected without compensation"; fi
  fi
  want_log "^\[hv\] vm$vm \"warp.elf\" exit code 1: PASS" "vm$vm verdict PASS"
  end "warps $w, largest $mw, in $h handoffs"
}

check_percpu_migrate  percpu-2cpu-skew-plus1e6 fwd 0
check_none_migrate    none-2cpu-skew-plus1e6-backward fwd 1
check_kvm2633         kvm2633-2cpu-skew-plus1e6 fwd 2
check_kvm2633_rejects kvm2633-props-reject-percpu-2cpu-skew-plus1e6 fwd 0
check_percpu_migrate  percpu-2cpu-skew-minus1e6 back 0
check_none_migrate    none-2cpu-skew-minus1e6-backward back 1
check_kvm2633         kvm2633-2cpu-skew-minus1e6 back 2
check_kvm2633_rejects kvm2633-props-reject-percpu-2cpu-skew-minus1e6 back 0
check_percpu_migrate  percpu-4cpu-mixed-skews mixed4 0
check_none_migrate    none-4cpu-mixed-skews-backward mixed4 1
check_kvm2633         kvm2633-4cpu-mixed-skews mixed4 2
check_kvm2633_rejects kvm2633-props-reject-percpu-4cpu-mixed-skews mixed4 0
check_warp            warp-percpu-4cpu-4vcpu mixed4 3 zero
check_warp            warp-none-4cpu-4vcpu-detected mixed4 4 some
check_warp            shared-2vm-2vcpu-vm0 shared 0 zero
check_warp            shared-2vm-2vcpu-vm1 shared 1 zero
check_warp            warp-none-2cpu-skew-plus1e6-detected warpfire 0 some

# SWAPGS changes IA32_KERNEL_GS_BASE with no exit: the hypervisor must read it back when a vCPU
# leaves (vmm/run.c, msrs_load), or the vCPU finds its WRMSR value again on the next pCPU.
for run in fwd back mixed4; do
  for vm in 0 1 2; do
    begin "swapgs-kernel-gs-base-kept-$run-vm$vm" "$run"
    want_log "^\[vm$vm\] PASS: migrate: swapgs: after [1-9][0-9]* migration" "vm$vm's KERNEL_GS_BASE as SWAPGS left it, after moves"
    end "$(log "$run" | grep -aEo "^\[vm$vm\] PASS: migrate: swapgs: after [0-9]+ migration" | grep -Eo '[0-9]+ migration')s"
  done
done
begin negative-control-stale-swapgs-caught warpfire
want_log '^\[hv\] vm1: flaw=stale-swapgs' 'the flaw announced for vm1'
want_log '^\[vm1\] FAIL: migrate: swapgs: after [1-9][0-9]* migration' "vm1's stale KERNEL_GS_BASE caught"
want_log '^\[vm1\] PASS: migrate: TSC never went backwards' 'the rest of vm1 unaffected'
end "$(log warpfire | grep -aEo '^\[vm1\] FAIL: migrate: swapgs: .*' | sed 's/^\[vm1\] FAIL: migrate: swapgs: //')"

begin handover-waits-hold-under-delay handover
want_rc 0
want_log '^RESULT: PASS' 'RESULT: PASS with the old pCPU of every move slowed down'
want_log "^\[vm0\] PASS: migrate: swapgs: after [0-9]{4,} migration" 'KERNEL_GS_BASE kept over >= 1000 moves'
want_log '^\[vm0\] PASS: migrate: TSC never went backwards' 'TSC monotonic'
end "$(log handover | grep -aEo '^\[hv\] vm0 vcpu0 tsc: policy percpu, migrations [0-9]+' | grep -Eo 'migrations [0-9]+')"

begin negative-control-handover-no-wait-caught handover-nowait
want_log '^\[hv\] vm0: flaw=handover-no-wait' 'the flaw announced'
want_log 'VM entry failed: VMCS still active on pcpu [0-9]+: it must be VMCLEARed there before VMPTRLD' \
  'the VMPTRLD of a VMCS still active on the old pCPU refused by name'
want_nolog '^\[vm0\] RESULT: PASS' 'no PASS for the flawed VM'
end "$(log handover-nowait | grep -aEo 'VMCS still active on pcpu [0-9]+[^(]*' | head -n 1)"

begin negative-control-handover-early-regs-caught handover-regs
want_log '^\[hv\] vm0: flaw=handover-early-regs' 'the flaw announced'
want_log '^\[vm0\] FAIL: migrate: swapgs: after [1-9][0-9]* migration' 'registers loaded before the old pCPU saved them caught'
end "$(log handover-regs | grep -aEo '^\[vm0\] FAIL: migrate: swapgs: .*' | sed 's/^\[vm0\] FAIL: migrate: swapgs: //')"

begin skew-table-4cpu mixed4
for i in 1 2 3; do want_log "^\[hv\] tsc: pcpu $i skew " "skew line for pcpu $i"; done
end "$(log mixed4 | grep -E '^\[hv\] tsc: pcpu' | sed 's/^\[hv\] tsc: //' | paste -sd';' -)"

begin shared-run-passes shared
want_rc 0
want_log '^RESULT: PASS' 'RESULT: PASS with 2 VMs x 2 vCPUs on 2 pCPUs'
end

finish
