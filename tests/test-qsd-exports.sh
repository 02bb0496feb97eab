#!/usr/bin/env bash
# qemu-storage-daemon built with the shim serves an rbd plugin disk in its
# own process, through its three kinds of export: NBD (Debian's stock
# qemu-io and qemu-img are the clients), FUSE (the disk as a regular file
# on the host, for any program; added over QMP once the NBD export is gone)
# and vhost-user-blk (a socket a stock QEMU attaches, used by a guest in
# tests/vm/test-vm-vhost-user.sh).  `rbd export` finds
# exactly what each client wrote; `rbd status` shows the daemon's watch
# while it serves and none once it quit.  A daemon given a wrong image or
# plugin stops at once with a message that names it.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/qsd-functions.sh
ceph_skip_unless_available
[ -x "$QSD" ] || skip_all "no $QSD; 'make qemu' builds it"
[ -x "$STOCK_QEMU_IO" ] || skip_all "Debian's qemu-utils is not installed (scripts/install-deps.sh)"
[ -c /dev/fuse ] || skip_all "no /dev/fuse for the FUSE export"
plan 21
ceph_start

MiB=$((1 << 20))
rbd create --size 64M --image-feature layering,exclusive-lock,object-map,fast-diff img
expect=$scratch/expect.raw
truncate -s 64M "$expect"
fuse_file=$scratch/disk.fuse
touch "$fuse_file"
nbd_sock=$scratch/nbd.sock
vhost_sock=$scratch/vhost.sock
nbd_uri="nbd+unix:///disk?socket=$nbd_sock"

# put FILE OFFSET: copy FILE's bytes into $expect at OFFSET.
put() { dd if="$1" of="$expect" bs=64k seek="$2" oflag=seek_bytes conv=notrunc status=none; }
# exported: the image's bytes as `rbd export` reads them, cmp'd to $expect.
exported() {
    rm -f "$scratch/export.raw"
    ceph_out rbd export --no-progress img "$scratch/export.raw" >/dev/null &&
        cmp "$expect" "$scratch/export.raw"
}

check_equal "before the daemon starts nobody watches the image" 0 "$(rbd_watchers img)"

# Only --module finds the plugin, as a user who installed nothing would.
unset QEMU_BLOCK_PLUGIN_PATH
if qsd_start d --module "$PLUGINS/rbd-plugin.so" \
    --blockdev "driver=plugin,node-name=disk,module=rbd,cache.direct=on,options.pool=rbd,options.image=img,options.conf=$CEPH_CONF" \
    --nbd-server "addr.type=unix,addr.path=$nbd_sock" \
    --export type=nbd,id=e-nbd,node-name=disk,name=disk,writable=on \
    --export "type=vhost-user-blk,id=e-vhost,node-name=disk,addr.type=unix,addr.path=$vhost_sock,writable=on"; then
    ok "the daemon loads the plugin with --module and serves an rbd disk"
else
    not_ok "the daemon loads the plugin with --module and serves an rbd disk" "$(cat "$scratch/d.err")"
    echo "Bail out! the daemon did not start"
    exit 1
fi
export QEMU_BLOCK_PLUGIN_PATH=$PLUGINS
at_exit "umount $fuse_file 2>/dev/null"

exports() {
    qsd_qmp d query-block-exports 2>&1 | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted("%s:%s" % (e["type"], e["id"]) for e in json.load(sys.stdin))))' 2>&1
}
exports=$(exports)
check_equal "query-block-exports lists the disk's NBD and vhost-user-blk exports" \
    "nbd:e-nbd vhost-user-blk:e-vhost" "$exports"
check "the vhost-user-blk export listens on its socket" test -S "$vhost_sock"
check_equal "rbd status shows the daemon's watch on the image" 1 "$(rbd_watchers img)"

# ---- NBD, Debian's unpatched QEMU as the client ----
out=$("$STOCK_QEMU_IO" -f raw -c "write -P 0x5a $((4 * MiB)) 1M" "$nbd_uri" 2>&1)
check_contains "stock qemu-io writes 1 MiB over NBD" "wrote 1048576/1048576" "$out"
head -c "$MiB" /dev/zero | tr '\0' '\132' >"$scratch/p5a"
put "$scratch/p5a" $((4 * MiB))
check "rbd export finds the bytes qemu-io wrote" exported
out=$("$STOCK_QEMU_IMG" compare -f raw -F raw "$nbd_uri" "$scratch/export.raw" 2>&1)
check_contains "stock qemu-img compare: the NBD export equals rbd export's copy" \
    "Images are identical" "$out"

# ---- FUSE: the disk as a regular file ----
# An NBD export forbids resizing its node, which a writable FUSE export
# needs: the FUSE export replaces it, at run time over QMP.
qsd_qmp d block-export-del '{"id":"e-nbd"}' >/dev/null
# The NBD export lets its node go in a bottom half, after the reply.
for i in $(seq 50); do
    out=$(qsd_qmp d block-export-add "{\"type\":\"fuse\",\"id\":\"e-fuse\",\"node-name\":\"disk\",\"mountpoint\":\"$fuse_file\",\"writable\":true}" 2>&1) && break
    sleep 0.1
done
check_equal "QMP: the NBD export goes, a FUSE export of the disk comes" \
    "fuse:e-fuse vhost-user-blk:e-vhost" "$(exports)"
check_equal "the FUSE export is a regular file of the disk's size" \
    "regular file $((64 * MiB))" "$(stat -c '%F %s' "$fuse_file" 2>&1)"
head -c $((2 * MiB)) /dev/urandom >"$scratch/random"
check "dd writes 2 MiB into the FUSE file and fsyncs it" \
    dd if="$scratch/random" of="$fuse_file" bs=1M seek=8 conv=notrunc,fsync status=none
put "$scratch/random" $((8 * MiB))
check "rbd export finds the bytes dd wrote through FUSE" exported
check "the FUSE file reads what qemu-io wrote over NBD" \
    cmp -n "$MiB" -i $((4 * MiB)):0 "$fuse_file" "$scratch/p5a"
check "the whole FUSE file equals rbd export's copy" cmp "$fuse_file" "$scratch/export.raw"

# ---- stopping ----
rc=0
qsd_quit d || rc=$?
check_equal "QMP quit: the daemon exits with status 0" 0 "$rc"
check_equal "after the daemon quit nobody watches the image" 0 "$(rbd_watchers img)"
check_equal "...and the FUSE file is unmounted (an empty file again)" 0 \
    "$(stat -c %s "$fuse_file" 2>&1)"

# ---- a daemon that cannot serve says why, and stops ----
rc=0
qsd_start bad --blockdev "driver=plugin,node-name=disk,module=rbd,options.pool=rbd,options.image=nosuchimage,options.conf=$CEPH_CONF" || rc=$?
check "a missing image: the daemon exits with an error status" test "$rc" -ne 0
check_contains "...and its message names the image" "nosuchimage" "$(cat "$scratch/bad.err")"
rc=0
qsd_start bad2 --module "$scratch/nosuch-plugin.so" || rc=$?
check_contains "--module with a missing file: the message names it" \
    "$scratch/nosuch-plugin.so" "$(cat "$scratch/bad2.err")"
out=$("$QSD" --module 2>&1)
check_equal "--module without a path: the message says so" \
    "qemu-storage-daemon: --module needs the path of a block plugin" "$out"
done_testing
