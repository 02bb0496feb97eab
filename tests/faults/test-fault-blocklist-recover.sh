#!/usr/bin/env bash
# recover-session=auto (issue 16): the cluster blocklists the plugin's
# client (`ceph osd blocklist add`, or another client breaking its lock).
# With the option, the request that meets the blocklisting fails, the disk
# opens a new session, takes the lock again and goes on, and the image
# holds every acknowledged write and none that failed.  Without it, the
# clear error stays.  With another client holding the lock by then, the
# disk does not recover: none of its writes lands after the other's.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 20
ceph_start

KiB=1024
blocklisted_msg="this client has been blocklisted by the Ceph cluster"
recovered_msg="recovered from the blocklisting on a new session"
ESHUTDOWN_MSG="Cannot send after transport endpoint shutdown"

opts() {
    echo "driver=plugin,module=rbd,pool=rbd,image=$1,conf=$CEPH_CONF${2:+,recover-session=$2}"
}
# until_ok CMD: run CMD in the open qemu-io until it succeeds (60 s); the
# number of failed tries on stdout.
until_ok() {
    local tries=0
    for _ in $(seq 60); do
        qio_bg_do "$1" && { echo "$tries"; return 0; }
        tries=$((tries + 1))
        sleep 1
    done
    echo "$tries"
    return 1
}
failures() { grep -c "failed: $ESHUTDOWN_MSG" "$scratch/qio_bg.out"; }

# --- with recover-session=auto: blocklisted, recovered, nothing lost
# Writes go on at 2 a second across the blocklisting; each one either is
# acknowledged or fails with ESHUTDOWN (met the old session), and the image
# holds exactly the acknowledged ones.
rbd create --size 16M rec
qio_bg_open --image-opts "$(opts rec auto)"
qio_bg_do "write -P 0x11 0 64k"
old_addr=$(rbd_locker rec address)
truncate -s 16M "$scratch/want"
fill "$scratch/want" 0 $((64 * KiB)) 0x11
acked=0 failed=0
for i in $(seq 1 12); do
    [ "$i" -eq 3 ] && ceph osd blocklist add "$old_addr" > /dev/null 2>&1
    if qio_bg_do "write -P $((0x20 + i)) $((i * 64))k 64k"; then
        fill "$scratch/want" $((i * 64 * KiB)) $((64 * KiB)) $((0x20 + i))
        acked=$((acked + 1))
    else
        failed=$((failed + 1))
    fi
    sleep 0.5
done
echo "# across the blocklisting: $acked writes acknowledged, $failed failed"
check_equal "every write that failed, failed with ESHUTDOWN" "$failed" \
    "$(failures)"
tries=$(until_ok "write -P 0x33 1M 64k")
fill "$scratch/want" $((1024 * KiB)) $((64 * KiB)) 0x33
check "writes succeed on a new session" test "$tries" -lt 60
check "reads see what the old session wrote" qio_bg_do "read -P 0x11 0 64k"
check_contains "the disk says it was blocklisted" \
    "rbd: image 'rbd/rec': $blocklisted_msg" "$(cat "$scratch/qio_bg.out")"
check_contains "and that it recovered" "$recovered_msg" \
    "$(cat "$scratch/qio_bg.out")"
check_contains "the old session is on the blocklist" "$old_addr" \
    "$(ceph osd blocklist ls 2>/dev/null)"
new_addr=$(rbd_locker rec address)
check "the lock is the new session's" \
    test -n "$new_addr" -a "$new_addr" != "$old_addr"
check_equal "one watcher: the new session" "1" "$(rbd_watchers rec)"
qio_bg_close
check_equal "after close, no watcher" "0" "$(rbd_watchers rec)"
check_equal "and no lock" "" "$(rbd lock ls rec)"
check_export "the image holds every acknowledged write and no failed one" \
    rec "$scratch/want"
rm -f "$scratch/want"
check "rbd object-map check agrees" objmap_ok rec

# --- without the option: the clear error stays
rbd create --size 16M norec
qio_bg_open --image-opts "$(opts norec)"
qio_bg_do "write -P 0x11 0 64k"
ceph osd blocklist add "$(rbd_locker norec address)" > /dev/null 2>&1
osd_caught_up
qio_bg_do "write -P 0x22 0 64k"
sleep 3
check_fails "without it, a write 3 s later still fails" \
    qio_bg_do "write -P 0x22 0 64k"
check_equal "with ESHUTDOWN, both" "2" "$(failures)"
check_fails "and nothing says it recovered" \
    grep -q "$recovered_msg" "$scratch/qio_bg.out"
qio_bg_close

# --- another client took the image over: no recovery, none of our writes
# The plugin's qemu-io is stopped (as a client cut off or hung would be)
# while its lock is broken, which blocklists it, and the in-tree driver
# writes and holds the lock; the plugin learns of it only when it runs on.
rbd create --size 16M taken
qio_bg_open --image-opts "$(opts taken auto)"
qio_bg_do "write -P 0x11 0 64k"
kill -STOP "$qio_bg_pid"
rbd lock remove taken "$(rbd_locker taken id)" "$(rbd_locker taken locker)"
osd_caught_up
"$QEMU_IO" -f raw -c "write -P 0x55 0 128k" -c "sleep 8000" \
    "rbd:rbd/taken:conf=$CEPH_CONF" > "$scratch/other.out" 2>&1 &
other=$!
# (Its output is buffered until it exits: the lock says when it wrote.)
for _ in $(seq 300); do
    [ -n "$(rbd_locker taken address)" ] && break
    sleep 0.1
done
check_equal "the other client holds the lock" "1" \
    "$(rbd lock ls --format json taken | "$RBD_PY" -c 'import json, sys; print(len(json.load(sys.stdin)))')"
kill -CONT "$qio_bg_pid"
qio_bg_do "write -P 0x22 0 64k"
sleep 3
check_fails "our writes keep failing" qio_bg_do "write -P 0x23 64k 64k"
check_contains "the disk says who took the image over" \
    "holds the lock that this blocklisted client had" \
    "$(cat "$scratch/qio_bg.out")"
wait "$other"
check_fails "after the other client is gone, still no write of ours" \
    qio_bg_do "write -P 0x24 0 64k"
qio_bg_close
truncate -s 16M "$scratch/want"
fill "$scratch/want" 0 $((128 * KiB)) 0x55
check_export "the image holds the other client's writes only" taken \
    "$scratch/want"
done_testing
