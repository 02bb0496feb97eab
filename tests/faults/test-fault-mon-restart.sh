#!/usr/bin/env bash
# The monitor restarts during I/O: while qemu-io writes and reads back
# through the plugin for FAULT_SECONDS / 2, the only monitor is restarted
# twice: stopped cleanly (TERM) and started at once, then killed (kill -9)
# and started 5 s later.  Nothing fails, writes are acknowledged while the
# monitor is away and after it is back, a new open works, and every sector
# reads back as last written.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/faults/functions.sh
ceph_skip_unless_available
plan 9
ceph_start 3

secs=$((FAULT_SECONDS / 2))
[ $secs -ge 30 ] || secs=30
fault_image img
workload_start monrestart img "$secs"
if wait_acks monrestart 100; then
    ok "the workload runs (100 writes acknowledged)"
else
    not_ok "the workload runs (100 writes acknowledged)" "$(cat "$scratch/monrestart.out")"
fi

mono() { /usr/bin/python3 -c 'import time; print(time.monotonic())'; }

# mon_back HOW: the monitor answers again and the workload has had 100
# more writes acknowledged.
faults=0
mon_back() {
    local i
    faults=$((faults + 1))
    for i in $(seq 60); do
        timeout 10 ceph mon stat >/dev/null 2>&1 && break
        sleep 1
    done
    if timeout 10 ceph mon stat >/dev/null 2>&1 && wait_acks monrestart 100; then
        ok "monitor restarted ($1): it answers again and writes go on"
    else
        not_ok "monitor restarted ($1): it answers again and writes go on" "$2" \
            "$(tail -n 5 "$scratch/monrestart.out")"
    fi
}

sleep $((secs / 4))
echo "# fault injected: monitor stopped (TERM) and started after $(workload_acks monrestart) acknowledged writes"
mon_back TERM "$("$CEPH_CLUSTER_SH" restart "$CEPH_DIR" mon.a 2>&1)"

# Killed, and away for 5 s: the OSDs go on serving the open image.
sleep $((secs / 4))
echo "# fault injected: monitor killed (kill -9) after $(workload_acks monrestart) acknowledged writes, started 5 s later"
kill -KILL "$(cat "$CEPH_DIR/run/mon.a.pid")"
t0=$(mono)
sleep 5
read -r away _ < <(/usr/bin/python3 "$WORKLOAD" stalls --log "$scratch/monrestart.log" "$t0" "$(mono)")
if [ "$away" -gt 0 ]; then
    ok "writes are acknowledged while the monitor is away ($away in 5 s)"
else
    not_ok "writes are acknowledged while the monitor is away" "none in 5 s"
fi
mon_back "kill -9" "$("$CEPH_CLUSTER_SH" restart "$CEPH_DIR" mon.a 2>&1)"

workload_wait monrestart "no request failed and every read-back matched"
echo "# faults injected: $faults monitor restarts"
check_equal "the monitor is in quorum at the end" "0" \
    "$(ceph quorum_status --format json 2>/dev/null | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["quorum"][0])')"
verify_image "every sector reads back as last written" img "$scratch/monrestart.expect"
# A new open needs the monitor: the plugin can still connect.
check "a new open through the plugin works after the restarts" \
    qio -c 'read 0 64k' --image-opts driver=plugin,module=rbd,pool=rbd,image=img
done_testing
