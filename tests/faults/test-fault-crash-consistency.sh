#!/usr/bin/env bash
# Crash consistency: a qemu-io writing a logged stream of overlapping writes
# (32 in flight, varied sizes) through the plugin is killed with kill -9.
# Each write is logged (and fsync'd) when it is sent and when qemu-io
# acknowledges it.  Read back through the plugin after the kill (and
# checked against rbd export), every 512-byte sector holds exactly one
# write's pattern: every acknowledged write is present unless a write sent
# after its acknowledgement covers it, and the writes still in flight are
# wholly present or wholly absent in each sector.  The check is checked
# too: a sector that only acknowledged writes touched, put back as it was
# before the round, must be caught.
#
# Two images, two kills each: one with layering only, one with
# exclusive-lock, object-map and fast-diff, whose lock the killed process
# still holds when the next one writes (it is broken) and whose object map
# must name every object the killed process wrote.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/faults/functions.sh
ceph_skip_unless_available
rounds=2
plan $((2 * rounds * 3))
ceph_start 3

secs=$((FAULT_SECONDS / 10))
[ $secs -ge 5 ] || secs=5
fault_image plain --image-feature layering
fault_image locked --image-feature layering,exclusive-lock,object-map,fast-diff

kills=0
# read_back IMAGE FILE: the image through the plugin, checked against rbd
# export; fails (with the why on stderr) if either fails or they differ.
read_back() {
    local out
    rm -f "$2" "$2.export"
    out=$("$QEMU_IMG" convert -O raw --image-opts \
        "driver=plugin,module=rbd,pool=rbd,image=$1" "$2" 2>&1) ||
        { echo "qemu-img convert: $out" >&2; return 1; }
    out=$(rbd export --no-progress "$1" "$2.export" 2>&1) ||
        { echo "rbd export: $out" >&2; return 1; }
    cmp "$2" "$2.export" >&2 || return 1
    rm -f "$2.export"
}

for img in plain locked; do
    before=$scratch/$img.before
    truncate -s "$FAULT_IMAGE_SIZE" "$before"
    for r in $(seq $rounds); do
        name=$img-$r
        workload_start "$name" "$img" 3600 --crash --qd 32 --seed "$r$RANDOM" \
            --start-image "$before"
        wait_acks "$name" 200 && sleep "$secs"
        if [ -s "$scratch/$name.qio.pid" ]; then
            kill -KILL "$(cat "$scratch/$name.qio.pid")"
            kills=$((kills + 1))
        fi
        workload_wait "$name" "$img, round $r: qemu-io wrote until killed with kill -9"
        if err=$(read_back "$img" "$scratch/$name.after" 2>&1); then
            ok "$img, round $r: the image reads back, the plugin and rbd export agree"
        else
            not_ok "$img, round $r: the image reads back, the plugin and rbd export agree" "$err"
        fi
        if out=$(/usr/bin/python3 "$WORKLOAD" check-crash --log "$scratch/$name.log" \
                --before "$before" --after "$scratch/$name.after" --self-test 2>&1); then
            ok "$img, round $r: acknowledged writes present, the others whole or absent per sector"
        else
            not_ok "$img, round $r: acknowledged writes present, the others whole or absent per sector" \
                "$out"
        fi
        printf '%s\n' "$out" | grep '^# '
        mv "$scratch/$name.after" "$before"
        rm -f "$scratch/$name.log"
    done
done
echo "# faults injected: $kills kill -9 of a writing qemu-io"
done_testing
