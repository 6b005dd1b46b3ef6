# scripts/gnuplot/tsc-policies.gp - picture 1 of `make plot` (scripts/plot): the guest's TSC minus
# the hypervisor's reference clock, for tsc=none, kvm2633 and percpu on one skewed run, every
# migration marked. Data: scripts/plot-data log (tsc-POLICY.dat, migrations-POLICY.dat).
# Variables (gnuplot -e): dir (data), out (PNG), zoom (ms shown on the right), scenario (a line of
# text), and per policy P in none, kvm2633, percpu: t_P (the panel's title, with its figures; a
# "\n" in it breaks the line). A panel whose values span more than 10^5 ticks is drawn in
# millions of ticks.
set terminal pngcairo size 1500,1200 font "DejaVu Sans,11" noenhanced
set output out
set multiplot layout 3,2 columnsfirst margins 0.07,0.98,0.06,0.89 spacing 0.08,0.11 \
    title "Guest TSC minus the hypervisor's reference clock (HC_CLOCK), one run, three TSC policies\n".scenario font ",14"

set grid lc rgb "#dddddd"
set key top left opaque box lc rgb "#bbbbbb"
set format y "%g"
set xlabel "reference time since the first sample (ms)"

c_none = "#d62728"; c_kvm = "#1f77b4"; c_per = "#2ca02c"; c_mig = "#888888"

# Left column: the whole run. The migration marks are a rug along the bottom of each panel: one
# short line per sample interval in which the vCPU was moved (on this run every interval held one).
do for [p in "none kvm2633 percpu"] {
  f = dir."/tsc-".p.".dat"; m = dir."/migrations-".p.".dat"
  c = (p eq "none") ? c_none : (p eq "kvm2633") ? c_kvm : c_per
  t = (p eq "none") ? t_none : (p eq "kvm2633") ? t_kvm2633 : t_percpu
  set autoscale xy
  stats m using 2 nooutput
  nm = STATS_records
  stats f using 3 nooutput
  sc = (STATS_max - STATS_min > 1e5) ? 1e6 : 1
  set ylabel (sc > 1 ? "guest TSC - reference (10^6 ticks)" : "guest TSC - reference (ticks)")
  lo = STATS_min / sc; hi = STATS_max / sc
  if (hi - lo < 20 && sc == 1) { lo = lo - 10; hi = hi + 10 }
  pad = (hi - lo) * 0.12
  top = hi + (hi - lo) * 0.40
  set yrange [lo - pad : top]
  set xrange [*:*]
  rug0 = lo - pad; rug1 = lo - pad * 0.55
  set title t
  plot m using 2:(rug0):(0):(rug1 - rug0) with vectors nohead lc rgb c_mig lw 0.5 \
         title sprintf("sample intervals with a migration (%d)", nm), \
       f using 2:($3 / sc) with points pt 7 ps 0.35 lc rgb c title "guest TSC - reference, one dot per sample"
}

# Right column: the first `zoom` ms, where each move can be seen. A dashed line marks each
# migration at the first sample after it (the move happened since the sample before).
do for [p in "none kvm2633 percpu"] {
  f = dir."/tsc-".p.".dat"; m = dir."/migrations-".p.".dat"
  c = (p eq "none") ? c_none : (p eq "kvm2633") ? c_kvm : c_per
  set autoscale xy
  stats f using ($2 <= zoom ? $3 : 1/0) nooutput
  sc = (STATS_max - STATS_min > 1e5) ? 1e6 : 1
  set ylabel (sc > 1 ? "guest TSC - reference (10^6 ticks)" : "guest TSC - reference (ticks)")
  lo = STATS_min / sc; hi = STATS_max / sc
  if (hi - lo < 20 && sc == 1) { lo = lo - 10; hi = hi + 10 }
  pad = (hi - lo) * 0.12
  top = hi + (hi - lo) * 0.40
  set yrange [lo - pad : top]
  set xrange [0:zoom]
  set title sprintf("tsc=%s, first %g ms (zoom)", p, zoom)
  plot m using 2:(lo - pad):(0):(top - lo + pad) with vectors nohead dt 2 lc rgb c_mig lw 1 \
         title "migration (at the first sample after it)", \
       f using 2:($3 / sc) with steps lc rgb c lw 1.5 notitle, \
       f using 2:($3 / sc) with points pt 7 ps 0.8 lc rgb c title "sample"
}
unset multiplot
