#!/usr/bin/env bash
# Disks on the same cluster share one RADOS connection: a QEMU with three
# rbd plugin disks runs no more client threads than one with a single disk
# (each librados connection brings a dozen threads of its own), and the
# shared connection goes away with the last disk.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 4
ceph_start

for i in 1 2 3; do
    rbd create --size 8M --image-feature layering "d$i"
done

# threads N: thread count of a paused QEMU with disks d1..dN open.
threads() {
    local args=() i pid n
    for ((i = 1; i <= $1; i++)); do
        args+=(-blockdev "driver=plugin,node-name=n$i,module=rbd,options.pool=rbd,options.image=d$i")
    done
    mkfifo "$scratch/qmp$1"
    "$QEMU_SYSTEM" -M none -nodefaults -display none -S -qmp stdio \
        "${args[@]}" < "$scratch/qmp$1" > "$scratch/out$1" 2>&1 &
    pid=$!
    exec 4> "$scratch/qmp$1"
    echo '{"execute":"qmp_capabilities"}' >&4
    for _ in $(seq 100); do
        grep -q '"return"' "$scratch/out$1" && break
        sleep 0.1
    done
    n=$(ls "/proc/$pid/task" | wc -l)
    echo '{"execute":"quit"}' >&4
    exec 4>&-
    wait "$pid"
    echo "$n"
}

one=$(threads 1)
three=$(threads 3)
echo "# threads with one disk: $one, with three: $three"
check "QEMU with one rbd disk started" test "$one" -gt 1
check "three disks add fewer than 5 threads to one disk's" \
    test "$three" -lt $((one + 5))

# Hot-unplugging every disk closes the connection: its threads go away.
mkfifo "$scratch/qmp"
"$QEMU_SYSTEM" -M none -nodefaults -display none -S -qmp stdio \
    -blockdev "driver=plugin,node-name=n1,module=rbd,options.pool=rbd,options.image=d1" \
    < "$scratch/qmp" > "$scratch/out" 2>&1 &
pid=$!
exec 4> "$scratch/qmp"
echo '{"execute":"qmp_capabilities"}' >&4
sleep 1
with=$(ls "/proc/$pid/task" | wc -l)
echo '{"execute":"blockdev-del","arguments":{"node-name":"n1"}}' >&4
sleep 1
without=$(ls "/proc/$pid/task" | wc -l)
echo '{"execute":"quit"}' >&4
exec 4>&-
wait "$pid"
echo "# threads with the disk: $with, after blockdev-del: $without"
check_equal "blockdev-del succeeded" '{"return": {}}' "$(sed -n 3p "$scratch/out" | tr -d '\r')"
check "closing the last disk shut the connection down" \
    test "$without" -lt $((with - 5))
done_testing
