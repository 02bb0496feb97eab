#!/usr/bin/env bash
# A Linux guest on a plugin:file: disk: it writes a pattern and a file system
# with O_DIRECT (cache=none), a second boot finds the file, and a disk
# hot-plugged over QMP (blockdev-add driver=plugin, device_add) is used and
# released.  The same checks as test-vm-rbd.sh, without a cluster.
. tests/functions.sh
. tests/vm/functions.sh
vm_skip_unless_available

backend_module=$PLUGINS/file-plugin.so
backend_create() { truncate -s "$2M" "$scratch/$1.raw"; }
backend_drive() { echo "plugin:file:$scratch/$1.raw"; }
backend_blockdev() {
    printf '{"driver":"plugin","node-name":"%s","module":"file","filename":"%s","cache":{"direct":true}}' \
        "$1" "$scratch/$2.raw"
}
backend_export() { cp "$scratch/$1.raw" "$2"; }
# The file plugin takes no lock: holding the file open is holding it.
backend_holders() {
    local fd
    for fd in /proc/"$2"/fd/*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "$scratch/$1.raw" ] && echo "QEMU fd ${fd##*/}"
    done
    return 0
}

. tests/vm/vm-checks.sh
