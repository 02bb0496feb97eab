#!/usr/bin/env bash
# The rbd plugin out of process: nbdkit serves build/plugins/rbd-plugin.so,
# the very file QEMU loads with -module, through the nbdkit host; Debian's
# stock qemu-img and qemu-io write to an image over nbd+unix://, and
# `rbd export` finds exactly their bytes.  The export advertises the
# plugin's block size and capabilities, and a cephx key reaches the plugin
# as a secret of the host.
. tests/functions.sh
. tests/ceph/functions.sh
. host/nbdkit/test-helpers.sh
nbdkit_skip_unless_available
ceph_skip_unless_available
plan 22
ceph_start

module=$PLUGINS/rbd-plugin.so
expect=$scratch/expect.raw
truncate -s 64M "$expect"
rbd create --size 64M --image-feature layering img

# fill OFFSET LENGTH BYTE: write the bytes the test expects into $expect.
fill() {
    python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2]))
f.write(bytes([int(sys.argv[4], 0)]) * int(sys.argv[3]))' "$expect" "$1" "$2" "$3"
}
# exported: the image's bytes as `rbd export` reads them, cmp'd to $expect.
exported() {
    rm -f "$scratch/export.raw"
    rbd export --no-progress img "$scratch/export.raw" >/dev/null 2>&1 &&
        cmp "$expect" "$scratch/export.raw"
}
io() { qio -f raw "$@" "$nbd_uri"; }

if nbdkit_start rbd module="$module" pool=rbd image=img conf="$CEPH_CONF"; then
    ok "nbdkit serves the rbd plugin"
else
    not_ok "nbdkit serves the rbd plugin"
    echo "Bail out! nbdkit did not start"
    exit 1
fi
check "nbdkit runs the very rbd-plugin.so file QEMU loads" \
    grep -qF "$(realpath "$module")" "/proc/$nbdkit_pid/maps"
check_contains "stock qemu-img info sees the 64 MiB image" "virtual size: 64 MiB" \
    "$("$QEMU_IMG" info -f raw "$nbd_uri" 2>&1)"

head -c 12M /dev/urandom >"$scratch/random.bin"
check "stock qemu-img convert copies 12 MiB into the image" \
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/random.bin" "$nbd_uri"
dd if="$scratch/random.bin" of="$expect" conv=notrunc status=none
check "rbd export: the image holds the copied bytes" exported

check "stock qemu-io: unaligned write and read-back across objects" \
    io -c 'write -P 0xa1 4193000 70000' -c 'read -P 0xa1 4193000 70000'
fill 4193000 70000 0xa1
check "stock qemu-io: writev with four iovecs reads back with readv" \
    io -c 'writev -P 0xd4 20971520 512 4k 1 65535' \
       -c 'readv -P 0xd4 20971520 65535 1 4k 512'
fill 20971520 $((512 + 4096 + 1 + 65535)) 0xd4
check "stock qemu-io: a FUA write and a flush" \
    io -c 'write -f -P 0xe5 33554432 1M' -c flush -c 'read -P 0xe5 33554432 1M'
fill 33554432 1048576 0xe5
check "stock qemu-io: write-zeroes reads back as zeroes" \
    io -c 'write -z 1048576 65536' -c 'read -P 0 1048576 65536'
fill 1048576 65536 0
check "stock qemu-io: a discard of a whole object reads back as zeroes" \
    io -c 'discard 8388608 4M' -c 'read -P 0 8388608 4M'
fill 8388608 4194304 0
check "rbd export: the image holds exactly what the stock tools wrote" exported
check "stock qemu-img convert reads the whole image back as expected" \
    sh -c '"$0" convert -f raw -O raw "$1" "$2" && cmp "$2" "$3"' \
    "$QEMU_IMG" "$nbd_uri" "$scratch/readback.raw" "$expect"

check_equal "the export's minimum block size is the plugin's: 1, any byte" 1 \
    "$(nbd_info block_size_minimum)"
check_equal "...its preferred block size the 4 MiB object" 4194304 \
    "$(nbd_info block_size_preferred)"
check_equal "...it can trim" true "$(nbd_info can_trim)"
check_equal "...zero" true "$(nbd_info can_zero)"
check_equal "...and FUA" true "$(nbd_info can_fua)"
check_contains "nbdkit runs the parallel plugin with the parallel thread model" \
    "using thread model: parallel" "$(cat "$scratch/rbd.log")"
nbdkit_stop

# A client that asks for an image that is not there: the plugin's message.
nbdkit_start missing module="$module" pool=rbd image=nosuch conf="$CEPH_CONF"
"$QEMU_IMG" info -f raw "$nbd_uri" >/dev/null 2>&1
nbdkit_stop
check_contains "a missing image: nbdkit logs the plugin's message" \
    "nosuch" "$(grep -i error "$scratch/missing.log")"

# cephx: the key reaches the plugin as secret.ID=+FILE (key-secret=ID), with
# no keyring in the configuration for librados to fall back on.
ceph_start 1 --cephx
rbd create --size 8M --image-feature layering sec
ceph auth get-key client.qemu >"$scratch/qemu.key"
nokeyring=$scratch/nokeyring.conf
grep -v '^keyring' "$CEPH_CONF" >"$nokeyring"
if nbdkit_start cephx module="$module" pool=rbd image=sec conf="$nokeyring" \
        user=qemu key-secret=k1 secret.k1=+"$scratch/qemu.key"; then
    check "cephx: a secret of the host carries the key; writes go through" \
        io -c 'write -P 0x42 0 64k' -c 'read -P 0x42 0 64k'
    nbdkit_stop
else
    not_ok "cephx: a secret of the host carries the key; writes go through" \
        "$(cat "$scratch/cephx.log")"
fi
rbd export --no-progress sec "$scratch/sec.raw" >/dev/null 2>&1
# 0x42 is 'B': count them in the first 64 KiB.
check_equal "cephx: rbd export shows the write" 65536 \
    "$(head -c 65536 "$scratch/sec.raw" 2>/dev/null | tr -cd 'B' | wc -c)"
nbdkit_start cephx-none module="$module" pool=rbd image=sec conf="$nokeyring" \
    user=qemu key-secret=k2
"$QEMU_IMG" info -f raw "$nbd_uri" >/dev/null 2>&1
nbdkit_stop
check_contains "cephx: a secret the host was not given is named" \
    "no secret 'k2'" "$(cat "$scratch/cephx-none.log")"
done_testing
