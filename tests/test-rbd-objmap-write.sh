#!/usr/bin/env bash
# Object map and fast-diff kept by the plugin the way librbd keeps them:
# objects marked EXISTS before their first write, PENDING then
# NONEXISTENT around removals, EXISTS_CLEAN after a snapshot until the
# next write, grown and shrunk with the image; `rbd object-map check` and
# `rbd diff` agree.  Objects the map says are missing are read without a
# RADOS round trip; a map flagged invalid is left alone.  Images created
# through the plugin with object-map get one.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 21
ceph_start

MiB=$((1 << 20))
img=plugin:rbd:rbd/om

diff_of() { rbd diff --format json "$@" | /usr/bin/python3 -c '
import json, sys
print(" ".join("%d+%d:%s" % (e["offset"], e["length"], e["exists"])
               for e in json.load(sys.stdin)))'; }
# OSD read ops so far (data reads and class method calls alike).
osd_reads() {
    ceph --admin-daemon "$CEPH_DIR/run/osd.0.asok" perf dump 2>/dev/null |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["osd"]["op_r"])'
}

check "qemu-img create through the plugin makes an object-map image" \
    "$QEMU_IMG" create -f raw "$img" 64M \
        -o features=layering+exclusive-lock+object-map+fast-diff+deep-flatten
check_contains "rbd info lists its features" \
    "features: layering, exclusive-lock, object-map, fast-diff, deep-flatten" \
    "$(rbd info om)"
check_equal "its map is there, all objects nonexistent" \
    "0000000000000000" "$(map_states om)"

check "writes, a whole-object discard, a write-zeroes that may unmap" \
    qio -f raw -c "write -P 0x11 0 4096" -c "write -P 0x12 $((8 * MiB)) $((4 * MiB))" \
        -c "write -P 0x13 $((20 * MiB + 512)) 512" \
        -c "write -P 0x14 $((24 * MiB)) $((8 * MiB))" \
        -c "discard $((8 * MiB)) $((4 * MiB))" \
        -c "write -z -u $((28 * MiB)) $((4 * MiB))" \
        -c "write -z $((0 * MiB + 8192)) 4096" "$img"
check_equal "the map: written objects exist, removed ones do not" \
    "1000011000000000" "$(map_states om)"
check "rbd object-map check agrees" objmap_ok om
check_equal "rbd diff lists what is there" \
    "0+4194304:true 20971520+4194304:true 25165824+4194304:true" \
    "$(diff_of --whole-object om)"

rbd snap create om@s1 > /dev/null 2>&1
snap=$(rbd snap ls --format json om | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
check_equal "after a snapshot the head's objects are exists-clean" \
    "3000033000000000" "$(map_states om)"
check "a write after the snapshot" \
    qio -f raw -c "write -P 0x21 $((20 * MiB)) 4096" \
        -c "write -P 0x22 $((40 * MiB)) 4096" "$img"
check_equal "...marks its objects exists again" \
    "3000013000100000" "$(map_states om)"
check_equal "the snapshot's map is untouched" "1000011000000000" \
    "$(map_states om "$snap")"
check_equal "rbd diff --from-snap lists only what changed since" \
    "20971520+4096:true 41943040+4096:true" "$(diff_of --from-snap s1 om)"
check "rbd object-map check agrees, head and snapshot" \
    eval 'objmap_ok om && objmap_ok om@s1'

# Reads of objects the map says are missing: no RADOS read at all.  The
# map is only trusted while the lock is held, so write first.
qio_bg_open -f raw "$img"
qio_bg_do "write -P 0x31 0 512"
before=$(osd_reads)
qio_bg_do "read -P 0 $((44 * MiB)) $((16 * MiB))"
after=$(osd_reads)
qio_bg_do "read -P 0x31 0 512"
last=$(osd_reads)
qio_bg_close
echo "# OSD read ops: $before before, $after after the read of 4 objects"
# (a watch ping may fall in between; a read without the map costs 4)
check "16 MiB of nonexistent objects read without an OSD read op" \
    test $((after - before)) -le 1
check "...and read as zeroes, while existing ones are read" \
    test -z "$(grep 'failed\|Pattern' "$scratch/qio_bg.out")" -a "$last" -gt "$after"

check "qemu-img resize grows the image and its map" \
    "$QEMU_IMG" resize -f raw "$img" 80M
check "qemu-img resize --shrink removes the objects past the end" \
    "$QEMU_IMG" resize -f raw --shrink "$img" 22M
check_equal "the map follows" "100001" "$(map_states om)"
check "rbd object-map check agrees" objmap_ok om

# A map flagged invalid (features re-enabled) is not trusted nor touched.
rbd feature disable om fast-diff object-map
rbd feature enable om object-map fast-diff
check_contains "re-enabling flags the map invalid" "object map invalid" \
    "$(rbd info om)"
qio -f raw -c "write -P 0x41 $((4 * MiB)) 4096" -c "read -P 0x41 $((4 * MiB)) 4096" \
    -c "read -P 0x21 $((20 * MiB)) 4096" "$img" > /dev/null &&
rbd object-map rebuild om > /dev/null 2>&1
check "writes go on without it, and rbd object-map rebuild then agrees" \
    objmap_ok om
done_testing
