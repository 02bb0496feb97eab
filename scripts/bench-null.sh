#!/usr/bin/env bash
# The ABI's own cost: qemu-img bench on plugin:null: against QEMU's null-co
# in the same build.  Runs alternate A/B; the median IOPS of each side and
# their ratio are printed.  A benchmark, not a test: it never fails on speed.
#
#   scripts/bench-null.sh [REPEATS=5] [REQUESTS=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."

repeats=${1:-5}
requests=${2:-1000000}
img=${QBP_QEMU_DIR:-build/qemu}/qemu-img
export QEMU_BLOCK_PLUGIN_PATH=build/plugins

# iops SPEC DEPTH: one qemu-img bench run, printed as requests per second.
iops() {
    local secs
    secs=$("$img" bench -c "$requests" -d "$2" -s 4096 -t none \
           --image-opts "$1" | sed -n 's/^Run completed in \([0-9.]*\) seconds.*/\1/p')
    python3 -c "print(round($requests / $secs))"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "qemu-img bench, 4 KiB reads, $requests requests, $repeats alternating runs"
printf '%-6s %14s %14s %8s\n' depth null-co plugin:null ratio
for depth in 1 32; do
    a=() b=()
    for ((i = 0; i < repeats; i++)); do
        a+=("$(iops driver=null-co,size=1G,read-zeroes=on "$depth")")
        b+=("$(iops driver=plugin,module=null "$depth")")
    done
    ma=$(median "${a[@]}")
    mb=$(median "${b[@]}")
    printf '%-6s %14s %14s %8s\n' "$depth" "$ma" "$mb" \
        "$(python3 -c "print(f'{$mb / $ma:.3f}')")"
done
