#!/usr/bin/env bash
# A snapshot taken by `rbd snap create` while the plugin has the image open
# is honoured by the plugin's next writes (it watches the image header):
# the snapshot keeps the data of its moment.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 3
ceph_start

rbd create --size 16M --image-feature layering w1
fifo=$scratch/cmds
mkfifo "$fifo"
"$QEMU_IO" -f raw plugin:rbd:rbd/w1 < "$fifo" > "$scratch/out" 2>&1 &
qio_pid=$!
exec 3> "$fifo"
echo 'write -P 0x01 0 1M' >&3
# Wait until the first write is done before the snapshot is taken.
for _ in $(seq 100); do
    grep -q 'wrote 1048576' "$scratch/out" && break
    sleep 0.1
done
rbd snap create w1@mid >/dev/null 2>&1
echo 'write -P 0x02 0 1M' >&3
echo 'read -P 0x02 0 1M' >&3
exec 3>&-
wait "$qio_pid"

check_contains "the write after the snapshot went through" \
    "read 1048576/1048576 bytes at offset 0" "$(cat "$scratch/out")"
rbd export w1@mid "$scratch/mid" >/dev/null 2>&1
check_equal "the snapshot keeps the data written before it" \
    "$(head -c 1048576 /dev/zero | tr '\0' '\001' | md5sum)" \
    "$(head -c 1048576 "$scratch/mid" | md5sum)"
rbd export w1 "$scratch/head" >/dev/null 2>&1
check_equal "the head has the data written after it" \
    "$(head -c 1048576 /dev/zero | tr '\0' '\002' | md5sum)" \
    "$(head -c 1048576 "$scratch/head" | md5sum)"
done_testing
