#!/usr/bin/env bash
# A guest under Debian's stock, unpatched qemu-system-x86_64 whose disk is
# a vhost-user-blk device served by our qemu-storage-daemon with the rbd
# plugin (one daemon a disk, as the systemd unit runs them): the guest
# writes with O_DIRECT, a second boot reads it back, and `rbd export`
# agrees.  Hot-plug over QMP: a daemon is started for the disk,
# chardev-add + device_add attach it, and after device_del, chardev-remove
# and the daemon's quit `rbd status` shows no watcher.  The same checks as
# test-vm-rbd.sh, with the plugin in another process.  Under QEMU=10.0 both
# the daemon and the VM are QEMU 10.0's: the VM runs our 10.0 build with no
# way to load a plugin (no -module, no plugin path), whose vhost-user-blk
# client is QEMU's own code, which the shim's patch does not touch.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/vm/functions.sh
. tests/qsd-functions.sh
qsd_vm_skip_unless_available
ceph_skip_unless_available
ceph_start

# The VM's QEMU loads no plugin; vhost-user needs its guest memory shared
# with the daemon.
if [ "$qemu_dir" = "$build/qemu" ]; then
    QEMU_SYSTEM=$STOCK_QEMU_SYSTEM
fi
echo "# the VM: $("$QEMU_SYSTEM" --version | head -n 1) ($QEMU_SYSTEM)"
shared_memory=(-object memory-backend-memfd,id=mem,size=256M,share=on
               -numa node,memdev=mem)

backend_create() { rbd create --size "$2M" --image-feature layering "$1"; }
backend_export() { rbd export --no-progress "$1" "$2" >/dev/null; }
# The daemon's watch is what `rbd status` lists while it serves.
backend_holders() { rbd status "$1" 2>&1 | grep 'watcher=' || true; }

# serve NAME IMAGE: a daemon that exports IMAGE as vhost-user-blk on
# $scratch/NAME.vhost.  Like the VM's QEMU it finds the plugin through
# --module alone.
serve() {
    qsd_start "$1" --module "$PLUGINS/rbd-plugin.so" \
        --blockdev "driver=plugin,node-name=$2,module=rbd,cache.direct=on,options.pool=rbd,options.image=$2,options.conf=$CEPH_CONF" \
        --export "type=vhost-user-blk,id=$1,node-name=$2,writable=on,addr.type=unix,addr.path=$scratch/$1.vhost"
}

backend_vm_args() {
    vm_args=("${shared_memory[@]}")
    [ -n "$1" ] || return 0
    if [ ! -S "$scratch/boot.vhost" ] && ! serve boot "$1"; then
        echo "Bail out! the daemon for the boot disk did not start"
        sed "s/^/# /" "$scratch/boot.err"
        exit 1
    fi
    vm_args+=(-chardev "socket,id=vu0,path=$scratch/boot.vhost"
              -device vhost-user-blk-pci,chardev=vu0)
}
backend_plug() {
    if ! serve hot "$2"; then
        not_ok "hot-plug: a daemon serves the disk and chardev-add connects to it" \
            "$(cat "$scratch/hot.err")"
        return
    fi
    vm_qmp "{\"execute\":\"chardev-add\",\"arguments\":{\"id\":\"hpchr\",\"backend\":{\"type\":\"socket\",\"data\":{\"addr\":{\"type\":\"unix\",\"data\":{\"path\":\"$scratch/hot.vhost\"}},\"server\":false,\"reconnect\":1}}}}"
    check_contains "hot-plug: a daemon serves the disk and chardev-add connects to it" \
        '"return": {}' "$vm_reply"
}
backend_device() {
    echo '{"driver":"vhost-user-blk-pci","id":"hpdisk","chardev":"hpchr"}'
}
backend_release() {
    local removed=no rc=0
    vm_qmp '{"execute":"chardev-remove","arguments":{"id":"hpchr"}}'
    case $vm_reply in *'"return": {}'*) removed=yes ;; esac
    qsd_quit hot || rc=$?
    check_equal "hot-plug: chardev-remove succeeds and the daemon quits with status 0" \
        "removed=yes, status 0" "removed=$removed, status $rc"
}

. tests/vm/vm-checks.sh
