#!/usr/bin/env bash
# A plugin client that the cluster has blocklisted (`ceph osd blocklist
# add`, or another client breaking its lock with `rbd lock remove`) fails
# its I/O at once with ESHUTDOWN, as librbd does, says once that it was
# blocklisted, never hangs and closes cleanly; another writer then takes
# the image over and the data and object map are what it wrote.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 18
ceph_start

KiB=1024
# returns CMD: CMD, in the qemu-io kept open (qio_bg_open), finished
# within qio_bg_do's 60 s, failed or not.
returns() {
    local before
    before=$(qio_bg_prompts)
    qio_bg_do "$1"
    [ "$(qio_bg_prompts)" -gt "$before" ]
}
# watchdog PID SECONDS: kill -9 PID if it still runs after SECONDS.
watchdog() {
    for _ in $(seq $(($2 * 10))); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null
}
blocklisted_msg="this client has been blocklisted by the Ceph cluster"

for how in "ceph osd blocklist add" "rbd lock remove"; do
    img=img${#how}
    rbd create --size 16M "$img"
    qio_bg_open -f raw "plugin:rbd:rbd/$img"
    qio_bg_do "write -P 0x11 0 64k"
    addr=$(rbd_locker "$img" address)
    if [ "$how" = "rbd lock remove" ]; then
        # Breaks the lock and blocklists its owner (rbd_blocklist_on_break_lock).
        rbd lock remove "$img" "$(rbd_locker "$img" id)" "$(rbd_locker "$img" locker)"
    else
        ceph osd blocklist add "$addr" > /dev/null 2>&1
    fi
    osd_caught_up
    check_contains "$how: the plugin's address is on the blocklist" "$addr" \
        "$(ceph osd blocklist ls 2>/dev/null)"
    check "$how: a write returns" returns "write -P 0x22 0 64k"
    check "$how: a read returns" returns "read -P 0x11 0 64k"
    check_equal "$how: both failed with ESHUTDOWN, as librbd's do" \
        "write failed: Cannot send after transport endpoint shutdown
read failed: Cannot send after transport endpoint shutdown" \
        "$(grep -oE '(write|read) failed: .*' "$scratch/qio_bg.out")"
    check_equal "$how: it says once why" "1" \
        "$(grep -c "rbd: image 'rbd/$img': $blocklisted_msg" "$scratch/qio_bg.out")"
    # A close that hangs is killed after 120 s (status 137), not waited for;
    # the watchdog must not hold qemu-io's stdin (fd 8) open.
    watchdog "$qio_bg_pid" 120 8>&- &
    qio_bg_close
    check_equal "$how: closing returns, with the failures' status" "1" "$?"
    # Another writer breaks the blocklisted client's lock and takes over.
    check "$how: another writer takes the image over" \
        qio -f raw -c "write -P 0x33 4k 64k" "plugin:rbd:rbd/$img"
    truncate -s 16M "$scratch/want"
    fill "$scratch/want" 0 $((64 * KiB)) 0x11
    fill "$scratch/want" $((4 * KiB)) $((64 * KiB)) 0x33
    check_export "$how: the image holds what was written before and after" \
        "$img" "$scratch/want"
    rm -f "$scratch/want"
done
check "rbd object-map check agrees" objmap_ok "img${#how}"
check_equal "nothing holds the lock at the end" "" "$(rbd lock ls "img${#how}")"
done_testing
