#!/usr/bin/env bash
# A block job copies only what the rbd plugin reports as allocated: QMP
# blockdev-mirror with sync=full from a plugin disk (20 GiB, Ceph's default
# features, a few MiB written) to a qcow2 file on the host.  The copy's
# allocated size is that of the objects written, and qemu-img compare
# finds the copy identical to the image as QEMU's in-tree driver reads it.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/qmp-functions.sh
ceph_skip_unless_available
plan 4
ceph_start

GiB=$((1 << 30))
MiB=$((1 << 20))
rbd create --size 20G m
qio -f raw -c "write -P 0x21 0 1M" -c "write -P 0x43 $((7 * GiB)) 3M" \
    -c "write -P 0x65 $((20 * GiB - 65536)) 64k" plugin:rbd:rbd/m >/dev/null
"$QEMU_IMG" create -f qcow2 "$scratch/copy.qcow2" 20G >/dev/null

qmp_start \
    -blockdev driver=plugin,module=rbd,node-name=src,options.pool=rbd,options.image=m \
    -blockdev "driver=qcow2,node-name=dst,file.driver=file,file.filename=$scratch/copy.qcow2"
qmp '{"execute":"blockdev-mirror","arguments":{"job-id":"m","device":"src","target":"dst","sync":"full"}}'
if qmp_until '"BLOCK_JOB_READY"'; then
    ok "blockdev-mirror sync=full of the plugin disk became ready"
else
    not_ok "blockdev-mirror sync=full of the plugin disk became ready" \
        "$(tail -5 "$qmp_log") $(cat "$scratch/qemu.err")"
fi
qmp '{"execute":"block-job-complete","arguments":{"device":"m"}}'
check "...and completed" qmp_until '"BLOCK_JOB_COMPLETED"'
qmp_quit

used=$(du -B1 "$scratch/copy.qcow2" | cut -f1)
if [ "$used" -lt $((32 * MiB)) ]; then
    ok "the copy holds only the objects written ($used bytes on disk)"
else
    not_ok "the copy holds only the objects written" "$used bytes on disk"
fi
check_equal "qemu-img compare: the copy is the image as the in-tree driver reads it" \
    "Images are identical." \
    "$("$QEMU_IMG" compare -f qcow2 -F raw "$scratch/copy.qcow2" rbd:rbd/m 2>&1)"
done_testing
