#!/usr/bin/env bash
# Writes in flight to one object (plugins/rbd/rbd-objq.c): overlapping
# writes land in the order they were submitted, whether they went out alone
# or merged with others queued behind an op in flight, large and small,
# within one object and across two, on images with and without an object
# map; and small writes queued to one object still leave as a few merged
# RADOS ops, not one op each.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 9
ceph_start

size=$((16 << 20))

# osd_writes: the OSD's write op count so far.
osd_writes() {
    ceph --admin-daemon "$CEPH_DIR/run/osd.0.asok" perf dump 2>/dev/null |
        "$RBD_PY" -c 'import json, sys; print(json.load(sys.stdin)["osd"]["op_w"])'
}

# One qemu-io run of aio_writes, all submitted before any is waited for,
# and the model of the image they leave: each write applied in turn.
cmds=()
model=$scratch/model
head -c "$size" /dev/zero >"$model"
add_write() {   # add_write BYTE OFFSET LENGTH
    cmds+=(-c "aio_write -q -P $1 $2 $3")
    fill "$model" "$2" "$3" "$1"
}
k=0
# Large ones, overlapping, mostly within object 1 ([4M, 8M)).
for off in 4194304 4456448 4718592 4325376 5242880 4194304 6291456 7340032 \
           5767168 4980736 4587520 6029312; do
    k=$((k + 1))
    add_write $((k + 16)) "$off" 1048576
done
# Small ones over the same range, and large ones again on top: queued
# behind the large ones, merged, and ordered with both.
for i in $(seq 0 63); do
    add_write $((i + 64)) $((4194304 + i * 49152)) 65536
done
for off in 4718592 6815744 4194304; do
    k=$((k + 1))
    add_write $((k + 16)) "$off" 524288
done
# Straddling objects 1 and 2, and 2 and 3.
add_write 0xaa 7864320 1048576
add_write 0xbb 12058624 1048576
add_write 0xcc 7340032 2097152

for features in layering default; do
    img=ord-$features
    if [ $features = layering ]; then
        rbd create --size 16M --image-feature layering "$img"
    else
        rbd create --size 16M "$img"
    fi
    check "qemu-io: $((${#cmds[@]} / 2)) overlapping aio_writes in flight at once ($features image)" \
        qio -f raw "${cmds[@]}" -c "aio_flush" "plugin:rbd:rbd/$img"
    check_export "...rbd export shows each one over the ones submitted before it ($features)" \
        "rbd/$img" "$model"
done
check "the object map still matches the objects (rbd object-map check)" \
    objmap_ok rbd/ord-default

# Small writes to one object in flight together merge.  (librbd does the
# same; one op per write would be 256 ops.)
rbd create --size 16M --image-feature layering merge
small=()
for i in $(seq 0 255); do
    small+=(-c "aio_write -q -P 0x5a $((i * 4096)) 4096")
done
before=$(osd_writes)
check "qemu-io: 256 sequential 4 KiB aio_writes to one object" \
    qio -f raw "${small[@]}" -c "aio_flush" plugin:rbd:rbd/merge
ops=$(($(osd_writes) - before))
if [ "$ops" -gt 0 ] && [ "$ops" -le 64 ]; then
    ok "...reach the OSD as $ops write ops (merged: at most 64)"
else
    not_ok "...reach the OSD as at most 64 write ops (merged)" "OSD write ops: $ops"
fi
head -c "$size" /dev/zero >"$scratch/merge"
fill "$scratch/merge" 0 1048576 0x5a
check_export "...and rbd export shows all 1 MiB of them" rbd/merge "$scratch/merge"
check "qemu-io reads them back through the plugin" \
    qio -f raw -c "read -P 0x5a 0 1M" -c "read -P 0 1M 15M" plugin:rbd:rbd/merge
done_testing
