#!/usr/bin/env bash
# Internal snapshots from QEMU on images made by a plain `rbd create`
# (layering, exclusive-lock, object-map, fast-diff, deep-flatten):
# qemu-img snapshot -c/-l/-a/-d and QMP blockdev-snapshot-internal-sync
# leave the object maps exactly as librbd leaves them on a twin image
# driven by `rbd snap` and QEMU's in-tree driver (a copy of the head's map
# per snapshot, EXISTS_CLEAN after it until the next write, folded into
# the next map on removal, copied back on revert), with no map flagged
# invalid; `rbd object-map check`, `rbd diff --from-snap` and `rbd export`
# of the snapshots agree.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 42
ceph_start

MiB=$((1 << 20))
P=plugin:rbd:rbd/p
O=rbd:rbd/o                     # the twin, through librbd
snap() { "$QEMU_IMG" snapshot "$@" "$P" 2>&1; }
# on_both QEMU-IO-ARGS...: the same writes to both images.
on_both() {
    qio -f raw "$@" "$P" > /dev/null && qio -f raw "$@" "$O" > /dev/null
}
# same_maps DESCRIPTION EXPECTED SNAP_NAME: the head's (no snapshot name)
# or a snapshot's map, on the plugin's image, is EXPECTED and librbd's.
same_maps() {
    local pid="" oid="" mine theirs
    if [ -n "$3" ]; then
        pid=$(snap_id p "$3")
        oid=$(snap_id o "$3")
    fi
    mine=$(map_states p "$pid")
    theirs=$(map_states o "$oid")
    check_equal "$1" "$2 (librbd: $2)" "$mine (librbd: $theirs)"
}
no_invalid_flags() {
    local img
    for img in "$@"; do
        rbd_info "$img" flags
    done
}
diff_objects() {
    rbd diff --whole-object --format json "$@" | "$RBD_PY" -c 'import json, sys
print(" ".join("%d+%d" % (e["offset"], e["length"]) for e in json.load(sys.stdin)))'
}

rbd create --size 16M p
rbd create --size 16M o
check_equal "rbd create made both with Ceph's default features" \
    "features=layering,exclusive-lock,object-map,fast-diff,deep-flatten" \
    "$(rbd_info p features)"

# objects 0 and 2
on_both -c "write -P 0x11 0 1M" -c "write -P 0x12 $((8 * MiB)) 1M"
cp /dev/null "$scratch/s1"
truncate -s 16M "$scratch/s1"
fill "$scratch/s1" 0 $MiB 0x11
fill "$scratch/s1" $((8 * MiB)) $MiB 0x12

check "qemu-img snapshot -c s1 on an object-map image" snap -c s1
rbd snap create o@s1 > /dev/null 2>&1
check_contains "rbd snap ls sees it" " s1 " "$(rbd snap ls p)"
same_maps "the head's objects are exists-clean after it" 3030 ""
same_maps "the snapshot's map is the head's before it" 1010 s1
check_equal "no map of head or snapshot is flagged invalid" \
    "flags= flags=" "$(no_invalid_flags p p@s1 | tr '\n' ' ' | sed 's/ $//')"

# objects 0 and 3, through the plugin: its first writes after the snapshot
on_both -c "write -P 0x22 0 4096" -c "write -P 0x33 $((12 * MiB)) 4096"
same_maps "the first write after it marks objects exists again" 1031 ""
check_equal "rbd diff --from-snap s1 lists exactly the objects written since" \
    "0+$((4 * MiB)) $((12 * MiB))+$((4 * MiB))" "$(diff_objects --from-snap s1 p)"
check_export "rbd export p@s1 has the data of its moment" p@s1 "$scratch/s1"
check "rbd object-map check p" objmap_ok p
check "rbd object-map check p@s1" objmap_ok p@s1
check_equal "qemu-img snapshot -l shows what rbd snap ls shows" \
    "$(rbd snap ls --format json p | "$RBD_PY" -c 'import json, sys
for s in json.load(sys.stdin): print(s["id"], s["name"])')" \
    "$(snap -l | awk 'NR > 2 { print $1, $2 }')"

# s2 with nothing written since s1: its map holds exists-clean objects,
# which the removal of s1 must turn back to exists where s1 saw them.
check "qemu-img snapshot -c s2" snap -c s2
rbd snap create o@s2 > /dev/null 2>&1
same_maps "s2's map" 1031 s2
s1_map=rbd_object_map.$(rbd_info p id | sed 's/^id=//').$(printf '%016x' "$(snap_id p s1)")
check "qemu-img snapshot -d s1" snap -d s1
rbd snap rm o@s1 > /dev/null 2>&1
check_equal "rbd snap ls shows s2 alone" "s2" \
    "$(rbd snap ls --format json p | "$RBD_PY" -c 'import json, sys
print(" ".join(s["name"] for s in json.load(sys.stdin)))')"
same_maps "s1's map was folded into s2's" 1011 s2
check_fails "s1's map object is gone" rados -p rbd stat "$s1_map"
check "rbd object-map check p@s2" objmap_ok p@s2

# object 1, then back to s2
on_both -c "write -P 0x44 $((4 * MiB)) 4096"
cp "$scratch/s1" "$scratch/s2"
fill "$scratch/s2" 0 4096 0x22
fill "$scratch/s2" $((12 * MiB)) 4096 0x33
check "qemu-img snapshot -a s2 reverts the disk" snap -a s2
rbd snap rollback o@s2 > /dev/null 2>&1
check_export "...to the data of s2" p "$scratch/s2"
same_maps "the head's map is s2's again" 1011 ""
check "rbd object-map check p after the revert" objmap_ok p
check_equal "rbd diff --from-snap s2 lists what the map says may differ" \
    "$(diff_objects --from-snap s2 o)" "$(diff_objects --from-snap s2 p)"

# s3, a write, then s3 goes: its map folds into the head's
check "qemu-img snapshot -c s3" snap -c s3
rbd snap create o@s3 > /dev/null 2>&1
on_both -c "write -P 0x55 0 4096"
same_maps "after s3 and a write" 1033 ""
check "qemu-img snapshot -d s3" snap -d s3
rbd snap rm o@s3 > /dev/null 2>&1
same_maps "s3's map was folded into the head's" 1011 ""
check "rbd object-map check p after the fold" objmap_ok p

rbd snap create p@kept > /dev/null 2>&1
rbd snap protect p@kept
check_contains "deleting a protected snapshot says how to proceed" \
    "it is protected: \`rbd snap unprotect\` first" "$(snap -d kept)"
check "...and leaves its map alone" objmap_ok p@kept

# A snapshot a clone v2 child reads from goes to the trash, as with `rbd
# snap rm`, map and all, and is no longer listed.
rbd snap create p@cloned > /dev/null 2>&1
cloned=$(snap_id p cloned)
cloned_map=$(map_states p "$cloned")
rbd export p@cloned "$scratch/cloned" > /dev/null 2>&1
rbd clone --rbd-default-clone-format 2 p@cloned kid
check "qemu-img snapshot -d of a snapshot with a clone v2 child" snap -d cloned
check_equal "it is in the trash namespace, as rbd snap rm leaves it" \
    "$cloned trash cloned" "$(rbd snap ls --all --format json p | "$RBD_PY" -c '
import json, sys
for s in json.load(sys.stdin):
    if s["namespace"]["type"] != "user":
        print(s["id"], s["namespace"]["type"], s["namespace"]["original_name"])')"
check_equal "its map is kept and not flagged invalid" \
    "$cloned_map flags 0" "$(map_states p "$cloned") flags $("$RBD_PY" -c '
import rados, struct, sys
c = rados.Rados(conffile=sys.argv[1]); c.connect()
io = c.open_ioctx("rbd")
iid = io.read("rbd_id.p")[4:].decode()
out = io.execute("rbd_header." + iid, "rbd", "get_flags",
                 struct.pack("<Q", int(sys.argv[2])))[1]
print(struct.unpack("<Q", out)[0])' "$CEPH_CONF" "$cloned")"
check_export "the clone still reads the snapshot's data through" kid \
    "$scratch/cloned"
check_equal "qemu-img snapshot -l lists what rbd snap ls lists" \
    "$(rbd snap ls --format json p | "$RBD_PY" -c 'import json, sys
for s in json.load(sys.stdin): print(s["id"], s["name"])')" \
    "$(snap -l | awk 'NR > 2 { print $1, $2 }')"

check_equal "nothing holds the lock after qemu-img" "" "$(rbd lock ls p)"

# One qemu-system process: a write, the QMP snapshot, writes after it.
rbd create --size 16M v
qmp=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
    '{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io n0 \"write -P 0x61 0 4096\""}}' \
    '{"execute":"blockdev-snapshot-internal-sync","arguments":{"device":"n0","name":"qmp1"}}' \
    '{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io n0 \"write -P 0x62 0 4096\""}}' \
    '{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io n0 \"write -P 0x63 4194304 4096\""}}' \
    '{"execute":"quit"}' |
    timeout 120 "$QEMU_SYSTEM" -M none -nodefaults -display none -S -qmp stdio \
        -blockdev "driver=plugin,node-name=n0,module=rbd,options.pool=rbd,options.image=v" 2>&1)
check_contains "QMP blockdev-snapshot-internal-sync on an object-map image" \
    " qmp1 " "$(rbd snap ls v)"
check_equal "writes in the same process after it mark objects exists again" \
    "1100 1000" "$(map_states v) $(map_states v "$(snap_id v qmp1)")"
check_equal "rbd diff --from-snap qmp1 lists the objects written after it" \
    "0+$((4 * MiB)) $((4 * MiB))+$((4 * MiB))" "$(diff_objects --from-snap qmp1 v)"
truncate -s 16M "$scratch/qmp1"
fill "$scratch/qmp1" 0 4096 0x61
check_export "rbd export v@qmp1 has the data of its moment" v@qmp1 "$scratch/qmp1"
check "rbd object-map check v and v@qmp1" eval 'objmap_ok v && objmap_ok v@qmp1'
done_testing
