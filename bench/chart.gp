# The chart of bench/report.py: plugin / in-tree ratios of every case (top),
# threads and resident memory of one process with N images open (bottom).
#   gnuplot -e "bars='B.dat'; nbars=N; scale='S.dat'; nscale=M; out='chart.png'; ttl='...'" bench/chart.gp
# B.dat: "label" iops-ratio cpu-ratio (header line); S.dat: images
# threads-in-tree threads-plugin rss-in-tree-MiB rss-plugin-MiB (header line).
# A part without rows (nbars or nscale 0, after a partial run) is left out.

set terminal pngcairo size 1100,820 font "DejaVu Sans,9" noenhanced
set output out
set datafile missing "?"
set key autotitle columnhead
set multiplot title ttl

# ---- ratios
if (nbars > 0) {
    set origin 0, 0.38
    set size 1, 0.58
    set title "plugin / in-tree (L: layering-only image, D: default features): IOPS above 1 = plugin faster, CPU below 1 = plugin cheaper"
    set rmargin 9
    set style data histograms
    set style histogram clustered gap 1
    set style fill solid 0.85 border -1
    set boxwidth 0.9
    set grid ytics
    set ylabel "ratio"
    set yrange [0:*]
    set xtics rotate by -35 left nomirror
    set key top right
    plot bars using 2:xtic(1) title "IOPS (throughput)" lc rgb "#2b6cb0", \
         '' using 3 title "CPU per request" lc rgb "#dd8a2e", \
         1 with lines dt 2 lc rgb "black" notitle
}

if (nscale > 0) {
    # ---- threads
    set rmargin
    set style data linespoints
    set grid ytics
    set origin 0, 0
    set size 0.5, 0.36
    set title "threads, one qemu-system-x86_64 with N images open"
    set xlabel "images"
    set ylabel "threads"
    set xtics (1, 8, 32) norotate
    set logscale x 2
    set xrange [0.8:40]
    set yrange [0:*]
    set key top left
    plot scale using 1:2 title "in-tree (librbd)" lw 2 pt 7 lc rgb "#dd8a2e", \
         '' using 1:3 title "plugin" lw 2 pt 5 lc rgb "#2b6cb0"

    # ---- RSS
    set origin 0.5, 0
    set title "resident memory (VmRSS), same processes"
    set ylabel "MiB"
    plot scale using 1:4 title "in-tree (librbd)" lw 2 pt 7 lc rgb "#dd8a2e", \
         '' using 1:5 title "plugin" lw 2 pt 5 lc rgb "#2b6cb0"
}

unset multiplot
