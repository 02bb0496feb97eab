#!/usr/bin/env bash
# A Linux guest on an RBD disk through the rbd plugin, on a local cluster:
# it writes a pattern and a file system with O_DIRECT (cache=none) and
# `rbd export` finds the same bytes; a second boot finds the file; a disk
# hot-plugged over QMP (blockdev-add driver=plugin,module=rbd, device_add)
# is used, and after device_del and blockdev-del `rbd status` shows no
# watcher left.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/vm/functions.sh
vm_skip_unless_available
ceph_skip_unless_available
ceph_start

backend_module=$PLUGINS/rbd-plugin.so
backend_create() { rbd create --size "$2M" --image-feature layering "$1"; }
backend_drive() { echo "plugin:rbd:rbd/$1:conf=$CEPH_CONF"; }
backend_blockdev() {
    printf '{"driver":"plugin","node-name":"%s","module":"rbd","cache":{"direct":true},"options":{"pool":"rbd","image":"%s","conf":"%s"}}' \
        "$1" "$2" "$CEPH_CONF"
}
backend_export() { rbd export --no-progress "$1" "$2" >/dev/null; }
# An open image is watched by its client; the watch is what `rbd status`
# lists and what a client that wants the image waits on.
backend_holders() { rbd status "$1" 2>&1 | grep 'watcher=' || true; }

. tests/vm/vm-checks.sh
