#!/usr/bin/env bash
# A lock owner that dies (kill -9) in the middle of writing leaves its lock
# behind: a new writer through the plugin finds it does not answer, puts
# its address on the OSD blocklist and breaks its lock within 30 s, then
# writes.  Done for a dead plugin and for a dead librbd (QEMU's in-tree
# driver); the object map stays right.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 12
ceph_start

MiB=$((1 << 20))
rbd create --size 256M img

# rbd object-map check IMAGE, which only says what it found by flagging
# the map invalid: passes if the map is still valid afterwards.
objmap_ok() {
    local out
    out=$(rbd object-map check "$1" 2>&1) &&
        ! rbd info "$1" | grep -q 'flags:.*invalid' ||
        { printf '%s\n' "$out" | tail -n 5; rbd info "$1" | grep flags; return 1; }
}

lock_addr() {
    rbd lock ls --format json img | /usr/bin/python3 -c '
import json, sys
for l in json.load(sys.stdin):
    print(l["address"])'
}

# kill_mid_write FILENAME: a qemu-io on FILENAME with 32 MiB writes in
# flight, killed once it holds the lock; prints the dead owner's address.
kill_mid_write() {
    local pid addr=
    mkfifo "$scratch/in"
    "$QEMU_IO" -f raw "$1" < "$scratch/in" > "$scratch/out" 2>&1 &
    pid=$!
    exec 3> "$scratch/in"
    for i in $(seq 0 47); do
        echo "aio_write -P 0x77 $((i * 4 * MiB)) $((4 * MiB))" >&3
    done
    for _ in $(seq 300); do
        addr=$(lock_addr)
        [ -n "$addr" ] && break
        sleep 0.1
    done
    kill -9 "$pid"
    exec 3>&-
    wait "$pid" 2>/dev/null
    rm -f "$scratch/in"
    echo "$addr"
}

# take_over NAME: a new writer through the plugin; checks and timing.
take_over() {
    local start elapsed out
    start=$(date +%s)
    out=$(timeout 60 "$QEMU_IO" -f raw -c "write -P 0x5a 0 $MiB" \
          -c "read -P 0x5a 0 $MiB" plugin:rbd:rbd/img 2>&1)
    elapsed=$(( $(date +%s) - start ))
    echo "# $1: the new writer took $elapsed s"
    printf '%s\n' "$out" | grep -i 'warn\|fail' | sed 's/^/# /'
    check "$1: a new writer through the plugin writes" \
        test -z "$(printf '%s' "$out" | grep 'failed\|Pattern')" -a \
             -n "$(printf '%s' "$out" | grep '^read 1048576/1048576')"
    check "$1: ...within 30 s" test "$elapsed" -lt 30
    check_contains "$1: it said why it broke the lock" "does not answer" "$out"
}

dead=$(kill_mid_write plugin:rbd:rbd/img)
check "a plugin writer held the lock when killed" test -n "$dead"
take_over "dead plugin"
check_contains "the dead plugin's address is on the blocklist" "$dead" \
    "$(ceph osd blocklist ls 2>/dev/null)"

dead=$(kill_mid_write rbd:rbd/img)
check "an in-tree (librbd) writer held the lock when killed" test -n "$dead"
take_over "dead librbd"
check_contains "the dead librbd's address is on the blocklist" "$dead" \
    "$(ceph osd blocklist ls 2>/dev/null)"

check_equal "no lock is left behind" "" "$(lock_addr)"
check "rbd object-map check finds nothing wrong" objmap_ok img
done_testing
