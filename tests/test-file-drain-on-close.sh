#!/usr/bin/env bash
# Requests still in flight when qemu-io exits are finished before the plugin
# is closed: slow aio writes issued last still reach the file.
. tests/functions.sh
plan 2

disk=$scratch/disk.raw
truncate -s 1M "$disk"
out=$("$QEMU_IO" --image-opts \
    -c 'aio_write -P 0x61 0 64k' -c 'aio_write -P 0x62 64k 64k' \
    "driver=raw,file.driver=plugin,file.module=file,file.filename=$disk,file.inject-delay=300" 2>&1)
check_contains "qemu-io reports the second slow write complete" \
    "wrote 65536/65536 bytes at offset 65536" "$out"
expected=$( { head -c 65536 /dev/zero | tr '\0' 'a'; head -c 65536 /dev/zero | tr '\0' 'b'; } | md5sum)
check_equal "both writes reached the file" "$expected" \
    "$(head -c 131072 "$disk" | md5sum)"
done_testing
