#!/usr/bin/env bash
# Snapshots taken with `rbd snap create` survive the plugin's writes: every
# write, discard, write-zeroes and shrink carries the image's snap context,
# so `rbd export img@snap` keeps the bytes of the snapshot's moment.  The
# plugin reads a snapshot (plugin:rbd:pool/img@snap) as `rbd export` does,
# at the snapshot's own size, and refuses to open one for writing.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 26
ceph_start

MiB=$((1 << 20))
for layout in default striped; do
    args=(--size 16M --image-feature layering)
    [ $layout = striped ] && args+=(--object-size 1M --stripe-unit 64K --stripe-count 4)
    img=$layout
    rbd create "${args[@]}" "$img"
    random_file "$scratch/$img.s1" $((16 * MiB)) 1
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/$img.s1" "plugin:rbd:rbd/$img"
    rbd snap create "$img@s1" >/dev/null 2>&1

    # After s1: writes across objects, a whole-object discard (the object is
    # removed in the head only), a discard and a write-zeroes with unmap to
    # the end of objects (truncated in the head only), a plain write-zeroes.
    cp "$scratch/$img.s1" "$scratch/$img.s2"
    f=$scratch/$img.s2
    check "$layout: the plugin writes, discards and zeroes after 'rbd snap create @s1'" \
        qio -f raw -c 'write -P 0x44 1000 5M' \
            -c 'writev -P 0x45 7340031 3 65536 511' \
            -c 'discard 8M 4M' -c 'discard 12517376 65536' \
            -c 'write -z -u 14M 2M' -c 'write -z 6291456 4096' \
            "plugin:rbd:rbd/$img"
    fill "$f" 1000 $((5 * MiB)) 0x44
    fill "$f" 7340031 $((3 + 65536 + 511)) 0x45
    fill "$f" $((8 * MiB)) $((4 * MiB)) 0
    fill "$f" 12517376 65536 0
    fill "$f" $((14 * MiB)) $((2 * MiB)) 0
    fill "$f" 6291456 4096 0
    check_export "$layout: rbd export @s1 is unchanged" "$img@s1" "$scratch/$img.s1"
    check_export "$layout: rbd export of the head has the new bytes" "$img" "$f"

    # A second snapshot, more writes, then a shrink of the head to 6 MiB.
    rbd snap create "$img@s2" >/dev/null 2>&1
    "$QEMU_IO" -f raw -c 'write -P 0x46 0 16M' "plugin:rbd:rbd/$img" >/dev/null 2>&1
    "$QEMU_IMG" resize -f raw --shrink "plugin:rbd:rbd/$img" 6M >/dev/null 2>&1
    check_equal "$layout: rbd info after the shrink: head 6 MiB" \
        "size=6291456 snapshot_count=2" "$(rbd_info "$img" size snapshot_count)"
    check_export "$layout: after more writes and a shrink, @s1 is still unchanged" \
        "$img@s1" "$scratch/$img.s1"
    check_export "$layout: ...and @s2 holds the bytes of its moment" "$img@s2" "$f"

    # The plugin reads snapshots like rbd export does, at their own size.
    check "$layout: qemu-img convert reads plugin:rbd:rbd/$img@s1" \
        "$QEMU_IMG" convert -f raw -O raw "plugin:rbd:rbd/$img@s1" "$scratch/$img.r1"
    check_cmp "$layout: ...the bytes rbd export gives for @s1" \
        "$scratch/$img.s1" "$scratch/$img.r1"
    check "$layout: qemu-img convert reads @s2 (named option snapshot=s2)" \
        "$QEMU_IMG" convert --image-opts -O raw \
        "driver=plugin,module=rbd,pool=rbd,image=$img,snapshot=s2" "$scratch/$img.r2"
    check_cmp "$layout: ...the bytes rbd export gives for @s2" "$f" "$scratch/$img.r2"

    # Grown again, the head reads zeroes past the shrunk end, not the
    # snapshots' data (the shrink removed or truncated the head's objects).
    "$QEMU_IMG" resize -f raw "plugin:rbd:rbd/$img" 16M >/dev/null 2>&1
    head -c $((16 * MiB)) /dev/zero >"$scratch/$img.grown"
    fill "$scratch/$img.grown" 0 $((6 * MiB)) 0x46
    check_export "$layout: grown back to 16 MiB, the head is 6 MiB of data, then zeroes" \
        "$img" "$scratch/$img.grown"
done

check_equal "a snapshot has its own size (16 MiB), not the head's (6 MiB)" \
    "virtual size: 16 MiB (16777216 bytes)" \
    "$("$QEMU_IMG" info -f raw plugin:rbd:rbd/default@s1 | grep '^virtual size')"

# Writing to a snapshot is refused, with a message naming it.
check_fails_with "qemu-io refuses to open a snapshot for writing" \
    "qemu-io: can't open device plugin:rbd:rbd/default@s1: rbd: snapshot 'rbd/default@s1' can only be opened read-only" \
    "$QEMU_IO" -f raw -c 'write 0 512' plugin:rbd:rbd/default@s1
check_fails_with "qemu-img convert refuses to write to a snapshot" \
    "qemu-img: Could not open 'plugin:rbd:rbd/default@s1': rbd: snapshot 'rbd/default@s1' can only be opened read-only" \
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/default.s1" plugin:rbd:rbd/default@s1
check_export "...and the snapshot is still unchanged" default@s1 "$scratch/default.s1"
done_testing
