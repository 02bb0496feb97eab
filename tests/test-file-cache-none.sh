#!/usr/bin/env bash
# With cache=none the file plugin uses O_DIRECT and declares a 4 KiB request
# alignment; QEMU must honour it, so unaligned guest I/O still works.
. tests/functions.sh
plan 3

# O_DIRECT needs a real file system; /tmp may be tmpfs.
dir=$(mktemp -d "$build/tmp-cache-none.XXXXXX")
at_exit 'rm -rf "$dir"'
disk=$dir/disk.raw
truncate -s 1M "$disk"

check "unaligned write and read with -t none" \
    qio -t none -f raw -c 'write -P 0x3c 1000 3000' -c 'read -P 0x3c 1000 3000' \
        "plugin:file:$disk"
check "the bytes around the write are untouched" \
    qio -t none -f raw -c 'read -P 0 0 1000' -c 'read -P 0 4000 4096' \
        "plugin:file:$disk"
check_equal "the file holds the write at the unaligned offset" \
    "$(head -c 3000 /dev/zero | tr '\0' '<' | md5sum)" \
    "$(tail -c +1001 "$disk" | head -c 3000 | md5sum)"
done_testing
