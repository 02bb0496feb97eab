#!/usr/bin/env bash
# A cluster that does not answer gives an error within the op timeout
# instead of hanging QEMU.  With a 5 s OSD op timeout and the only OSD
# frozen (SIGSTOP: connected but silent), then gone (SIGKILL), reads and
# writes on an image that is already open fail within 15 s, and so does a
# new open; qemu-io then still exits.  With the monitor frozen, a new open
# with a 5 s monitor timeout fails within 15 s.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 12
ceph_start

limit_ms=15000
trap '' PIPE       # a qemu-io that died must not take the test with it
rbd create --size 8M --image-feature layering img
"$QEMU_IO" -f raw -c 'write -P 0x5a 0 8M' plugin:rbd:rbd/img >/dev/null 2>&1
osd=$(cat "$CEPH_DIR/run/osd.0.pid")
mon=$(cat "$CEPH_DIR/run/mon.a.pid")
# Whatever happens, let the daemons run again so the cluster can be stopped.
at_exit "kill -CONT $osd $mon 2>/dev/null"

# start_qio N: qemu-io number N on the image, 5 s OSD op timeout (named
# option), reading commands from a fifo on fd 10+N; waits for a first read.
# (No qemu-io inherits the other fifo's writing end: closing fd 10+N must
# be the end of qemu-io N's input.)
qio_pids=()
start_qio() {
    local fifo=$scratch/fifo$1 i
    mkfifo "$fifo"
    timeout 120 "$QEMU_IO" --image-opts \
        driver=plugin,module=rbd,pool=rbd,image=img,osd-op-timeout=5 \
        <"$fifo" >"$scratch/qio$1.out" 2>&1 11>&- 12>&- &
    qio_pids[$1]=$!
    eval "exec $((10 + $1))>\"\$fifo\""
    echo 'read -P 0x5a 0 4M' >&$((10 + $1))
    for i in $(seq 200); do
        grep -q 'read 4194304/4194304' "$scratch/qio$1.out" && return 0
        sleep 0.05
    done
    return 1
}

# timed_cmd N COMMAND WANT: send COMMAND to qemu-io N, wait (up to 60 s) for
# WANT in its output; prints the milliseconds it took, or why not.
timed_cmd() {
    local t0 i before
    before=$(grep -c "$3" "$scratch/qio$1.out")
    t0=$(now_ms)
    echo "$2" >&$((10 + $1))
    for i in $(seq 1200); do
        if [ "$(grep -c "$3" "$scratch/qio$1.out")" -gt "$before" ]; then
            echo $(($(now_ms) - t0))
            return
        fi
        kill -0 "${qio_pids[$1]}" 2>/dev/null || { echo "no answer (qemu-io exited)"; return; }
        sleep 0.05
    done
    echo "no answer within 60 s"
}

# within DESC MS: pass if MS is a number of at most $limit_ms.
within() {
    if [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -le $limit_ms ]; then
        ok "$1 ($2 ms)"
    else
        not_ok "$1" "took: $2 (limit $limit_ms ms)"
    fi
}

# timed_open DESC EXPECTED ARGS...: a new qemu-io open fails with EXPECTED
# within the limit.
timed_open() {
    local desc=$1 expected=$2 t0 out rc ms
    shift 2
    t0=$(now_ms)
    out=$(timeout 120 "$QEMU_IO" "$@" 2>&1)
    rc=$?
    ms=$(($(now_ms) - t0))
    if [ $rc -eq 1 ] && [ "$out" = "$expected" ] && [ $ms -le $limit_ms ]; then
        ok "$desc ($ms ms)"
    else
        not_ok "$desc" "exit status $rc after $ms ms (limit $limit_ms)" \
            "expected: $expected" "actual:   $out"
    fi
}

for n in 1 2; do
    if start_qio $n; then
        ok "qemu-io $n opened the image (osd-op-timeout=5) and read from it"
    else
        not_ok "qemu-io $n opened the image (osd-op-timeout=5) and read from it" \
            "$(cat "$scratch/qio$n.out")"
    fi
done

# --- the OSD is frozen ------------------------------------------------------
kill -STOP "$osd"
within "OSD frozen: a read on an open image fails within 15 s" \
    "$(timed_cmd 1 'read 0 4M' 'read failed')"
check_contains "...with 'Connection timed out'" "read failed: Connection timed out" \
    "$(cat "$scratch/qio1.out")"
within "OSD frozen: a write fails within 15 s" \
    "$(timed_cmd 1 'write -P 0x11 4M 1M' 'write failed')"
timed_open "OSD frozen: a new open (:rados_osd_op_timeout=5 in the filename) fails within 15 s" \
    "qemu-io: can't open device plugin:rbd:rbd/img:rados_osd_op_timeout=5: rbd: image 'rbd/img': cannot read its id (rbd_id.img): Connection timed out" \
    -f raw -c 'read 0 512' plugin:rbd:rbd/img:rados_osd_op_timeout=5
t0=$(now_ms)
exec 11>&-
timeout 60 tail --pid="${qio_pids[1]}" -f /dev/null
within "qemu-io exits after the failed requests" $(($(now_ms) - t0))

# --- the OSD is gone --------------------------------------------------------
kill -KILL "$osd"
within "OSD gone: a read on an open image fails within 15 s" \
    "$(timed_cmd 2 'read 0 4M' 'read failed')"
check_contains "...with 'Connection timed out'" "read failed: Connection timed out" \
    "$(cat "$scratch/qio2.out")"
timed_open "OSD gone: a new open (named option osd-op-timeout=5) fails within 15 s" \
    "qemu-io: can't open: rbd: image 'rbd/img': cannot read its id (rbd_id.img): Connection timed out" \
    -c 'read 0 512' --image-opts driver=plugin,module=rbd,pool=rbd,image=img,osd-op-timeout=5
t0=$(now_ms)
exec 12>&-
timeout 60 tail --pid="${qio_pids[2]}" -f /dev/null
within "qemu-io exits after the failed read" $(($(now_ms) - t0))

# --- the monitor is frozen --------------------------------------------------
kill -STOP "$mon"
timed_open "monitor frozen: a new open (mon-op-timeout=5) fails within 15 s" \
    "qemu-io: can't open: rbd: cannot connect to the Ceph cluster as client.admin: Connection timed out" \
    -c 'read 0 512' --image-opts driver=plugin,module=rbd,pool=rbd,image=img,mon-op-timeout=5
kill -CONT "$mon"
done_testing
