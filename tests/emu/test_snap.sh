#!/bin/bash
# tests/emu/test_snap.sh - save running VMs in one boot, restore them in another with other
# skews and another TSC rate (issue 14; docs/snapshot.md).
#
#   save     Bochs, 2 pCPUs, skews 0/+10^6, moves every 200000 ticks, ips 50 MHz:
#            vm0 warp (2 vCPUs, TSC handed round under a lock), vm1 deadline (TSC-deadline
#            timers at random distances); save=vm0@T0,vm1@T1 writes both images, back to back in
#            the order they were taken (vm1's first: image 0; vm0's: image 1), to COM2 (cvrun
#            --save) while the loops run; both VMs still finish and pass
#   restore  Bochs, 2 pCPUs, skews 0/-5*10^5, ips 40 MHz (TSC scaling keeps the guests' 50 MHz):
#            vm0 warp image=1 downtime=freeze, vm1 warp image=1 downtime=advance,
#            vm2 deadline image=0 downtime=freeze: each goes on from where it was saved and
#            passes (0 warps, 0 early timer fires);
#            vm3 warp image=1 restore_tsc=ignore: the negative control, the saved TSC thrown
#            away: the guest's own warp check must catch it (FAIL);
#            vm4 the image cut short: refused by name, the others unharmed
# Timeouts >= 5x the usual wall time (save ~60 s, restore ~40 s on a loaded 2-core machine).

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
W=$TEST_LOGROOT/images
rm -rf "$W"; mkdir -p "$W"
IMG=$W/two.img
T0=150000000     # warp: its loop runs from ~5*10^6 to ~2*10^8 guest ticks
T1=60000000      # deadline: 400 deadlines up to 10^6 ticks apart, from ~4*10^7 on

cv save --emu bochs --cpus 2 --timeout 600 --save "$IMG" \
  --hv "skew=0,+1000000 migrate=rr slice=200000 save=vm0@$T0,vm1@$T1" \
  --guest "$G/warp.elf hv=1 mem=16M vcpus=2 rounds=2000000 tsc=percpu expect=monotonic" \
  --guest "$G/deadline.elf hv=1 mem=16M n=400 max=1000000"

begin snap-save-two-images save
want_rc 0
want_log '^\[hv\] vm1 "deadline.elf" saved as image 0: 1 vCPU\(s\)' 'vm1 saved first, as image 0'
want_log '^\[hv\] vm0 "warp.elf" saved as image 1: 2 vCPU\(s\)' 'vm0 (2 vCPUs) saved as image 1'
want_log '^\[hv\] vm0 "warp.elf" exit code 1: PASS' 'the saved warp VM still passes'
want_log '^\[hv\] vm1 "deadline.elf" exit code 1: PASS' 'the saved deadline VM still passes'
want_desc 'the image file starts with the magic' test "$(head -c 6 "$IMG" 2>/dev/null)" = CVSNAP
end "$(tr -d '\r' <"$(cv_log save)" | sed -n 's/^\[hv\] \(vm[01]\) "[a-z.]*" saved as image [01]: .*, \([0-9]* of [0-9]* pages\) not zero, image \([0-9]*\) bytes to COM2 in \([0-9]*\) ms/\1: \3 bytes (\2) in \4 ms/p' | tr '\n' ';')"

head -c $(( $(stat -c %s "$IMG") - 100 )) "$IMG" >"$W/cut.img"
cv restore --emu bochs --cpus 2 --ips 40000000 --timeout 600 \
  --hv "skew=0,-500000 migrate=rr slice=200000" \
  --restore "$IMG image=1 downtime=freeze" \
  --restore "$IMG image=1 downtime=advance" \
  --restore "$IMG image=0 downtime=freeze" \
  --restore "$IMG image=1 restore_tsc=ignore" \
  --restore "$W/cut.img image=1"
L=$(cv_log restore)

begin snap-restore-ends-with-verdict restore
want_rc 1      # vm3 and vm4 fail on purpose; 2 would be no verdict
want_log '^\[hv\] vm0: restoring "warp.elf" \(image 1\): 2 vCPU\(s\).*this host (39|40)[0-9]{3} kHz: scaled' 'the guest TSC rate kept by scaling (50 MHz on a 40 MHz host)'
end

begin snap-restored-warp-freeze restore
want_log '^\[vm0\] warp: cpus=2 .* warps=0 ' 'warp: 0 warps across the restore'
want_log '^\[hv\] vm0 "two.img" exit code 1: PASS' 'vm0 PASS'
end "$(tr -d '\r' <"$L" | sed -n 's/^\[vm0\] warp: //p' | head -n 1)"

begin snap-restored-warp-advance restore
want_log '^\[hv\] vm1: restoring .*downtime=advance \([0-9]+ s between the save and now by the RTCs' 'the downtime added, with its uncertainty'
want_log '^\[vm1\] warp: cpus=2 .* warps=0 ' 'warp: 0 warps'
want_log '^\[hv\] vm1 "two.img" exit code 1: PASS' 'vm1 PASS'
end

begin snap-restored-deadline-no-early-fire restore
want_log '^\[vm2\] PASS: deadline: [0-9]+ of [0-9]+ deadlines fired, none early \(0 early\)' 'no timer fired early'
want_log '^\[hv\] vm2 "two.img" exit code 1: PASS' 'vm2 PASS'
end "$(tr -d '\r' <"$L" | sed -n 's/^\[vm2\] deadline: \(fires.*\)/\1/p' | head -n 1)"

begin snap-negative-control-tsc-ignored restore
want_log '^\[vm3\] warp: cpus=2 .* warps=[1-9]' 'the guest caught its TSC going back'
want_log '^\[hv\] vm3 "two.img" exit code [0-9]+: FAIL' 'vm3 FAIL'
end "$(tr -d '\r' <"$L" | sed -n 's/^\[vm3\] warp: //p' | head -n 1)"

begin snap-cut-image-refused restore
want_log '^\[hv\] vm4 "cut.img" exit code none: FAIL \(not loaded: image 1: .*truncated' 'refused by name'
end

finish
