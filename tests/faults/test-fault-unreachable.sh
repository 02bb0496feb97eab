#!/usr/bin/env bash
# Cluster unreachable at open: opening an image through the plugin fails
# with a clear error within the configured monitor timeout (plus 10 s of
# slack for a busy machine), never hangs:
#  - a monitor address where nothing listens (127.0.0.1, a free port), with
#    mon-op-timeout=5, and with client_mount_timeout = 6 in the ceph.conf;
#  - a cluster whose monitor is frozen (SIGSTOP: it accepts connections but
#    never answers);
#  - a cluster that has been stopped, in qemu-io and in qemu-system-x86_64.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/faults/functions.sh
ceph_skip_unless_available
plan 7

slack_ms=10000
faults=0
# timed_open DESC TIMEOUT_S EXPECTED COMMAND...: the command fails with
# status 1 and output EXPECTED within TIMEOUT_S seconds plus the slack.
timed_open() {
    local desc=$1 limit=$(($2 * 1000 + slack_ms)) expected=$3 t0 out rc ms
    shift 3
    faults=$((faults + 1))
    t0=$(now_ms)
    out=$(timeout 300 "$@" 2>&1)
    rc=$?
    ms=$(($(now_ms) - t0))
    if [ $rc -eq 1 ] && [ "$out" = "$expected" ] && [ $ms -le $limit ]; then
        ok "$desc ($ms ms)"
    else
        not_ok "$desc" "exit status $rc after $ms ms (limit $limit ms)" \
            "expected: $expected" "actual:   $out"
    fi
}

# A port on 127.0.0.1 where nothing listens (bound, then let go: nothing
# else here takes ports in 20000-30000 but the test clusters, which pick
# theirs under a lock and only once it is free).
port=$(/usr/bin/python3 -c 'import random, socket
for _ in range(100):
    p = random.randrange(20000, 30000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        s.close()')
: >"$scratch/empty.conf"
printf '[global]\nmon_host = 127.0.0.1:%s\n[client]\nclient_mount_timeout = 6\n' \
    "$port" >"$scratch/nothing.conf"
nomon="rbd: cannot connect to the Ceph cluster as client.admin: Connection timed out"
timed_open "nothing listens at the monitor address: fails within mon-op-timeout=5" 5 \
    "qemu-io: can't open: ${nomon/cluster/cluster of $scratch/empty.conf}" \
    "$QEMU_IO" -c 'read 0 512' --image-opts \
    "driver=plugin,module=rbd,pool=rbd,image=img,conf=$scratch/empty.conf,server=127.0.0.1:$port,mon-op-timeout=5"
timed_open "nothing listens: fails within client_mount_timeout = 6 of the ceph.conf" 6 \
    "qemu-io: can't open device plugin:rbd:rbd/img:conf=$scratch/nothing.conf: ${nomon/cluster/cluster of $scratch/nothing.conf}" \
    "$QEMU_IO" -f raw -c 'read 0 512' "plugin:rbd:rbd/img:conf=$scratch/nothing.conf"

ceph_start 3
rbd create --size 8M --image-feature layering img
check "the cluster is reachable: the image opens" \
    qio -c 'read 0 512' --image-opts driver=plugin,module=rbd,pool=rbd,image=img,mon-op-timeout=5
mon=$(cat "$CEPH_DIR/run/mon.a.pid")
at_exit "kill -CONT $mon 2>/dev/null"
kill -STOP "$mon"
timed_open "the monitor is frozen: fails within mon-op-timeout=5" 5 \
    "qemu-io: can't open: $nomon" \
    "$QEMU_IO" -c 'read 0 512' --image-opts \
    driver=plugin,module=rbd,pool=rbd,image=img,mon-op-timeout=5
kill -CONT "$mon"
check "the monitor runs again: the image opens" \
    qio -c 'read 0 512' --image-opts driver=plugin,module=rbd,pool=rbd,image=img,mon-op-timeout=5

ceph_stop
timed_open "the cluster is stopped: qemu-io fails within mon-op-timeout=5" 5 \
    "qemu-io: can't open: $nomon" \
    "$QEMU_IO" -c 'read 0 512' --image-opts \
    driver=plugin,module=rbd,pool=rbd,image=img,mon-op-timeout=5
if [ -f /usr/share/seabios/bios-256k.bin ]; then
    timed_open "the cluster is stopped: qemu-system-x86_64 fails within mon-op-timeout=5" 5 \
        "qemu-system-x86_64: -drive file=plugin:rbd:rbd/img:mon-op-timeout=5,format=raw,if=none,id=d0: $nomon" \
        "$QEMU_SYSTEM" -L /usr/share/qemu -L /usr/share/seabios -M pc -nodefaults \
        -display none -S -drive "file=plugin:rbd:rbd/img:mon-op-timeout=5,format=raw,if=none,id=d0"
else
    ok "# SKIP seabios is not installed"
fi
echo "# faults injected: $faults opens of an unreachable cluster"
done_testing
