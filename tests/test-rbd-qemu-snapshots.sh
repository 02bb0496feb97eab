#!/usr/bin/env bash
# Internal snapshots from QEMU through the ABI 1.1 callbacks: qemu-img
# snapshot -c/-l/-a/-d and QMP blockdev-snapshot-internal-sync on an rbd
# plugin disk, checked with `rbd snap ls` and `rbd export`; a 1.0 plugin is
# never handed a snapshot call.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 11
ceph_start

img=plugin:rbd:rbd/s1
snap() { "$QEMU_IMG" snapshot "$@" "$img" 2>&1; }
rbd create --size 16M --image-feature layering s1
qio -f raw -c 'write -P 0x11 0 1M' "$img" > /dev/null

check "qemu-img snapshot -c creates a snapshot" snap -c before
check_contains "rbd snap ls sees it" " before " "$(rbd snap ls s1)"
qio -f raw -c 'write -P 0x22 0 1M' "$img" > /dev/null
rbd export s1@before "$scratch/before" > /dev/null 2>&1
check_equal "the snapshot kept the data of its moment" \
    "$(head -c 1048576 /dev/zero | tr '\0' '\021' | md5sum)" \
    "$(head -c 1048576 "$scratch/before" | md5sum)"
# The columns' widths differ between QEMU versions; their order does not.
check_contains "qemu-img snapshot -l lists it with its id" \
    "$(rbd snap ls s1 --format json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])') before" \
    "$(snap -l | awk '{ print $1, $2 }')"

check "qemu-img snapshot -a reverts the disk" snap -a before
check "...to the snapshot's data" \
    qio -f raw -c 'read -P 0x11 0 1M' "$img"

check "qemu-img snapshot -d deletes it" snap -d before
check_equal "rbd snap ls shows no snapshot" "" "$(rbd snap ls s1)"

rbd snap create s1@taken >/dev/null 2>&1
rbd snap protect s1@taken
check_contains "deleting a protected snapshot says how to proceed" \
    "it is protected: \`rbd snap unprotect\` first" "$(snap -d taken)"

qmp=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
    '{"execute":"blockdev-snapshot-internal-sync","arguments":{"device":"n0","name":"qmp1"}}' \
    '{"execute":"quit"}' |
    timeout 60 "$QEMU_SYSTEM" -M none -nodefaults -display none -S -qmp stdio \
        -blockdev "driver=plugin,node-name=n0,module=rbd,options.pool=rbd,options.image=s1" 2>&1)
check_contains "QMP blockdev-snapshot-internal-sync makes an rbd snapshot" \
    " qmp1 " "$(rbd snap ls s1)"

# old-ram is built against the frozen 1.0 header: it has no snapshot slots.
out=$("$QEMU_IMG" snapshot -l --module "$build/abi-check/old-ram-plugin.so" \
    plugin:old-ram: 2>&1)
rc=$?
check_equal "a 1.0 plugin: snapshot -l lists nothing and does not crash" \
    "0 []" "$rc [$out]"
done_testing
