#!/usr/bin/env bash
# The isolation users choose the out-of-process mode for: killing nbdkit
# (and the plugin with it) during I/O makes Debian's stock qemu-io and
# qemu-img report I/O errors, and neither crashes: each exits with a status
# of its own, not by a signal.
. tests/functions.sh
. host/nbdkit/test-helpers.sh
nbdkit_skip_unless_available
plan 10

disk=$scratch/disk.raw
head -c 32M /dev/urandom >"$disk"
# serve NAME [PLUGIN-OPTIONS...]: inject-delay keeps every request in the
# plugin for a while, so that the kill lands while the clients still have
# requests to make, however slow the machine.
serve() {
    nbdkit_start "$@" module="$PLUGINS/file-plugin.so" filename="$disk" || {
        echo "Bail out! nbdkit did not start"
        exit 1
    }
}

# requests_seen LOG: how many reads and writes nbdkit has passed on (-v).
requests_seen() {
    grep -cE 'debug: .*(pread|pwrite) count=' "$1" || true
}

# kill_after N LOG: once nbdkit has passed on N requests, SIGKILL it.
kill_after() {
    local i
    for ((i = 0; i < NBDKIT_TIMEOUT * 10; i++)); do
        [ "$(requests_seen "$2")" -ge "$1" ] && break
        sleep 0.1
    done
    kill -KILL "$nbdkit_pid"
    wait "$nbdkit_pid" 2>/dev/null
}

# ---- writes: qemu-io with 400 writes of 64 KiB, 50 ms each (one after
# another: 20 s in all), nbdkit killed after 5 ----
serve writer inject-delay=50
cmds=()
for ((i = 0; i < 400; i++)); do
    cmds+=(-c "write -P 0x33 $((i * 65536)) 64k")
done
timeout -k 10 "$NBDKIT_TIMEOUT" "$QEMU_IO" -f raw "${cmds[@]}" "$nbd_uri" \
    >"$scratch/qemu-io.out" 2>&1 &
client=$!
kill_after 5 "$scratch/writer.log"
rc=0
wait "$client" || rc=$?
out=$(cat "$scratch/qemu-io.out")
echo "# qemu-io exit status $rc; $(grep -c '^wrote' <<<"$out") writes done"
check "writes: some went through before the kill" grep -q '^wrote' "$scratch/qemu-io.out"
check_contains "writes: qemu-io reports the I/O errors after it" \
    "write failed: Input/output error" "$out"
check "writes: qemu-io was not killed by a signal (status $rc)" test "$rc" -lt 128
check_fails "writes: ...and did not crash" grep -qiE 'abort|segmentation|core dumped|assert' \
    "$scratch/qemu-io.out"
check "writes: the kill came before qemu-io's last write" \
    test "$(grep -c '^wrote' "$scratch/qemu-io.out")" -lt 400

# ---- reads: qemu-img convert of the 32 MiB export, one request at a time
# in the plugin (workers=1), 200 ms each, nbdkit killed after 2 ----
serve reader inject-delay=200 workers=1
rc=0
timeout -k 10 "$NBDKIT_TIMEOUT" "$QEMU_IMG" convert -f raw -O raw "$nbd_uri" \
    "$scratch/copy.raw" >"$scratch/convert.out" 2>&1 &
client=$!
kill_after 2 "$scratch/reader.log"
wait "$client" || rc=$?
out=$(cat "$scratch/convert.out")
echo "# qemu-img exit status $rc"
printf '%s\n' "$out" | sed 's/^/# qemu-img: /'
check_contains "reads: qemu-img convert reports the error" "error while reading" "$out"
check_equal "reads: qemu-img convert fails with status 1, not a signal" 1 "$rc"
check_fails "reads: ...and did not crash" grep -qiE 'abort|segmentation|core dumped|assert' \
    "$scratch/convert.out"
check_fails "reads: the copy is not complete" cmp -s "$disk" "$scratch/copy.raw"

# The host side is unharmed: a new nbdkit serves the same file at once.
serve again
check "a new nbdkit serves the disk again after the kill" \
    "$QEMU_IO" -f raw -c 'read 0 64k' "$nbd_uri"
done_testing
