#!/usr/bin/env bash
# -module PATH preloads a plugin file and makes it available by its name,
# in every QEMU program, even where the plugin path does not lead to it.
. tests/functions.sh
plan 7

disk=$scratch/disk.raw
truncate -s 1M "$disk"
so=$PLUGINS/file-plugin.so
# Nothing on the search path: only -module can bring the plugin in.
export QEMU_BLOCK_PLUGIN_PATH=$scratch/empty

out=$("$QEMU_IO" -f raw -c 'read 0 512' "plugin:file:$disk" 2>&1)
check_contains "without -module the plugin is not found" \
    "block plugin 'file' not found: no file-plugin.so in $scratch/empty:" "$out"

check "qemu-io -module PATH" \
    qio -module "$so" -f raw -c 'write -P 0x7 0 4k' "plugin:file:$disk"
check "qemu-io --module=PATH" \
    qio --module="$so" -f raw -c 'read -P 0x7 0 4k' "plugin:file:$disk"
check "qemu-img --module PATH info" \
    "$QEMU_IMG" info --module "$so" -f raw "plugin:file:$disk"

check "qemu-nbd -module PATH serves the disk" \
    timeout 30 "$QEMU_NBD" -module "$so" -f raw --fork \
        --socket="$scratch/nbd.sock" --pid-file="$scratch/nbd.pid" \
        "plugin:file:$disk"
at_exit 'kill $(cat "$scratch/nbd.pid") 2>/dev/null'
check "...and the served disk reads back" \
    qio -f raw -c 'read -P 0x7 0 4k' "nbd+unix:///?socket=$scratch/nbd.sock"

qmp=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
    '{"execute":"query-named-block-nodes"}' '{"execute":"quit"}' |
    timeout 60 "$QEMU_SYSTEM" -module "$so" -M none -nodefaults \
        -display none -S -qmp stdio \
        -blockdev "driver=plugin,node-name=m0,module=file,filename=$disk" 2>&1)
check_contains "qemu-system-x86_64 -module PATH" '"node-name": "m0"' "$qmp"
done_testing
