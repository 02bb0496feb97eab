#!/usr/bin/env bash
# qemu-img with the file plugin: create (and -o help listing the plugin's
# options), info, a qcow2 image converted into a plugin disk and back, and
# compare.
. tests/functions.sh
plan 8

disk=$scratch/disk.raw
src=$scratch/src.qcow2
back=$scratch/back.qcow2

check "qemu-img create makes a plugin disk" \
    "$QEMU_IMG" create -f raw "plugin:file:$disk" 16M
check_equal "the created file has the requested size" 16777216 \
    "$(stat -c %s "$disk" 2>/dev/null)"

help=$("$QEMU_IMG" create -f raw -o help "plugin:file:$disk" 2>&1)
check_contains "create -o help lists the plugin's declared options" \
    "inject-error" "$help"

info=$("$QEMU_IMG" info -f raw "plugin:file:$disk" 2>&1)
check_contains "qemu-img info reports the virtual size" \
    "virtual size: 16 MiB (16777216 bytes)" "$info"

"$QEMU_IMG" create -q -f qcow2 "$src" 16M
"$QEMU_IO" -f qcow2 -c 'write -P 0x11 0 1M' -c 'write -P 0x22 5M 300k' \
    -c 'write -P 0x33 15M 1M' "$src" > /dev/null

out=$("$QEMU_IMG" convert -p -f qcow2 -O raw "$src" "plugin:file:$disk" 2>&1)
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '100.00/100%'; then
    ok "convert -p from qcow2 into the plugin disk reports progress to 100%"
else
    not_ok "convert -p from qcow2 into the plugin disk reports progress to 100%" "$out"
fi

check "the plugin disk compares equal to the qcow2 source" \
    "$QEMU_IMG" compare -f qcow2 -F raw "$src" "plugin:file:$disk"

check "convert from the plugin disk back into qcow2" \
    "$QEMU_IMG" convert -f raw -O qcow2 "plugin:file:$disk" "$back"

check "the round trip compares equal to the source" \
    "$QEMU_IMG" compare -f qcow2 -F qcow2 "$src" "$back"
done_testing
