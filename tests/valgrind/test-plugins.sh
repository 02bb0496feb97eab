#!/usr/bin/env bash
# The null, file and rbd plugins through every callback they have, without
# QEMU (tests/valgrind/qbp-drive): I/O of each kind, their options, their
# filename parsers and the ways open fails.  Run by `make check-valgrind`
# (tests/valgrind/check-valgrind.sh), where qbp-drive runs under valgrind
# and a leak or a bad access fails the case; it passes without valgrind
# too.  With Ceph installed, an rbd image on a test cluster gets the same
# I/O.
. tests/functions.sh
. tests/ceph/functions.sh

DRIVE=$build/tests/valgrind/qbp-drive
disk=$scratch/disk.raw
truncate -s 4M "$disk"
# Every kind of request, checked by reading back.
io=('write 0 64k 0x5a' 'read 0 64k 0x5a' 'write 1000 70000 0xa1'
    'read 1000 70000 0xa1' 'zero 4k 8k' 'read 4k 8k 0'
    'zero 64k 64k unmap' 'read 64k 64k 0' 'discard 1M 64k' flush)

check "null: parse, open, every request, close" \
    "$DRIVE" null 'parse 1M' 'open size=1M' length caps limits \
    'write 0 64k 0x5a' 'read 0 64k 0' 'zero 0 4k unmap' 'discard 0 4k' \
    flush close
check "null: a bad size in the filename is refused" \
    "$DRIVE" null '!parse 12Q'
check "file: open, every request, truncate, close" \
    "$DRIVE" file "open filename=$disk workers=3" length caps limits \
    "${io[@]}" 'truncate 8M' length close
check "file: read-only, then closed with nothing in flight" \
    "$DRIVE" file "open-ro filename=$disk" 'read 0 1000 0x5a' close
check "file: requests that fail with an injected error" \
    "$DRIVE" file "open filename=$disk inject-error=EIO@write" \
    '!write 0 4k 1' 'read 0 1000 0x5a' close
check "file: create" \
    "$DRIVE" file "create 1M filename=$scratch/created.raw"
check "file: open fails on a missing file" \
    "$DRIVE" file "open-fails filename=$scratch/none/disk.raw"

# rbd without a cluster: its filename parser, and open failing cleanly.
check "rbd: filenames with every kind of piece parse" \
    "$DRIVE" rbd 'parse rbd/vm1' 'parse rbd/tenant1/vm1@snap' \
    'parse p/i:id=admin:conf=/etc/ceph/ceph.conf:rbd_cache=false' \
    'parse my\:pool\=x/ns\:1/im\:ge\=3@sn\:ap\=\:x' \
    '!parse my\/pool\@x/ns/img'
check "rbd: a malformed filename is refused" \
    "$DRIVE" rbd '!parse pool/img:conf=/a:conf=/b'
check "rbd: open fails when no monitor answers" \
    "$DRIVE" rbd "open-fails pool=rbd image=none server=127.0.0.1:9 mon-op-timeout=1 conf=/dev/null"

if ! command -v ceph-mon >/dev/null 2>&1; then
    ok "rbd: I/O on a test cluster # SKIP Ceph is not installed"
else
    ceph_start
    rbd create --size 16M --image-feature layering img >/dev/null 2>&1
    check "rbd: open, every request, close, on a test cluster" \
        "$DRIVE" rbd "open pool=rbd image=img conf=$CEPH_CONF" length caps \
        limits "${io[@]}" 'truncate 32M' length close
    check "rbd: open fails for an image that does not exist" \
        "$DRIVE" rbd "open-fails pool=rbd image=none conf=$CEPH_CONF"
fi
plan "$tap_n"
done_testing
