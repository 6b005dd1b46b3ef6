#!/bin/bash
# tests/emu/test_migrate.sh - the reason chronovisor exists: guests keep one steady TSC while
# their vCPUs migrate between pCPUs whose TSCs disagree. Each boot runs the same guest side by
# side under the three policies (a guest's own tsc= picks its VM's policy):
#   percpu   must show 0 backward steps and 0 warps, a clock error within the measured skew
#            uncertainty plus one slice, and guard corrections explained by that uncertainty;
#   none     the negative control: must show backward steps (migrate) and warps (warp);
#   kvm2633  the old KVM rule: what the guest saw is recorded (backward steps, clock error).
# Skews are injected in both directions, on 2 and 4 pCPUs; a last boot runs 2 VMs with 2
# vCPUs each on 2 pCPUs.
#
# Timeouts are >= 5x the usual wall time (2-pCPU boots ~30-40 s, 4-pCPU ~60-90 s, quiet).

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
SLICE=5000
T2=300
T4=600

mig() { echo "$G/migrate.elf hv=1 mem=16M tsc=$1 expect=$2"; }
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
cv_wait mixed4 shared

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
  esac
}
# the largest measured skew uncertainty of a run
max_unc() { log "$1" | sed -n 's/^\[hv\] tsc: pcpu [0-9]* skew [-+0-9]* ticks +\/- \([0-9]*\).*/\1/p' | sort -n | tail -n 1; }
num() { [[ $1 =~ ^[0-9]+$ ]]; }

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
  want_log "^\[hv\] vm$vm \"migrate.elf\" exit code 1: PASS" "vm$vm verdict PASS"
  end "backward $b, migrations $m, clock error $e (unc $u), guard corrections $c ($ct ticks)"
}

check_none_migrate() { # NAME RUN VM
  local name=$1 run=$2 vm=$3 b mb
  begin "$name" "$run"
  b=$(field "$run" "$vm" backward); mb=$(field "$run" "$vm" max_backward)
  num "$b" || _chk_fail "no migrate: line for vm$vm"
  num "$b" && (( b > 0 )) || _chk_fail "no backward step detected without compensation"
  want_log "^\[hv\] vm$vm \"migrate.elf\" exit code 1: PASS" "vm$vm verdict PASS (expect=backward)"
  end "negative control: $b backward steps, largest $mb ticks"
}

record_kvm2633() { # NAME RUN VM
  local name=$1 run=$2 vm=$3 b mb e c ct
  begin "$name" "$run"
  b=$(field "$run" "$vm" backward); mb=$(field "$run" "$vm" max_backward)
  e=$(hv "$run" "$vm" 0 error); c=$(hv "$run" "$vm" 0 corrections); ct=$(hv "$run" "$vm" 0 corr_ticks)
  num "$b" && num "$e" && num "$c" || _chk_fail "figures missing for vm$vm"
  end "recorded: backward $b (largest $mb), backwards fixes $c adding $ct ticks, clock error $e"
}

check_warp() { # NAME RUN VM EXPECT(zero|some)
  local name=$1 run=$2 vm=$3 want=$4 w mw
  begin "$name" "$run"
  w=$(field "$run" "$vm" warps); mw=$(field "$run" "$vm" max_warp)
  num "$w" || _chk_fail "no warp: line for vm$vm"
  if num "$w"; then
    if [[ $want == zero ]]; then (( w == 0 )) || _chk_fail "$w warps (largest $mw)"
    else (( w > 0 )) || _chk_fail "no warp detected without compensation"; fi
  fi
  want_log "^\[hv\] vm$vm \"warp.elf\" exit code 1: PASS" "vm$vm verdict PASS"
  end "warps $w, largest $mw"
}

check_percpu_migrate percpu-2cpu-skew-plus1e6 fwd 0
check_none_migrate   none-2cpu-skew-plus1e6-backward fwd 1
record_kvm2633       kvm2633-2cpu-skew-plus1e6 fwd 2
check_percpu_migrate percpu-2cpu-skew-minus1e6 back 0
check_none_migrate   none-2cpu-skew-minus1e6-backward back 1
record_kvm2633       kvm2633-2cpu-skew-minus1e6 back 2
check_percpu_migrate percpu-4cpu-mixed-skews mixed4 0
check_none_migrate   none-4cpu-mixed-skews-backward mixed4 1
record_kvm2633       kvm2633-4cpu-mixed-skews mixed4 2
check_warp           warp-percpu-4cpu-4vcpu mixed4 3 zero
check_warp           warp-none-4cpu-4vcpu-detected mixed4 4 some
check_warp           shared-2vm-2vcpu-vm0 shared 0 zero
check_warp           shared-2vm-2vcpu-vm1 shared 1 zero

begin skew-table-4cpu mixed4
for i in 1 2 3; do want_log "^\[hv\] tsc: pcpu $i skew " "skew line for pcpu $i"; done
end "$(log mixed4 | grep -E '^\[hv\] tsc: pcpu' | sed 's/^\[hv\] tsc: //' | paste -sd';' -)"

begin shared-run-passes shared
want_rc 0
want_log '^RESULT: PASS' 'RESULT: PASS with 2 VMs x 2 vCPUs on 2 pCPUs'
end

finish
