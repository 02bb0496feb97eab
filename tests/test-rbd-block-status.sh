#!/usr/bin/env bash
# Block status through the rbd plugin (ABI 1.2): `qemu-img map` shows what
# QEMU's in-tree driver shows, and copies skip what is not allocated.
#   - images with a valid fast-diff map (Ceph's defaults, 0x3d): the map of
#     the plugin and of the in-tree driver (librbd's rbd_diff_iterate2) are
#     equal, line for line, on 20 GiB with a few MiB written, and on a
#     snapshot of it;
#   - where the in-tree driver does not ask librbd and calls everything
#     data (clones, striped images, images without a map to trust: layering
#     only, or a map flagged invalid), the plugin's data is exactly what
#     librbd's own `rbd diff --whole-object` lists (for a clone: its own
#     objects and its parent's within the overlap), and a copy of a clone
#     through the plugin compares identical with the in-tree driver's view;
#   - an image written through a writable export (the plugin then holds the
#     lock and answers from its own map) shows its holes over NBD;
#   - qemu-img info shows the object size as cluster_size, and
#     `qemu-img convert` to qcow2 copies only the allocated objects, with
#     `qemu-img compare` against the in-tree driver finding them identical.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 19
ceph_start

GiB=$((1 << 30))
MiB=$((1 << 20))

# map SPEC: qemu-img map --output=json, one extent per line.
map() {
    "$QEMU_IMG" map -f raw --output=json "$1" 2>&1
}
# data_ranges: "START LENGTH" of the extents with data, adjacent ones
# merged, from qemu-img map's JSON (stdin) or `rbd diff --format json`.
data_ranges() {
    "$RBD_PY" -c 'import json, sys
text = sys.stdin.read()
try:
    ext = json.loads(text)
except ValueError:
    print("(not JSON: %s)" % text.strip())
    sys.exit(0)
out = []
for e in ext:
    start = e.get("start", e.get("offset"))
    if not e.get("data", e.get("exists") == "true"):
        continue
    if out and out[-1][0] + out[-1][1] == start:
        out[-1][1] += e["length"]
    else:
        out.append([start, e["length"]])
print(" ".join("%d+%d" % (s, l) for s, l in out) or "(none)")'
}
rbd_data() {
    ceph_out rbd diff --whole-object --format json "$1" | data_ranges
}

# The same writes on each image: a few MiB spread over 20 GiB, one of
# them across an object boundary.
write_spread() {
    qio -f raw -c "write -P 0x11 0 1M" \
        -c "write -P 0x22 $((10 * GiB + 3 * MiB)) 2M" \
        -c "write -P 0x33 $((15 * GiB)) 4k" \
        -c "write -P 0x44 $((20 * GiB - 4096)) 4k" "plugin:rbd:rbd/$1" >/dev/null
}

rbd create --size 20G d
write_spread d
check_equal "default image: the plugin's map is the in-tree driver's" \
    "$(map rbd:rbd/d)" "$(map plugin:rbd:rbd/d)"
check_equal "...and its data is what rbd diff lists (5 objects)" \
    "0+4194304 10737418240+8388608 16106127360+4194304 21470642176+4194304" \
    "$(map plugin:rbd:rbd/d | data_ranges)"
check_contains "qemu-img info: the object size is the cluster size" \
    '"cluster-size": 4194304' \
    "$("$QEMU_IMG" info -f raw --output=json plugin:rbd:rbd/d 2>&1)"

# A snapshot answers for itself, not for the head that moved on.
rbd snap create d@s1 >/dev/null 2>&1
qio -f raw -c "write -P 0x55 $((5 * GiB)) 64k" -c "discard 0 4M" \
    plugin:rbd:rbd/d >/dev/null
check_equal "snapshot: the plugin's map is the in-tree driver's" \
    "$(map rbd:rbd/d@s1)" "$(map plugin:rbd:rbd/d@s1)"
check_equal "...which is the map from before the snapshot's later writes" \
    "0+4194304 10737418240+8388608 16106127360+4194304 21470642176+4194304" \
    "$(map plugin:rbd:rbd/d@s1 | data_ranges)"
check_equal "the head: the write at 50 GiB is there, the discarded object is not" \
    "$(map rbd:rbd/d)" "$(map plugin:rbd:rbd/d)"

# A clone reads its parent's data where it has none of its own.
rbd snap protect d@s1
rbd clone d@s1 c >/dev/null 2>&1
check_equal "clone: the in-tree driver calls it all data (QEMU skips librbd's diff for clones)" \
    "0+$((20 * GiB))" "$(map rbd:rbd/c | data_ranges)"
check_equal "clone without writes: the plugin's data is the parent's, as rbd diff lists it" \
    "$(rbd_data d@s1) | $(rbd_data c)" \
    "$(map plugin:rbd:rbd/c | data_ranges) | $(map plugin:rbd:rbd/c | data_ranges)"
qio -f raw -c "write -P 0x66 $((12 * GiB)) 4k" -c "write -P 0x77 4096 4k" \
    plugin:rbd:rbd/c >/dev/null
check_equal "clone with its own writes: the plugin's data is what rbd diff lists" \
    "$(rbd_data c)" "$(map plugin:rbd:rbd/c | data_ranges)"
check "qemu-img convert -O qcow2 of the clone through the plugin" \
    "$QEMU_IMG" convert -f raw -O qcow2 plugin:rbd:rbd/c "$scratch/c.qcow2"
check_equal "...identical to the clone as the in-tree driver reads it" \
    "Images are identical." \
    "$("$QEMU_IMG" compare -f qcow2 -F raw "$scratch/c.qcow2" rbd:rbd/c 2>&1)"

# Striped: objects hold stripe units far apart in the image.
rbd create --size 1G --stripe-unit 64K --stripe-count 4 st
qio -f raw -c "write -P 0x12 $((64 << 10)) 4k" -c "write -P 0x34 $((600 * MiB)) 300k" \
    plugin:rbd:rbd/st >/dev/null
check_equal "striped image: the plugin's data is what rbd diff lists" \
    "$(rbd_data st)" "$(map plugin:rbd:rbd/st | data_ranges)"

# Without fast-diff, the objects themselves say.
rbd create --size 20G --image-feature layering l
write_spread l
check_equal "layering only: the in-tree driver calls it all data (librbd without fast-diff)" \
    "0+$((20 * GiB))" "$(map rbd:rbd/l | data_ranges)"
check_equal "...the plugin's data is what rbd diff --whole-object lists" \
    "$(rbd_data l)" "$(map plugin:rbd:rbd/l | data_ranges)"

# A map flagged invalid is never trusted: re-enabling the feature flags it.
rbd create --size 20G inv
write_spread inv
rbd feature disable inv fast-diff object-map
qio -f raw -c "write -P 0x88 $((6 * GiB)) 4k" plugin:rbd:rbd/inv >/dev/null
rbd feature enable inv object-map fast-diff
check_equal "object map flagged invalid: the plugin's data is what rbd diff lists, with the write made without a map" \
    "$(rbd_data inv) object map invalid" \
    "$(map plugin:rbd:rbd/inv | data_ranges) $(rbd info inv | grep -o 'object map invalid')"

# Copies skip the holes and read the same bytes.
check "qemu-img convert -O qcow2 of the 20 GiB default image through the plugin" \
    "$QEMU_IMG" convert -f raw -O qcow2 plugin:rbd:rbd/d "$scratch/d.qcow2"
size=$(stat -c %s "$scratch/d.qcow2")
if [ "$size" -lt $((32 * MiB)) ]; then
    ok "...the qcow2 holds the allocated objects only ($size bytes)"
else
    not_ok "...the qcow2 holds the allocated objects only" "it has $size bytes"
fi
check_equal "qemu-img compare: the copy and the in-tree driver's view are identical" \
    "Images are identical." \
    "$("$QEMU_IMG" compare -f qcow2 -F raw "$scratch/d.qcow2" rbd:rbd/d 2>&1)"

# A writable export: the plugin holds the lock and answers from its map.
# (check-asan builds no qemu-nbd.)
nbd_export_map() {
    local sock=$scratch/nbd.sock nbd_pid out
    rbd create --size 1G e
    "$QEMU_NBD" -f raw -t -k "$sock" plugin:rbd:rbd/e 2>"$scratch/nbd.err" &
    nbd_pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    /usr/bin/qemu-io -f raw -c "write -P 0x99 $((300 * MiB)) 64k" \
        "nbd+unix:///?socket=$sock" >/dev/null 2>&1
    out=$(/usr/bin/qemu-img map -f raw --output=json "nbd+unix:///?socket=$sock" 2>&1)
    # Before the cluster goes: closing the image releases its lock there.
    kill "$nbd_pid"
    wait "$nbd_pid" 2>/dev/null
    printf '%s\n' "$out" | data_ranges
}
if [ -x "$QEMU_NBD" ]; then
    check_equal "through a writable qemu-nbd export: holes but for the one object written" \
        "314572800+4194304" "$(nbd_export_map)"
else
    ok "through a writable qemu-nbd export # SKIP no $QEMU_NBD"
fi
done_testing
