# Helpers for tests/faults/test-fault-*.sh.  Source from the repository
# root after tests/functions.sh, tests/ceph/functions.sh and
# tests/rbd/functions.sh.
#
# FAULT_SECONDS (default 120) is how long the long workloads run; the
# others scale with it (mon restarts: half, crash rounds: a tenth each).

FAULT_SECONDS=${FAULT_SECONDS:-120}
[[ $FAULT_SECONDS =~ ^[1-9][0-9]*$ ]] ||
    { echo "Bail out! FAULT_SECONDS must be a whole number of seconds"; exit 1; }
WORKLOAD=$top/tests/faults/workload.py
FAULT_IMAGE_SIZE=$((64 << 20))

# Commands that talk to the cluster run through "${client[@]}" (empty, or
# `ip netns exec NS` when the cluster lives in namespaces).
client=()
trap '' PIPE

# fault_image NAME [rbd create options...]: a 64 MiB image with 1 MiB
# objects, so that larger requests span objects.
fault_image() {
    local name=$1
    shift
    "${client[@]+"${client[@]}"}" rbd create --size $((FAULT_IMAGE_SIZE >> 20))M \
        --object-size 1M "$@" "$name"
}

# qio_argv IMAGE [OPTION=VALUE...]: qemu-io on IMAGE through the plugin.
qio_argv() {
    local img=$1 opts
    shift
    opts=driver=plugin,module=rbd,pool=rbd,image=$img
    for o in "$@"; do opts+=,$o; done
    printf '%s\n' "${client[@]+"${client[@]}"}" "$QEMU_IO" --image-opts "$opts"
}

# workload_start NAME IMAGE SECONDS [workload.py options...]: the
# write-and-verify workload in the background; its log, expected image and
# output go to $scratch/NAME.{log,expect,out}, its pid to $wl_pid and the
# qemu-io's pid to $scratch/NAME.qio.pid.
workload_start() {
    local name=$1 img=$2 secs=$3 argv
    shift 3
    mapfile -t argv < <(qio_argv "$img")
    rm -f "$scratch/$name.qio.pid"
    /usr/bin/python3 "$WORKLOAD" run --size "$FAULT_IMAGE_SIZE" \
        --seconds "$secs" --log "$scratch/$name.log" \
        --expect "$scratch/$name.expect" --pidfile "$scratch/$name.qio.pid" \
        "$@" -- "${argv[@]}" >"$scratch/$name.out" 2>&1 &
    wl_pid=$!
}

# workload_wait NAME DESCRIPTION: wait for the workload (at most an hour),
# pass if it ran without a failed request or a wrong read; its figures
# become TAP comments.
workload_wait() {
    local rc
    wait "$wl_pid"
    rc=$?
    grep '^# ' "$scratch/$1.out"
    if [ $rc -eq 0 ]; then
        ok "$2"
    else
        not_ok "$2" "workload.py exited with status $rc" \
            "$(grep -v '^# ' "$scratch/$1.out" | tail -n 20)"
    fi
}

# workload_acks NAME: how many writes the workload has had acknowledged.
workload_acks() {
    local n
    n=$(grep -c ' ack ' "$scratch/$1.log" 2>/dev/null)
    echo "${n:-0}"
}

# wait_acks NAME N: wait (up to 120 s) until N more writes are acknowledged.
wait_acks() {
    local want i
    want=$(($(workload_acks "$1") + $2))
    for i in $(seq 1200); do
        [ "$(workload_acks "$1")" -ge "$want" ] && return 0
        kill -0 "$wl_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# acked_after NAME T WHAT: the workload NAME acknowledged writes after
# monotonic time T (the fault, named WHAT); its longest wait for a
# completion since then becomes a TAP comment.
acked_after() {
    local after gap
    read -r after gap < <(/usr/bin/python3 "$WORKLOAD" stalls \
        --log "$scratch/$1.log" "$2" "$(mono)")
    if [ "$after" -gt 0 ]; then
        ok "writes were acknowledged after the $3 ($after)"
    else
        not_ok "writes were acknowledged after the $3" "none"
    fi
    echo "# longest wait for a completion: $gap s"
}

# verify_image DESCRIPTION IMAGE EXPECTED: the image, read through the
# plugin (qemu-img convert) and by Ceph's own rbd export, equals EXPECTED.
verify_image() {
    local desc=$1 img=$2 want=$3 out plugin=$scratch/verify-plugin.raw
    local exported=$scratch/verify-export.raw
    rm -f "$plugin" "$exported"
    if ! out=$("${client[@]+"${client[@]}"}" "$QEMU_IMG" convert -O raw \
            --image-opts "driver=plugin,module=rbd,pool=rbd,image=$img" \
            "$plugin" 2>&1); then
        not_ok "$desc: read through the plugin" "$out"
    else
        check_cmp "$desc: read through the plugin" "$want" "$plugin"
    fi
    if ! out=$("${client[@]+"${client[@]}"}" rbd export --no-progress \
            "$img" "$exported" 2>&1); then
        not_ok "$desc: rbd export" "$out"
    else
        check_cmp "$desc: rbd export" "$want" "$exported"
    fi
    [ -f "$want" ] &&
        echo "# verified: $(($(stat -c %s "$want") >> 20)) MiB, every 512-byte sector"
    rm -f "$plugin" "$exported"
}

# osd_state N: "up" or "down", as the monitor's OSD map says.
osd_state() {
    "${client[@]+"${client[@]}"}" ceph osd dump --format json 2>/dev/null |
        /usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
for o in d["osds"]:
    if o["osd"] == int(sys.argv[1]):
        print("up" if o["up"] else "down")' "$1"
}

# wait_osd N STATE SECONDS: wait until osd.N is STATE in the OSD map.
wait_osd() {
    local end=$((SECONDS + $3))
    while [ $SECONDS -lt $end ]; do
        [ "$(osd_state "$1")" = "$2" ] && return 0
        sleep 0.5
    done
    return 1
}

# pgs_summary: the placement groups' states, e.g. "8 active+clean".
pgs_summary() {
    "${client[@]+"${client[@]}"}" ceph pg stat 2>/dev/null | head -n 1
}
