#!/usr/bin/env bash
# qemu-io on plugin:file: pattern I/O (unaligned, across 1 MiB boundaries),
# readv/writev with several iovecs, discard and write-zeroes; the backing
# file must then hold exactly the expected bytes.
. tests/functions.sh
plan 9

disk=$scratch/disk.raw
expect=$scratch/expect.raw
truncate -s 4M "$disk"
truncate -s 4M "$expect"

# fill OFFSET LENGTH BYTE: write the bytes the test expects into $expect.
fill() {
    python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2]))
f.write(bytes([int(sys.argv[4], 0)]) * int(sys.argv[3]))' "$expect" "$1" "$2" "$3"
}

io() { qio -f raw "$@" "plugin:file:$disk"; }

check "unaligned write and read-back of a pattern" \
    io -c 'write -P 0xa1 1000 70000' -c 'read -P 0xa1 1000 70000'
fill 1000 70000 0xa1

check "write across the 1 MiB boundary reads back" \
    io -c 'write -P 0xb2 1048000 4097' -c 'read -P 0xb2 1048000 4097'
fill 1048000 4097 0xb2

check "writes spanning two 1 MiB boundaries read back" \
    io -c 'write -P 0xc3 1048575 1048579' -c 'read -P 0xc3 1048575 1048579'
fill 1048575 1048579 0xc3

check "writev with four iovecs reads back with readv" \
    io -c 'writev -P 0xd4 3145728 512 4k 1 65535' \
       -c 'readv -P 0xd4 3145728 65535 1 4k 512'
fill 3145728 $((512 + 4096 + 1 + 65535)) 0xd4

check "discard reads back as zeroes" \
    io -c 'discard 1048576 65536' -c 'read -P 0 1048576 65536'
fill 1048576 65536 0

check "write-zeroes reads back as zeroes" \
    io -c 'write -z 2097152 8192' -c 'read -P 0 2097152 8192'
fill 2097152 8192 0

check "write-zeroes with unmap reads back as zeroes" \
    io -c 'write -z -u 3145728 4096' -c 'read -P 0 3145728 4096'
fill 3145728 4096 0

check "a FUA write reads back" \
    io -c 'write -f -P 0xe5 100 300' -c 'read -P 0xe5 100 300'
fill 100 300 0xe5

if out=$(cmp "$expect" "$disk" 2>&1); then
    ok "the backing file holds exactly the expected bytes"
else
    not_ok "the backing file holds exactly the expected bytes" "$out"
fi
done_testing
