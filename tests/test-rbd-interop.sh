#!/usr/bin/env bash
# Interoperability with Ceph's own tools, both ways: what `rbd import`
# wrote, the plugin reads byte for byte (with Ceph's default features, and
# with fancy striping); what the plugin wrote (qemu-img convert, qemu-io),
# `rbd export` gives back byte for byte.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 13
ceph_start

rand=$scratch/rand40
random_file "$rand" $((40 << 20)) 40

# --- Ceph writes, the plugin reads -----------------------------------------
# `rbd import` with Ceph's default features (exclusive-lock, object-map...);
# qemu-img convert opens its source read-only.
rbd import --no-progress "$rand" imp >/dev/null 2>&1
check "qemu-img convert reads an 'rbd import'ed 40 MiB image through the plugin" \
    "$QEMU_IMG" convert -f raw -O raw plugin:rbd:rbd/imp "$scratch/imp.out"
check_cmp "...and gets the imported bytes" "$rand" "$scratch/imp.out"

# Fancy striping: 16 KiB stripe units over 8 objects of 1 MiB.
rbd import --no-progress --image-feature layering --object-size 1M \
    --stripe-unit 16K --stripe-count 8 "$rand" imps >/dev/null 2>&1
check_equal "rbd imported a striped image" \
    "size=41943040 order=20 features=layering,striping stripe_unit=16384 stripe_count=8" \
    "$(rbd_info imps size order features stripe_unit stripe_count)"
check "qemu-img convert reads the striped image (named options, --image-opts)" \
    "$QEMU_IMG" convert --image-opts -O raw \
    driver=plugin,module=rbd,pool=rbd,image=imps "$scratch/imps.out"
check_cmp "...and gets the imported bytes" "$rand" "$scratch/imps.out"

# --- the plugin writes, Ceph reads -----------------------------------------
# Into an image made by `rbd create`, with qemu-img convert -n (no create).
rbd create --size 40M --image-feature layering dst
check "qemu-img convert -n writes 40 MiB into an 'rbd create'd image" \
    "$QEMU_IMG" convert -n -f raw -O raw "$rand" plugin:rbd:rbd/dst
check_export "rbd export gives back exactly those bytes" rbd/dst "$rand"

# qemu-img convert that creates the image through the plugin, then writes.
check "qemu-img convert creates and fills an image through the plugin" \
    "$QEMU_IMG" convert -f raw -O raw "$rand" plugin:rbd:rbd/conv
check_export "rbd export of the image made by convert gives the same bytes" \
    rbd/conv "$rand"
check_equal "rbd info: convert made a 40 MiB image with Ceph's default features" \
    "size=41943040 order=22 features=layering,exclusive-lock,object-map,fast-diff,deep-flatten flags=" \
    "$(rbd_info conv size order features flags)"

# qemu-io on a striped image (1 MiB objects, 64 KiB x 4): unaligned writes
# across stripe units and objects, writev, write-zeroes and discard (whole
# objects: removed; 64 KiB-aligned pieces: zeroed), each mirrored in $expect.
rbd create --size 16M --image-feature layering --object-size 1M \
    --stripe-unit 64K --stripe-count 4 qio
expect=$scratch/expect
truncate -s 16M "$expect"
io() { qio -f raw "$@" plugin:rbd:rbd/qio; }
check "qemu-io writes through the plugin (unaligned, across objects, writev)" \
    io -c 'write -P 0x11 0 16M' \
       -c 'write -P 0x22 1000 70000' \
       -c 'write -P 0x33 4193792 1049089' \
       -c 'writev -P 0x44 9437183 512 1 65536 4095 3' \
       -c 'write -P 0x55 65535 2' \
       -c 'write -z 12582912 5000' \
       -c 'write -z -u 13631488 1048576' \
       -c 'discard 6291456 1048576' \
       -c 'discard 14745600 131072' \
       -c 'write -P 0x66 16776704 512'
fill "$expect" 0 $((16 << 20)) 0x11
fill "$expect" 1000 70000 0x22
fill "$expect" 4193792 1049089 0x33
fill "$expect" 9437183 $((512 + 1 + 65536 + 4095 + 3)) 0x44
fill "$expect" 65535 2 0x55
fill "$expect" 12582912 5000 0
fill "$expect" 13631488 1048576 0
fill "$expect" 6291456 1048576 0
fill "$expect" 14745600 131072 0
fill "$expect" 16776704 512 0x66
check_export "rbd export gives exactly the bytes qemu-io wrote" rbd/qio "$expect"
check "qemu-io reads them back through the plugin" \
    io -c 'read -P 0x22 1000 64535' -c 'read -P 0x55 65535 2' \
       -c 'read -P 0x33 4193792 1049089' \
       -c 'readv -P 0x44 9437183 3 4095 65536 1 512' -c 'read -P 0 6291456 1048576'
done_testing
