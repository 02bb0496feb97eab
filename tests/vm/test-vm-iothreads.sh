#!/usr/bin/env bash
# A guest's disk served from QEMU iothreads through the rbd plugin, on an
# image with Ceph's default features (exclusive lock, object map): four
# guest threads on two vCPUs write a random pattern in shuffled pieces at
# once, read it back and compare every sector; `rbd export` finds the same
# bytes.  Once with the disk on one iothread, once (QEMU 10.0 and later)
# with `iothread-vq-mapping` spreading its two queues over two iothreads,
# where one disk's requests are submitted from two threads at once and the
# plugin's completions go back to each request's own iothread.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/vm/functions.sh
vm_skip_unless_available
ceph_skip_unless_available
ceph_start
plan 13

# Only -module may find the plugin.
unset QEMU_BLOCK_PLUGIN_PATH
module=$PLUGINS/rbd-plugin.so

# iothread_requests PID ID: the context switches of QEMU's thread "IO ID"
# (thread names need -name debug-threads=on); an idle iothread sleeps in
# ppoll and barely switches, one serving a disk switches for its requests.
iothread_requests() {
    local t
    for t in /proc/"$1"/task/*; do
        if [ "$(cat "$t/comm" 2>/dev/null)" = "IO $2" ]; then
            awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }' "$t/status"
            return
        fi
    done
    echo 0
}

# scatter_case NAME IOTHREADS DEVICE_JSON: boot the guest in mode scatter on
# a new image with DEVICE_JSON as its disk, on iothreads IOTHREADS.
scatter_case() {
    local name=$1 iothreads=$2 device=$3 io rc=0 n export_sum
    local args=(-smp 2 -name "qbp-$name,debug-threads=on" -module "$module"
                -drive "if=none,id=d0,format=raw,cache=none,file=plugin:rbd:rbd/$name:conf=$CEPH_CONF")
    for io in $iothreads; do
        args+=(-object "iothread,id=$io")
    done
    args+=(-device "$device")
    rbd create --size "${VM_DISK_MIB}M" "$name"

    vm_start "$name" scatter "${args[@]}"
    if ! vm_wait_serial "QBP finished scatter" && [ -z "$(vm_value "$name" FAIL)" ]; then
        echo "Bail out! the $name guest did not finish"
        vm_console "$name" | sed 's/^/# /'
        exit 1
    fi
    check_guest "$name" "$name: the guest wrote and compared the pattern"
    check_equal "$name: the guest's disk has a queue for each vCPU" \
        2 "$(vm_value "$name" queues)"
    check_contains "$name: every sector read back as written" \
        "-4-threads-2-cpus-0-bad-sectors" "$(vm_value "$name" scatter)"
    for io in $iothreads; do
        n=$(iothread_requests "$vm_qemu_pid" "$io")
        echo "# $name: iothread $io: $n context switches"
        check "$name: iothread $io served the disk's requests" test "$n" -ge 50
    done
    vm_quit || rc=$?
    check_equal "$name: QEMU quit normally" 0 "$rc"
    rbd export --no-progress "$name" "$scratch/$name.raw" >/dev/null
    export_sum=$(sha256_range "$scratch/$name.raw" "$VM_SCATTER_AT_MIB" "$VM_SCATTER_MIB")
    check_equal "$name: rbd export holds the guest's pattern" \
        "$(vm_value "$name" scatter-source)" "$export_sum"
}

scatter_case one-iothread "io0" \
    '{"driver":"virtio-blk-pci","drive":"d0","num-queues":2,"iothread":"io0"}'

if "$QEMU_SYSTEM" -device virtio-blk-pci,help 2>/dev/null | grep -q iothread-vq-mapping; then
    scatter_case two-iothreads "io0 io1" \
        '{"driver":"virtio-blk-pci","drive":"d0","num-queues":2,"iothread-vq-mapping":[{"iothread":"io0"},{"iothread":"io1"}]}'
else
    version=$("$QEMU_SYSTEM" --version | head -n 1)
    for i in $(seq 7); do
        ok "two-iothreads # SKIP $version has no iothread-vq-mapping (QEMU 9.0 added it)"
    done
fi
done_testing
