#!/usr/bin/env bash
# Errors a plugin completes with reach qemu-io as the same errno, and QEMU
# reports them instead of crashing.
. tests/functions.sh
plan 6

disk=$scratch/disk.raw
truncate -s 1M "$disk"

# run_io OPTS CMD: qemu-io on the file plugin with extra options (file.*);
# prints its output and sets $rc to its exit status.
run_io() {
    out=$("$QEMU_IO" --image-opts -c "$2" \
        "driver=raw,file.driver=plugin,file.module=file,file.filename=$disk,$1" 2>&1)
    rc=$?
}

run_io file.inject-error=EIO 'read 0 4k'
check_contains "inject-error=EIO fails a read with EIO" \
    "read failed: Input/output error" "$out"
check_equal "qemu-io exits with status 1, not a signal, after the EIO" 1 "$rc"

run_io file.inject-error=ENOSPC@write 'write -P 0x1 0 4k'
check_contains "inject-error=ENOSPC@write fails a write with ENOSPC" \
    "write failed: No space left on device" "$out"

run_io file.inject-error=ENOSPC@write 'read 0 4k'
check_contains "...while reads still work" "read 4096/4096 bytes" "$out"

run_io file.inject-error=EPERM@read,file.inject-delay=50 'aio_read 0 4k'
check_contains "a delayed error from a worker thread reaches an aio read" \
    "Operation not permitted" "$out"

run_io file.inject-error=EBOGUS 'read 0 4k'
check_contains "a bad inject-error value is refused with a message naming it" \
    "inject-error" "$out"
done_testing
