#!/usr/bin/env bash
# librbd's QoS (rbd_qos_* settings, here stored on the images with `rbd
# config image set`): an image limited to N IOPS, N reads a second or N
# bytes a second runs at N within 10% through the plugin, as through QEMU's
# in-tree driver (librbd) on a twin image in the same run; a QEMU throttle
# group with a lower limit still holds the rate to its own on top of it;
# and a limit set while a disk is open takes effect on it.  Rates come from
# qemu-img bench (requests over the time they took), limits low enough for
# any machine.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 14
ceph_start

count=300
limit=100

# bench_rate IMAGE-OPTS UNIT BENCH-ARGS...: requests (UNIT=iops) or bytes
# (UNIT=bps) a second qemu-img bench achieved, to the unit.
bench_rate() {
    local opts=$1 unit=$2 out secs
    shift 2
    out=$("$QEMU_IMG" bench -t none -c "$count" "$@" --image-opts "$opts" 2>&1)
    secs=$(printf '%s\n' "$out" | sed -n 's/^Run completed in \([0-9.]*\) seconds\.$/\1/p')
    if [ -z "$secs" ]; then
        echo "(qemu-img bench failed: $out)"
        return
    fi
    /usr/bin/python3 -c '
import sys
count, secs, unit, args = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4:]
size = int(args[args.index("-s") + 1]) if "-s" in args else 4096
print(round(count / secs if unit == "iops" else count * size / secs))' \
        "$count" "$secs" "$unit" "$@"
}

# within NAME WANT RATE: pass if RATE is WANT within 10%.
within() {
    local rate=$3
    if [[ $rate =~ ^[0-9]+$ ]] && [ $((rate * 10)) -ge $(($2 * 9)) ] &&
        [ $((rate * 10)) -le $(($2 * 11)) ]; then
        ok "$1: $rate (limit $2)"
    else
        not_ok "$1" "expected $2 within 10%, got: $rate"
    fi
}

plugin_opts() { echo "driver=plugin,module=rbd,pool=rbd,image=$1,conf=$CEPH_CONF"; }
intree_opts() { echo "driver=rbd,pool=rbd,image=$1,conf=$CEPH_CONF"; }

# twins NAME SETTING VALUE: images NAME-plugin and NAME-intree with SETTING.
twins() {
    local d
    for d in plugin intree; do
        rbd create --size 64M "$1-$d"
        rbd config image set "$1-$d" "$2" "$3"
    done
}

# ---- IOPS of every request ----
twins iops rbd_qos_iops_limit "$limit"
within "rbd_qos_iops_limit: writes through the plugin" "$limit" \
    "$(bench_rate "$(plugin_opts iops-plugin)" iops -w -d 8)"
within "...through the in-tree driver" "$limit" \
    "$(bench_rate "$(intree_opts iops-intree)" iops -w -d 8)"
within "...reads through the plugin count too" "$limit" \
    "$(bench_rate "$(plugin_opts iops-plugin)" iops -d 8)"

# ---- reads alone: writes pass freely ----
twins rd rbd_qos_read_iops_limit "$limit"
within "rbd_qos_read_iops_limit: reads through the plugin" "$limit" \
    "$(bench_rate "$(plugin_opts rd-plugin)" iops -d 8)"
within "...through the in-tree driver" "$limit" \
    "$(bench_rate "$(intree_opts rd-intree)" iops -d 8)"
rate=$(bench_rate "$(plugin_opts rd-plugin)" iops -w -d 8)
check "...writes through the plugin are not held to it ($rate IOPS)" \
    test "$rate" -gt $((limit * 2))

# ---- bytes a second of writes, 64 KiB each: "1M" is 1000000 to Ceph ----
twins bps rbd_qos_write_bps_limit 1M
count=64
within "rbd_qos_write_bps_limit=1M: bytes a second through the plugin" 1000000 \
    "$(bench_rate "$(plugin_opts bps-plugin)" bps -w -d 4 -s 65536)"
within "...through the in-tree driver" 1000000 \
    "$(bench_rate "$(intree_opts bps-intree)" bps -w -d 4 -s 65536)"
count=300

# ---- a QEMU throttle group below the image's limit decides ----
# qemu-img bench takes no --object, and a drain (qemu-io's aio_flush)
# lets a throttle node's queue go at once: qemu-io writes 80 times, one
# after the other, under a throttle node of a group of 40 IOPS.
throttled_rate() {
    local cmds=() i start
    for ((i = 0; i < 80; i++)); do cmds+=(-c "write -q $((i * 4096)) 4k"); done
    start=$(date +%s.%N)
    "$QEMU_IO" -t none --object throttle-group,id=tg0,x-iops-total=40 \
        --image-opts "driver=throttle,throttle-group=tg0,file.$(echo "$1" | sed 's/,/,file./g')" \
        "${cmds[@]}" >"$scratch/tg.out" 2>&1 ||
        { echo "(qemu-io failed: $(tail -n 3 "$scratch/tg.out"))"; return; }
    /usr/bin/python3 -c 'import sys, time; print(round(80 / (time.time() - float(sys.argv[1]))))' "$start"
}
# One write at a time: a slow machine may stay below 40 on latency alone,
# so only the group's ceiling is asserted.
at_most() {
    if [[ $3 =~ ^[0-9]+$ ]] && [ "$3" -gt 0 ] && [ $(($3 * 10)) -le $(($2 * 11)) ]; then
        ok "$1: $3 (limit $2)"
    else
        not_ok "$1" "expected at most $2 (within 10%), got: $3"
    fi
}
at_most "a throttle group of 40 IOPS over the plugin's 100 decides" 40 \
    "$(throttled_rate "$(plugin_opts iops-plugin)")"
at_most "...over the in-tree driver's 100" 40 \
    "$(throttled_rate "$(intree_opts iops-intree)")"

# ---- a limit set while the disk is open ----
# The disk is open in qemu-nbd; `rbd config image set` notifies it, and
# its next requests are held to the new limit.  librbd applies it at the
# refresh before the next request, so a new bucket starts filling then,
# not while the disk is idle.
live_rate() {
    local sock=$scratch/$1.sock pid rate
    rbd create --size 64M "$1"
    "$QEMU_NBD" -t -k "$sock" --cache=none --image-opts "$2" 2>"$scratch/$1.nbd.err" &
    pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    nbd_bench() {
        QEMU_IMG=/usr/bin/qemu-img bench_rate \
            "driver=nbd,server.type=unix,server.path=$sock" iops -w -d 8
    }
    rate=$(nbd_bench)
    rbd config image set "$1" rbd_qos_iops_limit "$limit"
    sleep 1
    echo "$rate $(nbd_bench)"
    kill "$pid"
    wait "$pid" 2>/dev/null
}
for d in plugin intree; do
    read -r before after < <(live_rate "live-$d" "$("${d}_opts" "live-$d")")
    check "an open disk without a limit ($d): more than twice the limit to come ($before IOPS)" \
        test "$before" -gt $((limit * 2))
    within "...after rbd config image set, the new limit ($d)" "$limit" "$after"
done
done_testing
