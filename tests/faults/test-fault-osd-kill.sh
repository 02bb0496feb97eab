#!/usr/bin/env bash
# An OSD dies under load: kill -9 one of three OSDs (pool size 3, min_size
# 2) a third of the way into FAULT_SECONDS of mixed writes and read-backs
# through the plugin in qemu-io.  No request fails, writes keep being
# acknowledged after the kill, and every sector reads back as last written,
# through the plugin and through rbd export.
#
# The dead OSD is not restarted: memstore loses its data with the process,
# so a restart is a new, empty OSD (backfill), not this fault.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/faults/functions.sh
ceph_skip_unless_available
plan 6
ceph_start 3

mono() { /usr/bin/python3 -c 'import time; print(time.monotonic())'; }

fault_image img
workload_start osdkill img "$FAULT_SECONDS"
if wait_acks osdkill 100; then
    ok "the workload runs (100 writes acknowledged)"
else
    not_ok "the workload runs (100 writes acknowledged)" "$(cat "$scratch/osdkill.out")"
fi

sleep $((FAULT_SECONDS / 3))
victim=1
before=$(workload_acks osdkill)
t_kill=$(mono)
kill -KILL "$(cat "$CEPH_DIR/run/osd.$victim.pid")"
echo "# fault injected: kill -9 osd.$victim after $before acknowledged writes"
if wait_osd $victim down 120; then
    ok "the monitor marks osd.$victim down"
else
    not_ok "the monitor marks osd.$victim down" "$(pgs_summary)"
fi
echo "# placement groups after the kill: $(pgs_summary)"

workload_wait osdkill "no request failed and every read-back matched"
acked_after osdkill "$t_kill" kill
verify_image "every sector reads back as last written" img "$scratch/osdkill.expect"
done_testing
