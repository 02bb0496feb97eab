#!/usr/bin/env bash
# Quorum lost: two of the three OSDs stop (pool size 3, min_size 2), so no
# write can complete.
#
# Without an op timeout, I/O blocks: while qemu-io's write-and-verify
# workload runs through the plugin, no write is acknowledged for 15 s, none
# fails, and when the OSDs come back the writes resume and complete; every
# sector reads back as last written.
#
# With osd-op-timeout=10, a write issued in qemu-system-x86_64 (through
# QMP's human-monitor-command "qemu-io") fails with "Connection timed out"
# within 20 s, QMP answers query-status promptly meanwhile, and once the
# OSDs are back a write succeeds and the data is right.
#
# The OSDs are stopped with SIGSTOP, not killed: a stopped OSD keeps its
# connections and its place in the OSD map (one surviving reporter is fewer
# than mon_osd_min_down_reporters), so requests wait on it exactly as on a
# hung daemon or a partitioned host, and SIGCONT brings it back with its
# data.  A killed memstore OSD would come back empty, and with two of three
# copies gone the fault would be data loss, not lost quorum.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/faults/functions.sh
ceph_skip_unless_available
[ -f /usr/share/seabios/bios-256k.bin ] ||
    skip_all "seabios is not installed (scripts/install-deps.sh installs it)"
plan 15
ceph_start 3

mono() { /usr/bin/python3 -c 'import time; print(time.monotonic())'; }
osd1=$(cat "$CEPH_DIR/run/osd.1.pid")
osd2=$(cat "$CEPH_DIR/run/osd.2.pid")
# Whatever happens, let the OSDs run again so the cluster can be stopped.
at_exit "kill -CONT $osd1 $osd2 2>/dev/null"
faults=0

# --- no op timeout: I/O blocks, then resumes ---------------------------------
fault_image img
workload_start quorum img 3600 --seed 7
if wait_acks quorum 200; then
    ok "the workload runs (200 writes acknowledged)"
else
    not_ok "the workload runs (200 writes acknowledged)" "$(cat "$scratch/quorum.out")"
fi
kill -STOP "$osd1" "$osd2"
faults=$((faults + 1))
echo "# fault injected: SIGSTOP osd.1 and osd.2 after $(workload_acks quorum) acknowledged writes"
# A write the OSDs had acknowledged just before may still be on its way.
sleep 3
t0=$(mono)
sleep 15
read -r blocked _ < <(/usr/bin/python3 "$WORKLOAD" stalls --log "$scratch/quorum.log" "$t0" "$(mono)")
check_equal "writes block while two of three OSDs are stopped (acknowledged in 15 s)" 0 "$blocked"
if kill -0 "$wl_pid" 2>/dev/null && ! grep -q ' error ' "$scratch/quorum.log"; then
    ok "...and no request fails"
else
    not_ok "...and no request fails" "$(tail -n 5 "$scratch/quorum.out")"
fi
kill -CONT "$osd1" "$osd2"
if wait_acks quorum 500; then
    ok "once the OSDs run again, writes resume (500 more acknowledged)"
else
    not_ok "once the OSDs run again, writes resume" "$(tail -n 5 "$scratch/quorum.out")"
fi
kill -USR1 "$wl_pid"
workload_wait quorum "the workload completes without a failed request or a wrong read-back"
verify_image "every sector reads back as last written" img "$scratch/quorum.expect"

# --- osd-op-timeout=10: requests fail in time, QEMU stays responsive ---------
rbd create --size 8M --image-feature layering vm
sock=$scratch/qmp.sock
stdbuf -oL "$QEMU_SYSTEM" -L /usr/share/qemu -L /usr/share/seabios -M pc \
    -nodefaults -display none -S -qmp "unix:$sock,server=on,wait=off" \
    -drive "file=plugin:rbd:rbd/vm:osd-op-timeout=10,format=raw,if=none,id=drive0" \
    >"$scratch/qemu.out" 2>&1 &
qemu_pid=$!
at_exit "kill -KILL $qemu_pid 2>/dev/null"
for i in $(seq 600); do
    [ -S "$sock" ] && break
    kill -0 $qemu_pid 2>/dev/null || break
    sleep 0.1
done
qmp() { timeout 90 /usr/bin/python3 "$top/tests/faults/qmp.py" "$sock" "$@"; }
# hmp_io COMMAND: a qemu-io command on drive0; aio_* return at once, their
# completion is printed on QEMU's standard output.
hmp_io() {
    qmp human-monitor-command \
        "$(printf '{"command-line": "qemu-io drive0 \\"%s\\""}' "$1")"
}
# wait_out TEXT SECONDS: wait until QEMU printed TEXT (one more time than
# the $seen count); prints the milliseconds it took.
wait_out() {
    local t0 i
    t0=$(now_ms)
    for i in $(seq $(($2 * 20))); do
        if [ "$(grep -c "$1" "$scratch/qemu.out")" -gt "$seen" ]; then
            echo $(($(now_ms) - t0))
            return 0
        fi
        sleep 0.05
    done
    echo "nothing within $2 s"
    return 1
}

seen=0
hmp_io "aio_write -P 0x33 0 1M" >/dev/null
if wait_out "wrote 1048576/1048576 bytes at offset 0" 60 >/dev/null; then
    ok "qemu-system-x86_64 with the plugin drive (osd-op-timeout=10) writes through QMP"
else
    not_ok "qemu-system-x86_64 with the plugin drive (osd-op-timeout=10) writes through QMP" \
        "$(cat "$scratch/qemu.out")"
fi

kill -STOP "$osd1" "$osd2"
faults=$((faults + 1))
echo "# fault injected: SIGSTOP osd.1 and osd.2 under qemu-system-x86_64"
seen=$(grep -c 'aio_write failed' "$scratch/qemu.out")
hmp_io "aio_write -P 0x44 1M 1M" >/dev/null
t_write=$(now_ms)
# QMP answers while the write waits: a query every second for 5 s.
slowest=0
answered=0
for i in 1 2 3 4 5; do
    if out=$(qmp query-status); then
        answered=$((answered + 1))
        ms=$(printf '%s\n' "$out" | sed -n 's/^# answered in \([0-9]*\) ms$/\1/p')
        [ "$ms" -gt "$slowest" ] && slowest=$ms
    fi
    sleep 1
done
if [ $answered -eq 5 ] && [ $slowest -le 5000 ]; then
    ok "QMP query-status answers while the write is blocked (slowest of 5: $slowest ms)"
else
    not_ok "QMP query-status answers while the write is blocked" \
        "answered $answered of 5, slowest $slowest ms (limit 5000)"
fi
check_contains "...and says the VM is in prelaunch" '"status": "prelaunch"' "$(qmp query-status)"
waited=$(wait_out 'aio_write failed' 60)
took=$(($(now_ms) - t_write))
if [[ $waited =~ ^[0-9]+$ ]] && [ $took -le 20000 ]; then
    ok "the blocked write fails within 20 s ($took ms after it was issued)"
else
    not_ok "the blocked write fails within 20 s" "$waited; $took ms after it was issued" \
        "$(tail -n 5 "$scratch/qemu.out")"
fi
check_contains "...with 'Connection timed out'" "aio_write failed: Connection timed out" \
    "$(cat "$scratch/qemu.out")"
kill -CONT "$osd1" "$osd2"

# The timed-out write may still land once the OSDs run (it had reached
# them): only after it do we write 1M..2M again.
end=$((SECONDS + 60))
while [ $SECONDS -lt $end ]; do
    case $(pgs_summary) in *" 8 active+clean;"*) break ;; esac
    sleep 0.5
done
sleep 2
seen=$(grep -c 'wrote 1048576/1048576 bytes at offset 1048576' "$scratch/qemu.out")
hmp_io "aio_write -P 0x55 1M 1M" >/dev/null
if wait_out "wrote 1048576/1048576 bytes at offset 1048576" 60 >/dev/null; then
    ok "once the OSDs run again, a write succeeds"
else
    not_ok "once the OSDs run again, a write succeeds" "$(tail -n 5 "$scratch/qemu.out")"
fi
qmp quit >/dev/null 2>&1
timeout 60 tail --pid=$qemu_pid -f /dev/null
expect=$scratch/vm.expect
truncate -s 8M "$expect"
fill "$expect" 0 1048576 0x33
fill "$expect" 1048576 1048576 0x55
verify_image "the image holds what was written" vm "$expect"
echo "# faults injected: $faults (two OSDs stopped, twice)"
done_testing
