#!/usr/bin/env bash
# The main job in a few steps: a disk served by a block plugin inside the
# QEMU this project builds.  Uses only local files; leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."

q=${QBP_QEMU_DIR:-build/qemu}    # make demo QEMU=10.0 sets it
so=build/plugins/file-plugin.so
work=$(mktemp -d /tmp/qbp-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
disk=$work/disk.raw

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Create a 64 MiB disk through the file plugin"
run $q/qemu-img create --module $so -f raw "plugin:file:$disk" 64M

step "Write and verify a pattern through the plugin with qemu-io"
run $q/qemu-io --module $so -f raw -c 'write -P 0x5a 1M 256k' \
    -c 'read -P 0x5a 1M 256k' "plugin:file:$disk"

step "Start qemu-system-x86_64 with the disk as a virtio drive; ask QMP"
printf '%s\n' '{"execute":"qmp_capabilities"}' \
    '{"execute":"human-monitor-command","arguments":{"command-line":"info block"}}' \
    '{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io vd0 \"read -P 0x5a 1M 256k\""}}' \
    '{"execute":"quit"}' |
    $q/qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -M pc -nodefaults \
        -display none -S -qmp stdio -module $so \
        -drive "file=plugin:file:$disk,if=virtio,format=raw,id=vd0" |
    python3 -c 'import json, sys
for line in sys.stdin:
    try:
        r = json.loads(line).get("return")
    except ValueError:
        print(line, end="")   # HMP qemu-io prints straight to stdout
        continue
    if isinstance(r, str) and r:
        print(r.replace("\r", ""), end="")'

step "Convert the plugin disk to qcow2 and compare"
run $q/qemu-img convert --module $so -f raw -O qcow2 "plugin:file:$disk" "$work/copy.qcow2"
run $q/qemu-img compare --module $so -f raw -F qcow2 "plugin:file:$disk" "$work/copy.qcow2"

step "Start a local Ceph cluster (one mon, one mgr, one memstore OSD on 127.0.0.1)"
tests/ceph/cluster.sh start "$work/ceph"
trap 'tests/ceph/cluster.sh stop "$work/ceph" >/dev/null 2>&1; rm -rf "$work"' EXIT
export CEPH_CONF=$work/ceph/ceph.conf
export QEMU_BLOCK_PLUGIN_PATH=build/plugins

step "Create an RBD image through the rbd plugin; Ceph's own tool describes it"
run $q/qemu-img create -f raw plugin:rbd:rbd/demo 256M -o object-size=1M
rbd info demo | sed -n '1,6p'

step "Write through the rbd plugin, read back through QEMU's in-tree rbd driver"
run $q/qemu-io -f raw -c 'write -P 0xc5 3M 5M' plugin:rbd:rbd/demo
run $q/qemu-io -f raw -c 'read -P 0xc5 3M 5M' rbd:rbd/demo

step "rbd export of the image holds what the plugin wrote"
rbd export demo "$work/demo.raw" >/dev/null 2>&1
run $q/qemu-img compare -f raw -F raw plugin:rbd:rbd/demo "$work/demo.raw"

step "The ABI's own cost: plugin:null: against QEMU's null-co (one short run each)"
for spec in "driver=null-co,size=1G,read-zeroes=on" "driver=plugin,module=null"; do
    printf "%-38s " "$spec"
    QEMU_BLOCK_PLUGIN_PATH=build/plugins \
        $q/qemu-img bench -c 200000 -d 32 -t none --image-opts "$spec" | tail -1
done
echo
echo "Demo done: disks went through build/plugins/file-plugin.so and rbd-plugin.so inside $q."
