#!/usr/bin/env bash
# One plugin binary, two QEMUs: the rbd-plugin.so of build/plugins/ is
# loaded, unchanged, by QEMU 7.2 and by QEMU 10.0 (each built with the shim,
# make qemu-7.2 qemu-10.0).  Each QEMU process's own memory map names the
# file it loaded; their sha256 sums are printed and must be one.  What one
# QEMU writes through the plugin, the other reads through it, and both
# in-tree rbd drivers read it too.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
q72=$build/qemu
q100=$build/qemu-10.0
for q in "$q72" "$q100"; do
    [ -x "$q/qemu-system-x86_64" ] ||
        skip_all "$q/qemu-system-x86_64 is not built (make qemu-7.2 qemu-10.0)"
done
ceph_start
plan 12

unset QEMU_BLOCK_PLUGIN_PATH
module=$PLUGINS/rbd-plugin.so
rbd create --size 8M shared
spec="plugin:rbd:rbd/shared:conf=$CEPH_CONF"
qmp_py=$top/tests/faults/qmp.py

# run_qemu DIR NAME HMP-QEMU-IO-COMMAND...: start DIR's qemu-system with the
# image as drive d0, run each command through HMP qemu-io, write the sha256
# of the rbd-plugin.so in its memory map to $scratch/NAME.sha, quit.
# QEMU's output, where HMP qemu-io prints, goes to $scratch/NAME.out.
run_qemu() {
    local dir=$1 name=$2 sock=$scratch/$2.qmp pid so cmd i
    shift 2
    "$dir/qemu-system-x86_64" -nodefaults -display none -S -M none \
        -module "$module" -drive "if=none,id=d0,format=raw,file=$spec" \
        -qmp "unix:$sock,server=on,wait=off" \
        </dev/null >"$scratch/$name.out" 2>&1 &
    pid=$!
    at_exit "kill -9 $pid 2>/dev/null"
    for ((i = 0; i < 600; i++)); do
        [ -S "$sock" ] && break
        sleep 0.1
    done
    for cmd in "$@"; do
        /usr/bin/python3 "$qmp_py" "$sock" human-monitor-command \
            "{\"command-line\": \"qemu-io d0 \\\"$cmd\\\"\"}" >/dev/null
    done
    so=$(awk '$6 ~ /rbd-plugin\.so$/ { print $6; exit }' "/proc/$pid/maps")
    if [ -n "$so" ]; then
        sha256sum "$so" | cut -d ' ' -f 1 >"$scratch/$name.sha"
    fi
    /usr/bin/python3 "$qmp_py" "$sock" quit >/dev/null 2>&1
    wait "$pid"
}

built=$(sha256sum "$module" | cut -d ' ' -f 1)
v72=$("$q72/qemu-system-x86_64" --version | head -n 1)
v100=$("$q100/qemu-system-x86_64" --version | head -n 1)
check_contains "build/qemu is QEMU 7.2" "version 7.2" "$v72"
check_contains "build/qemu-10.0 is QEMU 10.0" "version 10.0" "$v100"

run_qemu "$q72" q72 "write -P 0x71 0 1M" "read -P 0x71 0 1M"
sum72=$(cat "$scratch/q72.sha" 2>/dev/null)
echo "# $v72 loaded rbd-plugin.so with sha256 $sum72"
check_equal "QEMU 7.2 loaded build/plugins/rbd-plugin.so" "$built" "$sum72"
check "QEMU 7.2 wrote and read back through the plugin" \
    grep -q "read 1048576/1048576 bytes at offset 0" "$scratch/q72.out"

run_qemu "$q100" q100 "read -P 0x71 0 1M" "write -P 0x72 1M 1M" \
    "read -P 0x72 1M 1M"
sum100=$(cat "$scratch/q100.sha" 2>/dev/null)
echo "# $v100 loaded rbd-plugin.so with sha256 $sum100"
check_equal "QEMU 10.0 loaded build/plugins/rbd-plugin.so" "$built" "$sum100"
check_equal "both QEMUs loaded the same rbd-plugin.so" "$sum72" "$sum100"
check "QEMU 10.0 read what QEMU 7.2 wrote through the plugin" \
    grep -q "read 1048576/1048576 bytes at offset 0" "$scratch/q100.out"
check "QEMU 10.0 wrote and read back through the plugin" \
    grep -q "read 1048576/1048576 bytes at offset 1048576" "$scratch/q100.out"
check_fails "no pattern verification failed in either QEMU" \
    grep -q "Pattern verification failed" "$scratch/q72.out" "$scratch/q100.out"

for q in "$q72" "$q100"; do
    QEMU_IO=$q/qemu-io
    v=$("$QEMU_IO" --version | head -n 1)
    check "${v%% (*}: the in-tree rbd driver reads both patterns" \
        qio -f raw -c 'read -P 0x71 0 1M' -c 'read -P 0x72 1M 1M' \
        "rbd:rbd/shared:conf=$CEPH_CONF"
done
check_equal "the image is unlocked and unwatched after both" "" \
    "$(rbd status shared 2>&1 | grep 'watcher=' || true)"
done_testing
