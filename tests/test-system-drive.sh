#!/usr/bin/env bash
# qemu-system-x86_64 with -module and a virtio disk on plugin:file: starts,
# and QMP query-block shows the drive.
. tests/functions.sh
plan 3

[ -f /usr/share/seabios/bios-256k.bin ] ||
    skip_all "seabios is not installed (scripts/install-deps.sh installs it)"
disk=$scratch/disk.raw
truncate -s 8M "$disk"
unset QEMU_BLOCK_PLUGIN_PATH

qmp=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
    '{"execute":"query-block"}' '{"execute":"quit"}' |
    timeout 60 "$QEMU_SYSTEM" -L /usr/share/qemu -L /usr/share/seabios -M pc -nodefaults \
        -display none -S -qmp stdio \
        -module "$PLUGINS/file-plugin.so" \
        -drive "file=plugin:file:$disk,if=virtio,format=raw,id=vd0" 2>&1)
check_contains "QMP query-block shows the virtio drive" '"device": "vd0"' "$qmp"
check_contains "...backed by the plugin driver" '"driver\": \"plugin\"' "$qmp"
check_contains "...with the disk's size" '"virtual-size": 8388608' "$qmp"
done_testing
