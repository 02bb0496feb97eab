#!/usr/bin/env bash
# make bench / make bench-quick / make bench-profile: the RBD plugin against
# QEMU's in-tree rbd driver, plugin:null: against null-co, many disks in one
# process (issue 6), and qemu-img convert of a sparse image through both
# drivers.  See docs/performance.md.
#
#   bench/bench.sh full              bench/results/: table.md, chart.png, results.json,
#                                    and the table in docs/performance.md
#   bench/bench.sh quick             bench/results/quick/ (not committed), ~1 minute
#   (with BENCH_CASES, a subset:     bench/results/partial/, not committed)
#   bench/bench.sh profile [CASE]    perf profile of one case, both drivers:
#                                    bench/results/profile-CASE.txt; CASE such as
#                                    layering/rw4k-d32, default: the plugin's worst
#                                    row in bench/results/results.json
#
# A throw-away local cluster is started (tests/ceph/cluster.sh, one memstore
# OSD; BENCH_OSDS=N for more) and stopped at the end, unless CEPH_CONF names
# an existing cluster: then its pool rbd (BENCH_POOL) is used, and only the
# images the bench creates (bench-PID-*) are touched.
# Other settings: BENCH_REPEATS, BENCH_SECONDS, BENCH_IMAGE_SIZE,
# BENCH_CONVERT_SIZE, BENCH_CASES (see bench/run.py), BENCH_OUT (the output
# directory), QBP_BUILD.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

mode=${1:-full}
shift || true
case $mode in full | quick | profile) ;; *)
    echo "usage: $0 full|quick|profile [CASE]" >&2
    exit 2
    ;;
esac

python=/usr/bin/python3     # Debian's: the one with python3-rados; never pyenv's
build=${QBP_BUILD:-$top/build}
export QBP_BUILD=$build

need=(rbd ceph gnuplot)
[ "$mode" = profile ] && need+=(perf)
for c in "${need[@]}"; do
    command -v "$c" >/dev/null ||
        { echo "bench: $c is missing: run scripts/install-deps.sh" >&2; exit 1; }
done
qemu_dir=${QBP_QEMU_DIR:-$build/qemu}
for f in "$qemu_dir/qemu-img" "$qemu_dir/qemu-system-x86_64" \
         "$build/plugins/rbd-plugin.so" "$build/plugins/null-plugin.so"; do
    [ -e "$f" ] || { echo "bench: $f is missing: run make" >&2; exit 1; }
done

t0=$(date +%s)
# A private copy of the plugins: a rebuild meanwhile cannot change what is
# measured halfway through.
tmp=$(mktemp -d /tmp/qbp-bench.XXXXXX)
cleanup() {
    if [ "${BENCH_OWN_CLUSTER:-0}" = 1 ]; then
        tests/ceph/cluster.sh stop "$tmp/ceph" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$tmp/plugins"
cp "$build"/plugins/*.so "$tmp/plugins/"
export QEMU_BLOCK_PLUGIN_PATH=$tmp/plugins
if [ -n "${CEPH_CONF:-}" ]; then
    echo "bench: using the cluster of CEPH_CONF=$CEPH_CONF"
    export BENCH_OWN_CLUSTER=0
else
    # (A short path, $tmp: the cluster's admin sockets must fit in sun_path.)
    # Memstore keeps objects in memory: room for a filled read image, a
    # write image and a margin (a full OSD blocks every client).
    size=${BENCH_IMAGE_SIZE:-$((1 << 30))}
    bytes=$((4 * size + (2 << 30)))
    echo "bench: starting a local Ceph cluster in $tmp/ceph"
    export BENCH_OWN_CLUSTER=1
    CEPH_OSD_BYTES=${CEPH_OSD_BYTES:-$bytes} \
        tests/ceph/cluster.sh start "$tmp/ceph" --osds "${BENCH_OSDS:-1}"
    export CEPH_CONF=$tmp/ceph/ceph.conf
fi

if [ "$mode" = profile ]; then
    "$python" bench/profile.py "$@"
    exit
fi

# Only a full run of every case goes to the committed bench/results/ (for
# QEMU 7.2, build/qemu) or bench/results/qemu-10.0/ (build/qemu-10.0), and
# to its own section of docs/performance.md.
qemu_name=$(basename "$qemu_dir")
results=bench/results
section=bench-results
if [ "$qemu_name" != qemu ]; then
    results=bench/results/$qemu_name
    section=bench-results-$qemu_name
fi
if [ -n "${BENCH_OUT:-}" ]; then
    out=$BENCH_OUT
elif [ -n "${BENCH_CASES:-}" ]; then
    out=$results/partial
elif [ "$mode" = full ]; then
    out=$results
else
    out=$results/quick
fi
mkdir -p "$out"
status=0
"$python" bench/run.py --mode "$mode" --out "$out/results.json" || status=$?
if [ -s "$out/results.json" ]; then
    docs=()
    # Only a complete full run replaces the table in docs/performance.md.
    # (Status 3: every figure is there, but some run had a problem, listed.)
    if [ "$mode" = full ] && [ -z "${BENCH_OUT:-}${BENCH_CASES:-}" ] &&
       { [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; }; then
        docs=(--docs docs/performance.md --docs-section "$section")
    fi
    "$python" bench/report.py "$out/results.json" --table "$out/table.md" \
        --chart "$out/chart.png" "${docs[@]+"${docs[@]}"}"
    echo
    cat "$out/table.md"
fi
echo "bench: $mode finished in $(($(date +%s) - t0)) s (exit status $status)"
exit "$status"
