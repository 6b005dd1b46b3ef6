# scripts/gnuplot/bench-history.gp - picture 4 of `make plot` (scripts/plot): the bench's figures
# over its runs ($BUILD/bench-history.jsonl, one line per `make bench`), one point per run; with a
# single run, single points. Data: scripts/plot-data bench (bench-history.dat). Every figure is a
# Bochs tick count (one tick per instruction), so a change between runs is a change in the code.
# Variables (gnuplot -e): f (data), out (PNG).
set terminal pngcairo size 1200,900 font "DejaVu Sans,11" noenhanced
set output out
stats f using 1 nooutput
nruns = STATS_records
set multiplot layout 2,1 margins 0.09,0.97,0.10,0.88 spacing 0,0.12 \
    title sprintf("make bench over time: %d run(s) in bench-history.jsonl (Bochs ticks = instructions)", nruns) font ",13"
set datafile missing "-"
set grid lc rgb "#dddddd"
set key bottom right opaque box lc rgb "#bbbbbb"
set xrange [0.5:nruns + 0.5]
set xtics 1
set xlabel "run (commit; a + marks uncommitted changes)"
# x tick labels: the run's commit (column 3, with "+" when the tree was dirty), via xtic(3)
set offsets 0, 0, graph 0.15, 0
set yrange [0:*]

set title "Exit and hypercall costs (target: at most 120 hypervisor ticks per null VMCALL)"
set ylabel "ticks"
plot 120 with lines dt 2 lc rgb "#d62728" title "target 120", \
     f using 1:4:xtic(3) with linespoints pt 7 ps 1.3 lw 2 lc rgb "#2ca02c" title "null VMCALL: hypervisor ticks per exit", \
     f using 1:5 with linespoints pt 5 ps 1.3 lw 2 lc rgb "#1f77b4" title "null VMCALL: guest round trip", \
     f using 1:7 with linespoints pt 9 ps 1.5 lw 2 lc rgb "#ff7f0e" title "RDMSR(IA32_TSC): guest round trip", \
     f using 1:8 with linespoints pt 11 ps 1.5 lw 2 lc rgb "#9467bd" title "RDMSR(IA32_TSC): hypervisor ticks per exit"

set title "Cost of one vCPU move, average (scenario skew+1e6: 2 pCPUs, skew=0,+1000000)"
set ylabel "ticks per migration"
plot f using 1:9:xtic(3) with linespoints pt 7 ps 1.3 lw 2 lc rgb "#2ca02c" title "tsc=percpu", \
     f using 1:10 with linespoints pt 5 ps 1.3 lw 2 lc rgb "#d62728" title "tsc=none", \
     f using 1:11 with linespoints pt 9 ps 1.5 lw 2 lc rgb "#1f77b4" title "tsc=kvm2633"
unset multiplot
