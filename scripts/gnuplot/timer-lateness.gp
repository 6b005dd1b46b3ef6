# scripts/gnuplot/timer-lateness.gp - picture 3 of `make plot` (scripts/plot): how late each
# TSC-deadline interrupt came, per TSC policy, on skewed pCPUs with random moves
# (guest/deadline.c samples=1). Lateness = the guest's RDTSC in its handler minus the deadline
# it armed: negative is an interrupt before the guest's own clock reached the deadline.
# Data: timers-POLICY.dat (fire lateness). Variables (gnuplot -e): dir, out, scenario, t_percpu,
# t_others.
set terminal pngcairo size 1400,900 font "DejaVu Sans,11" noenhanced
set output out
set multiplot layout 2,1 title "TSC-deadline interrupts: lateness of each fire (the guest's RDTSC in its handler minus the deadline)\n".scenario font ",12"
set grid ytics lc rgb "#dddddd"
set key top right opaque box lc rgb "#bbbbbb"
set xlabel "fire (in the order they came)"

set title t_percpu."\n(3 VMs share 2 pCPUs: a deadline that passes while its vCPU waits for a pCPU is late by the wait)"
set ylabel "lateness (ticks, log scale)"
set logscale y
set yrange [100:*]
plot dir."/timers-percpu.dat" using 1:2 with points pt 7 ps 0.5 lc rgb "#2ca02c" title "percpu"

unset logscale y
set title t_others
set ylabel "lateness (10^6 ticks; below 0: early)"
set yrange [*:*]
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lw 2 lc rgb "#000000" dt 2
plot dir."/timers-none.dat" using 1:($2/1e6) with points pt 7 ps 0.6 lc rgb "#d62728" title "none", \
     dir."/timers-kvm2633.dat" using 1:($2/1e6) with points pt 5 ps 0.5 lc rgb "#1f77b4" title "kvm2633"
unset multiplot
