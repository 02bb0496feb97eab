#!/usr/bin/env bash
# The file plugin out of process: nbdkit serves build/plugins/file-plugin.so
# through the nbdkit host, and Debian's stock qemu-img and qemu-io reach it
# over nbd+unix://.  The backing file must then hold exactly what they
# wrote (cmp); the export advertises what the plugin can do, and the
# plugin's thread model and option checks carry over.
. tests/functions.sh
. host/nbdkit/test-helpers.sh
nbdkit_skip_unless_available
plan 27

disk=$scratch/disk.raw
expect=$scratch/expect.raw
truncate -s 16M "$disk" "$expect"
module=$PLUGINS/file-plugin.so

# fill OFFSET LENGTH BYTE: write the bytes the test expects into $expect.
fill() {
    python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2]))
f.write(bytes([int(sys.argv[4], 0)]) * int(sys.argv[3]))' "$expect" "$1" "$2" "$3"
}

if nbdkit_start file module="$module" filename="$disk"; then
    ok "nbdkit serves the file plugin (module=PATH)"
else
    not_ok "nbdkit serves the file plugin (module=PATH)"
    echo "Bail out! nbdkit did not start"
    exit 1
fi
io() { qio -f raw "$@" "$nbd_uri"; }

check_contains "stock qemu-img info sees the 16 MiB disk" "virtual size: 16 MiB" \
    "$("$QEMU_IMG" info -f raw "$nbd_uri" 2>&1)"
check "stock qemu-io: unaligned write and read-back of a pattern" \
    io -c 'write -P 0xa1 1000 70000' -c 'read -P 0xa1 1000 70000'
fill 1000 70000 0xa1
check "stock qemu-io: writev with four iovecs reads back with readv" \
    io -c 'writev -P 0xd4 3145728 512 4k 1 65535' \
       -c 'readv -P 0xd4 3145728 65535 1 4k 512'
fill 3145728 $((512 + 4096 + 1 + 65535)) 0xd4
check "stock qemu-io: a 5 MiB write across 1 MiB boundaries reads back" \
    io -c 'write -P 0xc3 5242879 5242881' -c 'read -P 0xc3 5242879 5242881'
fill 5242879 5242881 0xc3
check "stock qemu-io: write-zeroes reads back as zeroes" \
    io -c 'write -z 6291456 8192' -c 'read -P 0 6291456 8192'
fill 6291456 8192 0
check "stock qemu-io: write-zeroes with unmap reads back as zeroes" \
    io -c 'write -z -u 7340032 65536' -c 'read -P 0 7340032 65536'
fill 7340032 65536 0
check "stock qemu-io: discard reads back as zeroes" \
    io -c 'discard 8388608 65536' -c 'read -P 0 8388608 65536'
fill 8388608 65536 0
check "stock qemu-io: a FUA write and a flush" \
    io -c 'write -f -P 0xe5 100 300' -c 'flush' -c 'read -P 0xe5 100 300'
fill 100 300 0xe5

head -c 2M /dev/urandom >"$scratch/random.bin"
check "stock qemu-img convert writes a file into the export" \
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/random.bin" "$nbd_uri"
dd if="$scratch/random.bin" of="$expect" conv=notrunc status=none
check "stock qemu-img convert reads the whole export back as expected" \
    sh -c '"$0" convert -f raw -O raw "$1" "$2" && cmp "$2" "$3"' \
    "$QEMU_IMG" "$nbd_uri" "$scratch/readback.raw" "$expect"

# The capabilities nbdkit advertises are the plugin's.
check_equal "the export is writable" false "$(nbd_info is_read_only)"
check_equal "...can flush" true "$(nbd_info can_flush)"
check_equal "...can trim (the plugin's discard)" true "$(nbd_info can_trim)"
check_equal "...can zero (the plugin's write-zeroes)" true "$(nbd_info can_zero)"
check_equal "...has FUA (the plugin's)" true "$(nbd_info can_fua)"
check_contains "nbdkit runs the parallel plugin with the parallel thread model" \
    "using thread model: parallel" "$(cat "$scratch/file.log")"
nbdkit_stop

if out=$(cmp "$expect" "$disk" 2>&1); then
    ok "cmp: the backing file holds exactly what the stock tools wrote"
else
    not_ok "cmp: the backing file holds exactly what the stock tools wrote" "$out"
fi

# Read-only: nbdkit -r opens the plugin read-only; writes are refused.  The
# plugin is named as nbdkit's magic first argument this time, and found on
# $QEMU_BLOCK_PLUGIN_PATH like QEMU finds it.
nbdkit_start ro -r -- file filename="$disk"
check_equal "nbdkit -r with the plugin by name: the export is read-only" \
    true "$(nbd_info is_read_only)"
check_fails "nbdkit -r: a stock qemu-io write fails" io -c 'write -P 1 0 4k'
nbdkit_stop
if out=$(cmp "$expect" "$disk" 2>&1); then
    ok "nbdkit -r: the backing file is unchanged"
else
    not_ok "nbdkit -r: the backing file is unchanged" "$out"
fi

# cache=none opens the disk as QEMU's cache=none does: the file plugin uses
# O_DIRECT and asks for 4 KiB requests and memory, which the export
# advertises and the host keeps to (nbdkit's buffers are not aligned).
direct=$scratch/direct.raw
truncate -s 16M "$direct"
cp "$direct" "$scratch/direct-expect.raw"
nbdkit_start direct module="$module" filename="$direct" cache=none
check_equal "cache=none: the export's minimum block size is O_DIRECT's 4096" \
    4096 "$(nbd_info block_size_minimum)"
check "cache=none: stock qemu-io writes unaligned ranges and reads them back" \
    qio -f raw -c 'write -P 0x77 1000 70000' -c 'write -P 0x78 1048575 3000000' \
        -c 'read -P 0x77 1000 70000' -c 'read -P 0x78 1048575 3000000' "$nbd_uri"
nbdkit_stop
expect=$scratch/direct-expect.raw
fill 1000 70000 0x77
fill 1048575 3000000 0x78
if out=$(cmp "$expect" "$direct" 2>&1); then
    ok "cache=none: cmp: the file holds exactly what was written"
else
    not_ok "cache=none: cmp: the file holds exactly what was written" "$out"
fi

# A plugin that takes one request at a time per disk gets nbdkit's
# matching model; the host never runs a plugin looser than it declares.
check_contains "a serialize_requests plugin runs serialize_requests" \
    "thread_model=serialize_requests" \
    "$(nbdkit "$NBDKIT_HOST" --dump-plugin module="$build/abi-check/old-ram-plugin.so" 2>&1)"

# Options are the plugin's, checked by the loader like in QEMU.
out=$(nbdkit -f --unix "$scratch/bad.sock" "$NBDKIT_HOST" module="$module" \
      filename="$disk" colour=blue 2>&1)
check_contains "an option the plugin does not declare is refused" \
    "colour" "$out"
out=$(nbdkit -f --unix "$scratch/bad.sock" "$NBDKIT_HOST" module="$module" 2>&1)
check_contains "a missing required option is refused by name" "filename" "$out"
done_testing
