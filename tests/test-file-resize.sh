#!/usr/bin/env bash
# qemu-img resize grows and shrinks a plugin disk through its truncate
# callback.
. tests/functions.sh
plan 4

disk=$scratch/disk.raw
truncate -s 1M "$disk"
check "qemu-img resize grows the disk" \
    "$QEMU_IMG" resize -f raw "plugin:file:$disk" 3M
check_equal "the file is 3 MiB" 3145728 "$(stat -c %s "$disk")"
check "qemu-img resize --shrink shrinks it" \
    "$QEMU_IMG" resize -f raw --shrink "plugin:file:$disk" 512k
check_equal "the file is 512 KiB" 524288 "$(stat -c %s "$disk")"
done_testing
