#!/usr/bin/env bash
# A read-only open of a clone reads through its parents: a chain three deep,
# made and written with Ceph's tools and QEMU's in-tree driver, reads the
# same through the plugin as `rbd export`.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 5
ceph_start

intree() { "$QEMU_IO" -f raw -c "$1" "rbd:rbd/$2" > /dev/null; }
rbd create --size 32M --image-feature layering g0
intree 'write -P 0x10 0 32M' g0
rbd snap create g0@s >/dev/null 2>&1 && rbd snap protect g0@s
rbd clone --image-feature layering g0@s g1
intree 'write -P 0x21 4M 1M' g1
rbd snap create g1@s >/dev/null 2>&1 && rbd snap protect g1@s
rbd clone --image-feature layering g1@s g2
intree 'write -P 0x32 9M 100k' g2
# Past the parent overlap, a grown clone reads zeroes.
rbd resize --size 40M g2 >/dev/null 2>&1

rbd export g2 "$scratch/g2.rbd" >/dev/null 2>&1
check "qemu-img convert reads the third clone through the plugin" \
    "$QEMU_IMG" convert -f raw -O raw plugin:rbd:rbd/g2 "$scratch/g2.plugin"
check "...and it equals rbd export" cmp "$scratch/g2.rbd" "$scratch/g2.plugin"
check "each layer shows through where the clone has no object" \
    qio -f raw -r -c 'read -P 0x10 0 4M' -c 'read -P 0x21 4M 1M' \
        -c 'read -P 0x32 9M 100k' -c 'read -P 0 32M 8M' plugin:rbd:rbd/g2
check "a snapshot of a clone reads through too" \
    qio -f raw -r -c 'read -P 0x21 4M 1M' -c 'read -P 0x10 5M 1M' \
        plugin:rbd:rbd/g1@s
# Clones are writable: a write copies the object up first, so the rest of
# it still reads through from the parents (tests/test-rbd-clone-write.sh).
check "a write to the clone keeps the parents' data around it" \
    qio -f raw -c 'write -P 0x43 4608k 512' -c 'read -P 0x21 4M 512k' \
        -c 'read -P 0x43 4608k 512' -c 'read -P 0x21 4609k 511k' \
        -c 'read -P 0x10 5M 3M' plugin:rbd:rbd/g2
done_testing
