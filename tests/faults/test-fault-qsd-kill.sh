#!/usr/bin/env bash
# The plugin's process dies under a guest's writes: a guest under Debian's
# stock qemu-system-x86_64 writes its vhost-user-blk disk, served by our
# qemu-storage-daemon with the rbd plugin, one O_DSYNC write at a time, and
# the daemon gets SIGKILL.  The VM's QEMU stays up and answers QMP, no
# write completes while the daemon is gone, a new daemon on the same socket
# is reconnected (reconnect=1 on the chardev), breaks the dead one's
# exclusive lock, takes over any write that was in flight, and the guest
# goes on to the end.  Every write the guest saw acknowledged is in
# `rbd export`.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/vm/functions.sh
. tests/qsd-functions.sh
qsd_vm_skip_unless_available
ceph_skip_unless_available
plan 12
ceph_start

QEMU_SYSTEM=$STOCK_QEMU_SYSTEM
# Default features: the daemon holds the exclusive lock, as librbd would.
rbd create --size "${VM_DISK_MIB}M" img
sock=$scratch/disk.vhost

serve() {
    qsd_start d \
        --blockdev "driver=plugin,node-name=disk,module=rbd,cache.direct=on,options.pool=rbd,options.image=img,options.conf=$CEPH_CONF" \
        --export "type=vhost-user-blk,id=disk,node-name=disk,writable=on,addr.type=unix,addr.path=$sock"
}
# The last "QBP acked N" the guest printed, 0 before the first.
last_acked() {
    tr -d '\r' <"$scratch/stream.serial" | sed -n 's/^QBP acked //p' | tail -n 1 |
        grep . || echo 0
}

if ! serve; then
    echo "Bail out! the daemon did not start"
    sed 's/^/# /' "$scratch/d.err"
    exit 1
fi
vm_start stream stream \
    -object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
    -chardev "socket,id=vu0,path=$sock,reconnect=1" \
    -device vhost-user-blk-pci,chardev=vu0
if vm_wait_serial "QBP acked 50"; then
    ok "the guest writes through the daemon (50 writes acknowledged)"
else
    not_ok "the guest writes through the daemon (50 writes acknowledged)" "$(vm_console stream)"
fi

qsd_kill d
before=$(last_acked)
echo "# fault injected: SIGKILL of the daemon after $before acknowledged writes"
vm_qmp '{"execute":"query-status"}'
check_contains "the VM's QEMU stays up and answers QMP" '"status": "running"' "$vm_reply"
sleep 3
check_equal "no write completes while the daemon is gone" "$before" "$(last_acked)"
vm_qmp '{"execute":"query-status"}'
check_contains "...and QMP still answers 3 s later" '"status": "running"' "$vm_reply"

if serve; then
    ok "a new daemon serves the same socket"
else
    not_ok "a new daemon serves the same socket" "$(cat "$scratch/d.err")"
fi
if vm_wait_serial "QBP acked $((before + 20))"; then
    ok "the VM reconnects and the guest's writes go on"
else
    not_ok "the VM reconnects and the guest's writes go on" "$(vm_console stream)" \
        "$(cat "$scratch/d.err")"
fi
vm_wait_serial "QBP finished stream"
check_guest stream "the guest wrote all $VM_STREAM_COUNT blocks without an error"
rc=0
vm_wait_exit || rc=$?
check_equal "the VM's QEMU exits normally when the guest powers off" 0 "$rc"
last=$(last_acked)
check_equal "the guest saw every write acknowledged" "$VM_STREAM_COUNT" "$last"

# The dead daemon's watch and lock are gone; the new one holds the lock
# under its own watch.
check_equal "the new daemon alone watches the image and holds its lock" \
    "watchers: 1; locks: 1; lock: exclusive, tag internal, cookie auto <watch>, held by the watcher" \
    "$(rbd_holders img)"
rc=0
qsd_quit d || rc=$?
check_equal "the new daemon quits with status 0" 0 "$rc"

ceph_out rbd export --no-progress img "$scratch/export.raw" >/dev/null
bad=$(/usr/bin/python3 - "$scratch/export.raw" "$((VM_STREAM_AT_MIB << 20))" \
    "$last" "$VM_STREAM_BLOCK" <<'PY'
import struct, sys
path, at, count, block = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(path, "rb") as f:
    for i in range(count):
        f.seek(at + i * block)
        if f.read(block) != struct.pack("<Q", i + 1) * (block // 8):
            print("block %d of %d" % (i, count))
            break
PY
)
check_equal "rbd export holds every acknowledged write" "" "$bad"
done_testing
