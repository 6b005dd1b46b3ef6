#!/bin/bash
# tests/emu/test_plot.sh - `make plot`'s data still parses, and the guests still print it.
#
#   1. The data the README picture (docs/img/tsc-policies.png) was drawn from, committed under
#      docs/img/data/, parses with the plot script's own parser (scripts/plot-data check), and
#      still shows what the picture's titles say: percpu within a few ticks of the reference,
#      none flipping by the injected skew, kvm2633 running ahead.
#   2. The parser rejects a corrupted copy of that data (so check 1 can fail).
#   3. A short fresh run (the demo scenario in small: Bochs, 2 pCPUs, skew=0,+1000000,
#      migrate=rr slice=5000, migrate.elf reads=20000 samples=50 hist=1 under each policy)
#      prints sample and histogram lines that scripts/plot-data turns into data files that parse,
#      with the same properties; gnuplot (when installed) draws the picture from them.
#
#   PLOT_COMMITTED=DIR   check DIR instead of docs/img/data (e.g. a scratch copy)
# Usual wall time: ~15 s (one 2-pCPU Bochs boot), timeout 300 s.

source "$(dirname "$0")/lib.sh"

G=$TEST_BUILD/guest
PD=$TEST_REPO/scripts/plot-data
COMMITTED=${PLOT_COMMITTED:-$TEST_REPO/docs/img/data}
POLICIES=(none kvm2633 percpu)
SCRATCH=$TEST_LOGROOT/scratch
rm -rf "$SCRATCH"; mkdir -p "$SCRATCH"

# col FILE NAME: the values of column NAME (from the "# columns:" line), one per line
col() { awk -v c="$2" '/^# columns:/ { for (i = 3; i <= NF; i++) if ($i == c) k = i - 2; next }
  /^#/ { next } k { print $k }' "$1"; }
maxabs() { col "$1" "$2" | awk '{ v = $1 < 0 ? -$1 : $1; if (v > m) m = v } END { print m + 0 }'; }
maxval() { col "$1" "$2" | awk 'NR == 1 || $1 > m { m = $1 } END { print m + 0 }'; }
span() { col "$1" "$2" | awk 'NR == 1 { lo = hi = $1 } $1 < lo { lo = $1 } $1 > hi { hi = $1 } END { print hi - lo }'; }
rows() { grep -vc '^#' "$1"; }

# shows DIR WHAT N: the tsc data in DIR shows the three policies' behaviour (N samples each)
shows() {
  local d=$1 n=$3
  for p in "${POLICIES[@]}"; do
    want_desc "$2: tsc-$p.dat has $n samples (has $(rows "$d/tsc-$p.dat" 2>/dev/null))" \
      test "$(rows "$d/tsc-$p.dat" 2>/dev/null)" -eq "$n"
    want_desc "$2: migrations-$p.dat marks at least one move" test "$(rows "$d/migrations-$p.dat" 2>/dev/null)" -ge 1
  done
  local pe ne ke
  # relative to the first sample, so none is 0 and +skew, or 0 and -skew: its span is the skew
  pe=$(maxabs "$d/tsc-percpu.dat" tsc_minus_ref); ne=$(span "$d/tsc-none.dat" tsc_minus_ref)
  ke=$(maxval "$d/tsc-kvm2633.dat" tsc_minus_ref)
  want_desc "$2: percpu within 100 ticks of the reference (largest |difference| $pe)" test "$pe" -le 100
  want_desc "$2: none spans the skew, 10^6 +/- 10^4 ticks (spans $ne)" \
    test "$ne" -ge 990000 -a "$ne" -le 1010000
  want_desc "$2: kvm2633 runs ahead by more than the skew (largest $ke)" test "$ke" -gt 1010000
}

# ---- 1. the committed data ----
begin committed-data-parses
committed=("$COMMITTED"/*.dat)
want_desc "no .dat files under $COMMITTED" test -f "${committed[0]}"
out=$("$PD" check "${committed[@]}" 2>&1) || _chk_fail "scripts/plot-data check: $(grep '^FAIL' <<<"$out" | head -n 3 | tr '\n' ' ')"
for f in summary.dat tsc-{none,kvm2633,percpu}.dat migrations-{none,kvm2633,percpu}.dat; do
  want_desc "$f is missing from $COMMITTED" test -f "$COMMITTED/$f"
done
want_desc "README.md does not show docs/img/tsc-policies.png" grep -q 'docs/img/tsc-policies.png' "$TEST_REPO/README.md"
want_desc "docs/img/tsc-policies.png is missing" test -s "$TEST_REPO/docs/img/tsc-policies.png"
end "$(grep -c '^PASS' <<<"$out") files"

begin committed-data-shows-the-policies
shows "$COMMITTED" committed "$(rows "$COMMITTED/tsc-percpu.dat" 2>/dev/null)"
end

# ---- 2. the parser fails on bad data ----
begin parser-rejects-corrupted-data
for bad in field number index; do
  cp "$COMMITTED/tsc-none.dat" "$SCRATCH/bad-$bad.dat" 2>/dev/null || { _chk_fail "no tsc-none.dat to corrupt"; break; }
  case $bad in
    field) sed -i '10s/ [^ ]*$//' "$SCRATCH/bad-$bad.dat" ;;            # a row loses its last field
    number) sed -i '10s/^\([0-9]*\) [^ ]*/\1 12,5/' "$SCRATCH/bad-$bad.dat" ;;   # not a number
    index) sed -i '10d' "$SCRATCH/bad-$bad.dat" ;;                      # a sample missing
  esac
  "$PD" check "$SCRATCH/bad-$bad.dat" >/dev/null 2>&1 && _chk_fail "a .dat with a bad $bad parsed"
done
end

# ---- 3. a short fresh run ----
guests=()   # vm0 none, vm1 kvm2633, vm2 percpu
for p in "${POLICIES[@]}"; do
  guests+=(--guest "$G/migrate.elf hv=1 mem=16M reads=20000 samples=50 hist=1 tsc=$p expect=any")
done
cv fresh --emu bochs --cpus 2 --timeout 300 --hv "skew=0,+1000000 migrate=rr slice=5000" "${guests[@]}"

begin fresh-run-prints-samples fresh
want_rc 0
for vm in 0 1 2; do
  want_log "^\[vm$vm\] samples: n=50 every=408 tsc_khz=[1-9][0-9]*$" "vm$vm samples: header"
  want_log "^\[vm$vm\] sample: 49 [0-9]+ [0-9]+ [0-9]+ [0-9]+$" "vm$vm's last sample"
  want_log "^\[vm$vm\] hist: backward total=[0-9]+$" "vm$vm hist total"
done
want_log "^\[vm0\] hist: backward [0-9]+ [0-9]+ [0-9]+ [1-9][0-9]*$" "a histogram bucket for none (vm0)"
end "wall ${CV_WALL[fresh]} s"

begin fresh-data-parses fresh
"$PD" log "$(cv_log fresh)" "$SCRATCH/fresh" >"$SCRATCH/fresh.out" 2>&1 ||
  _chk_fail "scripts/plot-data log: $(tail -n 1 "$SCRATCH/fresh.out")"
out=$("$PD" check "$SCRATCH"/fresh/*.dat 2>&1) || _chk_fail "check: $(grep '^FAIL' <<<"$out" | head -n 3 | tr '\n' ' ')"
shows "$SCRATCH/fresh" fresh 50
want_desc "hist-none.dat has no bucket" test "$(rows "$SCRATCH/fresh/hist-none.dat" 2>/dev/null)" -ge 1
end

if command -v gnuplot >/dev/null 2>&1; then
  begin fresh-data-draws fresh
  gnuplot -e "dir='$SCRATCH/fresh'; out='$SCRATCH/tsc-policies.png'; zoom=5; scenario='test'; t_none='a'; t_kvm2633='b'; t_percpu='c'" \
    "$TEST_REPO/scripts/gnuplot/tsc-policies.gp" >"$SCRATCH/gnuplot.out" 2>&1 ||
    _chk_fail "gnuplot: $(tail -n 1 "$SCRATCH/gnuplot.out")"
  want_desc "no PNG drawn" test -s "$SCRATCH/tsc-policies.png"
  end
else
  skip fresh-data-draws "gnuplot is not installed (make deps installs gnuplot-nox)"
fi

finish
