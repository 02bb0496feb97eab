#!/usr/bin/env bash
# The oracle test on images with Ceph's default features, made by a plain
# `rbd create` (layering, exclusive-lock, object-map, fast-diff,
# deep-flatten: 0x3d): the seeded qemu-io script of tests/rbd/oracle-gen.py
# (here on a 512 MiB image, ending with whole-object discards and
# write-zeroes) runs once through the plugin and once through QEMU's
# in-tree rbd driver, each on its own image; every -P check passes and the
# exports are equal, and equal to what the generator tracked.  Afterwards
# the metadata is what librbd leaves:
#   - `rbd object-map check` finds nothing and no "invalid" flag is set;
#   - `rbd diff --whole-object` (the object map, fast-diff) lists exactly
#     the objects the script left, and so does `rados ls` of the data
#     objects.  The one place the drivers differ, and are expected to:
#     a write -z without -u over a whole object leaves it in place through
#     the plugin (QEMU did not allow unmapping) and removes it through
#     QEMU 7.2's driver on librbd 16 (which never gets the thick-provision
#     flag); the generator gives both sets (objects, objects-unmap);
#   - while a qemu-io holds the image open after a write, `rbd status`
#     shows its watch and `rbd lock ls` its lock: exclusive, tag internal,
#     cookie "auto <watch handle>", owned by that watcher's client and
#     address, as librbd's own (checked on the in-tree image the same
#     way); after close, neither shows anything.
# ORACLE_SEED=N runs another seed.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 19
ceph_start

seed=${ORACLE_SEED:-20260127}
size=$((512 << 20))
osize=$((4 << 20))
gen=$scratch/gen
mkdir -p "$gen"
"$RBD_PY" tests/rbd/oracle-gen.py "$seed" "$size" 400 "$gen" "$osize"
echo "# seed $seed: $(wc -l <"$gen/script") commands," \
    "$(grep -cE '^(write|writev) ' "$gen/script") writes," \
    "$(grep -c '^discard ' "$gen/script") discards," \
    "$(grep -cE '^readv? ' "$gen/script") verified reads;" \
    "$(wc -l <"$gen/objects") of $((size / osize)) objects left," \
    "$(diff "$gen/objects" "$gen/objects-unmap" | grep -c "^[<>]") differing when write -z unmaps"

# A plain `rbd create`, no feature options.
rbd create --size "${size}B" plugin-img
rbd create --size "${size}B" intree-img
check_equal "rbd create made both images with the default features (0x3d)" \
    "features=layering,exclusive-lock,object-map,fast-diff,deep-flatten flags= | features=layering,exclusive-lock,object-map,fast-diff,deep-flatten flags=" \
    "$(rbd_info plugin-img features flags) | $(rbd_info intree-img features flags)"

oracle_compare "" plugin-img intree-img "$gen/script" "$gen/expect"
rm -f "$gen/expect"

# rbd object-map check only reports by flagging the map invalid: run it,
# then print the image's flags (empty when the map was right).
objmap_check() {
    local out
    out=$(rbd object-map check --no-progress "$1" 2>&1) || echo "(rbd object-map check failed: $out)"
    rbd_info "$1" flags
}
check_equal "rbd object-map check: the plugin's map is right, no flag set" \
    "flags=" "$(objmap_check plugin-img)"
check_equal "rbd object-map check: the in-tree driver's map too" \
    "flags=" "$(objmap_check intree-img)"

# Objects as "OFFSET LENGTH" lines: from rbd diff --whole-object, and from
# the data objects in RADOS.
whole_object_diff() {
    ceph_out rbd diff --whole-object --format json "$1" | "$RBD_PY" -c 'import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    print("(rbd diff failed)")
    sys.exit(0)
for e in d:
    print("%d %d%s" % (e["offset"], e["length"], "" if e["exists"] == "true" else " " + e["exists"]))'
}
rados_objects() {
    local prefix o
    prefix=$(rbd_prefix "$1")
    rados -p rbd ls | grep "^$prefix\." | sort | while read -r o; do
        echo "$((16#${o##*.} * osize)) $osize"
    done
}
# check_objects DESCRIPTION EXPECTED-FILE ACTUAL: "N objects" and the
# first differences.
check_objects() {
    local d
    d=$(diff <(cat "$2") <(printf '%s\n' "$3" | sed '/^$/d') | grep '^[<>]' | head -n 8)
    if [ -z "$d" ]; then
        ok "$1 ($(wc -l <"$2") objects)"
    else
        not_ok "$1" "< expected, > actual:" "$d"
    fi
}
check_objects "rbd diff --whole-object of the plugin's image: exactly the objects left" \
    "$gen/objects" "$(whole_object_diff plugin-img)"
check_objects "...and those are the image's data objects in RADOS" \
    "$gen/objects" "$(rados_objects plugin-img)"
check_objects "rbd diff --whole-object of the in-tree driver's image (write -z unmaps)" \
    "$gen/objects-unmap" "$(whole_object_diff intree-img)"
check_objects "...and those are its data objects in RADOS" \
    "$gen/objects-unmap" "$(rados_objects intree-img)"

# Watch and lock: nothing while closed, the opener's while open after a
# write, nothing again after close.  The in-tree driver first, to show
# that the plugin's look the same as librbd's.
for i in intree plugin; do
    name=$i-img
    file=rbd:rbd/$name
    [ $i = plugin ] && file=plugin:rbd:rbd/$name
    check_equal "$i: nothing watches or locks the image after the script" \
        "watchers: 0; locks: 0" "$(rbd_holders "$name")"
    if qio_bg_open -f raw "$file" && qio_bg_do "write -P 0x77 $((100 << 20)) 4096"; then
        holders=$(rbd_holders "$name")
    else
        holders="(qemu-io failed: $(tail -n 5 "$scratch/qio_bg.out"))"
    fi
    check_equal "$i: open after a write, its watch and its lock: exclusive, tag internal, cookie 'auto <watch handle>'" \
        "watchers: 1; locks: 1; lock: exclusive, tag internal, cookie auto <watch>, held by the watcher" \
        "$holders"
    qio_bg_close
    check_equal "$i: after close, no watcher and no lock" \
        "watchers: 0; locks: 0" "$(rbd_holders "$name")"
done
check_equal "after those writes both maps are still right" \
    "flags= | flags=" "$(objmap_check plugin-img) | $(objmap_check intree-img)"
done_testing
