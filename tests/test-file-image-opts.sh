#!/usr/bin/env bash
# The plugin driver by options rather than filename: qemu-io --image-opts
# and qemu-system-x86_64 -blockdev (through QMP and HMP's qemu-io).
. tests/functions.sh
plan 4

disk=$scratch/disk.raw
truncate -s 1M "$disk"

check "qemu-io --image-opts driver=plugin,module=file,filename=..." \
    qio --image-opts -c 'write -P 0x42 4096 8192' -c 'read -P 0x42 4096 8192' \
        "driver=plugin,module=file,filename=$disk"

check "the data landed in the file" \
    cmp -n 8192 -i 4096:0 "$disk" <(head -c 8192 /dev/zero | tr '\0' 'B')

qmp=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
    '{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io d0 \"write -P 0x43 0 4096\""}}' \
    '{"execute":"query-named-block-nodes"}' '{"execute":"quit"}' |
    timeout 60 "$QEMU_SYSTEM" -M none -nodefaults -display none -S \
        -blockdev "driver=plugin,node-name=d0,module=file,filename=$disk" \
        -qmp stdio 2>&1)
check_contains "-blockdev driver=plugin,... shows up as a node" \
    '"node-name": "d0"' "$qmp"
check "a write through that node landed in the file" \
    cmp -n 4096 "$disk" <(head -c 4096 /dev/zero | tr '\0' 'C')
done_testing
