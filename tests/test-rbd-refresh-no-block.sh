#!/usr/bin/env bash
# The I/O path never waits on the network on QEMU's threads (issue 15): a
# block job writes to an rbd disk in qemu-system-x86_64's main loop (a
# mirror from a local file, speed-limited so that it writes for a while);
# the job is paused, another client changes the image's header (a
# snapshot, or a resize), the OSD is stopped with SIGSTOP and the job
# resumed.  Its next write needs the header read again, from an OSD that
# does not answer.  For 10 s QMP query-status must be answered promptly
# every time; after SIGCONT every write completes (the image holds the
# source's data), the snapshot holds the data of before it, and the lock
# `rbd lock ls` shows is the disk's, under its live watch (the cookie
# follows a new watch).  The same runs through QEMU's in-tree driver,
# which never blocked there.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/qmp-functions.sh
ceph_skip_unless_available
plan 16
ceph_start

MiB=$((1 << 20))
size=$((48 * MiB))
osd=$(cat "$CEPH_DIR/run/osd.0.pid")
random_file "$scratch/src.raw" "$size" 15
# Well above a prompt answer (a few ms), well below the 10 s of a blocked loop.
limit_ms=1000

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_case DRIVER CHANGE: prints nothing; sets max_ms, the job's fate in
# job_ok, who held the image at the end in holders, and leaves the exports
# in $scratch.
run_case() {
    local driver=$1 change=$2 img=nb-$1-$2 dst t0 t1 i
    rbd create --size "${size}B" "$img"
    qio -f raw -c "write -P 0x11 0 $size" "rbd:rbd/$img" >/dev/null
    if [ "$driver" = plugin ]; then
        dst="driver=plugin,module=rbd,node-name=dst,options.pool=rbd,options.image=$img"
    else
        dst="driver=rbd,node-name=dst,pool=rbd,image=$img"
    fi
    rm -f "$qmp_log"
    qmp_start -blockdev "driver=raw,node-name=src,file.driver=file,file.filename=$scratch/src.raw" \
        -blockdev "$dst"
    qmp '{"execute":"blockdev-mirror","arguments":{"job-id":"j","device":"src","target":"dst","sync":"full","speed":8388608}}'
    sleep 1
    qmp '{"execute":"block-job-pause","arguments":{"device":"j"}}'
    qmp_until '"status": "paused"'
    rbd export "$img" "$scratch/$img.before" >/dev/null 2>&1
    if [ "$change" = snapshot ]; then
        rbd snap create "$img@s" >/dev/null 2>&1
    else
        rbd resize --size $((2 * size))B "$img" >/dev/null 2>&1
    fi
    kill -STOP "$osd"
    qmp '{"execute":"block-job-resume","arguments":{"device":"j"}}'
    max_ms=0
    for ((i = 0; i < 40; i++)); do
        t0=$(now_ms)
        qmp_call '{"execute":"query-status"}' || max_ms=99999
        t1=$(now_ms)
        [ $((t1 - t0)) -gt "$max_ms" ] && max_ms=$((t1 - t0))
        sleep 0.25
    done
    kill -CONT "$osd"
    job_ok=no
    if qmp_until '"BLOCK_JOB_READY"'; then
        qmp '{"execute":"block-job-complete","arguments":{"device":"j"}}'
        qmp_until '"BLOCK_JOB_COMPLETED"' && job_ok=yes
    fi
    holders=$(rbd_holders "$img")
    qmp_quit
}

# check_prompt WHAT: QMP's slowest answer of run_case (max_ms) was prompt.
check_prompt() {
    if [ "$max_ms" -lt "$limit_ms" ]; then
        ok "$1: QMP answered 40 times in 10 s, the slowest in $max_ms ms"
    else
        not_ok "$1: QMP answered promptly for 10 s" \
            "the slowest answer took $max_ms ms"
    fi
}

held="watchers: 1; locks: 1; lock: exclusive, tag internal, cookie auto <watch>, held by the watcher"
for driver in plugin in-tree; do
    run_case "$driver" snapshot
    img=nb-$driver-snapshot
    check_prompt "$driver, a snapshot by another client, the OSD stopped"
    check_equal "...after SIGCONT the job completed and every write reached the image" \
        "yes Images are identical." \
        "$job_ok $("$QEMU_IMG" compare -f raw -F raw "$scratch/src.raw" "rbd:rbd/$img" 2>&1)"
    rbd export "$img@s" "$scratch/$img.snap" >/dev/null 2>&1
    check "...the snapshot holds the data of before it" \
        cmp "$scratch/$img.before" "$scratch/$img.snap"
    check_equal "...the lock rbd lock ls shows is the disk's, under its watch" \
        "$held" "$holders"

    run_case "$driver" resize
    img=nb-$driver-resize
    check_prompt "$driver, a resize by another client, the OSD stopped"
    # The grown part reads as zeroes: compare says so with a warning.
    check_equal "...after SIGCONT the job completed and every write reached the image" \
        "yes Warning: Image size mismatch! Images are identical." \
        "$job_ok $("$QEMU_IMG" compare -f raw -F raw "$scratch/src.raw" "rbd:rbd/$img" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
    check_equal "...which has the new size" "size=$((2 * size))" "$(rbd_info "$img" size)"
    check_equal "...the lock rbd lock ls shows is the disk's, under its watch" \
        "$held" "$holders"
done
done_testing
