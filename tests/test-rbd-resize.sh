#!/usr/bin/env bash
# qemu-img resize through the plugin, growing and shrinking, on a default
# and on a striped image: `rbd info` and `rbd export` see the new size and
# the right bytes, and a shrink leaves exactly the data objects (and object
# sizes) that `rbd resize --allow-shrink` leaves on a twin image, so that
# growing again reads zeroes past the old end.  A resize of an image with a
# snapshot (a writable open: watch, lock, set_size, unwatch) changes the
# header object in place: no clone of it appears under the snapshot, as
# librbd writes metadata without a snap context.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 22
ceph_start

MiB=$((1 << 20))
small=$((5 * MiB + 1536))     # not a multiple of an object or a stripe unit
random_file "$scratch/r40" $((40 * MiB)) 40
head -c "$small" "$scratch/r40" >"$scratch/small"
{ cat "$scratch/small"; head -c $((40 * MiB - small)) /dev/zero; } >"$scratch/regrown"

for layout in default striped; do
    args=(--size 16M --image-feature layering)
    [ $layout = striped ] && args+=(--object-size 1M --stripe-unit 64K --stripe-count 4)
    p=$layout-plugin
    t=$layout-twin         # the same steps through `rbd resize`
    rbd create "${args[@]}" "$p"
    rbd create "${args[@]}" "$t"

    check "$layout: qemu-img resize grows the image from 16 to 40 MiB" \
        "$QEMU_IMG" resize -f raw "plugin:rbd:rbd/$p" 40M
    rbd resize --no-progress --size 40M "$t" >/dev/null 2>&1
    check_equal "$layout: rbd info and qemu-img info see 40 MiB" \
        "size=41943040 | virtual size: 40 MiB (41943040 bytes)" \
        "$(rbd_info "$p" size) | $("$QEMU_IMG" info -f raw "plugin:rbd:rbd/$p" | grep '^virtual size')"
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/r40" "plugin:rbd:rbd/$p"
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/r40" "plugin:rbd:rbd/$t"
    check_export "$layout: the grown image holds 40 MiB written through the plugin" \
        "$p" "$scratch/r40"

    check "$layout: qemu-img resize --shrink to 5 MiB + 1536" \
        "$QEMU_IMG" resize -f raw --shrink "plugin:rbd:rbd/$p" "$small"
    rbd resize --no-progress --allow-shrink --size "${small}B" "$t" >/dev/null 2>&1
    check_equal "$layout: rbd info sees the new size" "size=$small" "$(rbd_info "$p" size)"
    check_export "$layout: rbd export gives the first 5 MiB + 1536 bytes" "$p" "$scratch/small"
    objs=$(rbd_objects rbd "$(rbd_prefix "$p")")
    check_equal "$layout: the data objects and their sizes are those rbd resize leaves" \
        "$(rbd_objects rbd "$(rbd_prefix "$t")")" "$objs"
    echo "# $layout objects after the shrink (number size): $(xargs <<<"$objs")"

    check "$layout: qemu-img resize grows it back to 40 MiB" \
        "$QEMU_IMG" resize -f raw "plugin:rbd:rbd/$p" 40M
    check_export "$layout: rbd export: the kept bytes, then zeroes (nothing old comes back)" \
        "$p" "$scratch/regrown"
    check "$layout: the plugin reads zeroes past the old end" \
        qio -f raw -c "read -P 0 $small $((40 * MiB - small))" "plugin:rbd:rbd/$p"
done

rbd create --size 16M snapped
rbd snap create snapped@s >/dev/null 2>&1
check "an image with a snapshot: qemu-img resize grows it to 32 MiB" \
    "$QEMU_IMG" resize -f raw plugin:rbd:rbd/snapped 32M
header=rbd_header.$(rbd_info snapped id | sed 's/^id=//')
check_equal "...and its header object has no clone (only its head)" "head" \
    "$(ceph_out rados -p rbd listsnaps "$header" | awk 'NR > 2 { print $1 }' | xargs)"
done_testing
