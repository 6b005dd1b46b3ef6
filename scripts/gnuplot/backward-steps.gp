# scripts/gnuplot/backward-steps.gp - picture 2 of `make plot` (scripts/plot): how big the steps
# back of the guest's TSC were, per TSC policy, in log2 buckets (guest/migrate.c hist=1).
# Data: scripts/plot-data log (hist-POLICY.dat: k lo hi count; a policy with no backward step
# has no rows). Variables (gnuplot -e): dir, out, scenario, sub (the totals, one line).
set terminal pngcairo size 1400,700 font "DejaVu Sans,11" noenhanced
set output out
set title "Backward steps of the guest TSC per policy: how many, and how big (log2 buckets)\n".scenario."\n".sub font ",12"
set grid ytics lc rgb "#dddddd"
set key top left opaque box lc rgb "#bbbbbb"
set style fill solid 0.8 border -1
set boxwidth 0.28
set xrange [-0.7:23.7]
set xtics ("1" 0, "4" 2, "16" 4, "64" 6, "256" 8, "1K" 10, "4K" 12, "16K" 14, "64K" 16, \
           "256K" 18, "1M" 20, "4M" 22)
set mxtics 2
set xlabel "size of the step back (ticks; the bar at 2^k counts steps of 2^k to 2^(k+1)-1 ticks; 1K = 1024)"
set ylabel "backward steps (count)"
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0
cols = "#d62728 #1f77b4 #2ca02c"
pols = "none kvm2633 percpu"
# One bar series per policy, side by side in each bucket; a policy with no step back gets a key
# entry only. The count is written over each bar.
cmd = "NaN notitle"
do for [i = 1:3] {
  p = word(pols, i); c = word(cols, i)
  f = dir."/hist-".p.".dat"
  rows = int(system("grep -vc '^#' ".f))
  off = (i - 2) * 0.3
  if (rows > 0) {
    cmd = cmd.sprintf(", '%s' using ($1%+.1f):4 with boxes lc rgb '%s' title 'tsc=%s'", f, off, c, p)
    cmd = cmd.sprintf(", '%s' using ($1%+.1f):4:(sprintf(\"%%d steps of\\n%%.0f to %%.0f ticks\", $4, $2, $3)) with labels offset 0,1.6 notitle", f, off)
  } else {
    cmd = cmd.sprintf(", keyentry with boxes lc rgb '%s' title 'tsc=%s: no backward step'", c, p)
  }
}
eval "plot ".cmd
