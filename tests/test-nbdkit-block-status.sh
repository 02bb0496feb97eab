#!/usr/bin/env bash
# Block status out of process: nbdkit serves a sparse file through the
# nbdkit host and the file plugin, and Debian's stock qemu-img maps it over
# NBD exactly as its own file driver maps the file; a copy reads only the
# data.  The null plugin is one zero extent; a 1.0 plugin, which has no
# block status, still serves and is all data.
. tests/functions.sh
. host/nbdkit/test-helpers.sh
nbdkit_skip_unless_available
plan 18

disk=$scratch/sparse.raw
module=$PLUGINS/file-plugin.so
MiB=1048576
truncate -s 256M "$disk"
# put OFFSET LENGTH (both in 64 KiB units): random data there.
put() {
    dd if=/dev/urandom of="$disk" bs=64K seek="$1" count="$2" conv=notrunc \
        status=none
}
put 48 32                           # [3 MiB, 5 MiB)
put 320 16                          # [20 MiB, 21 MiB)
# 100 pieces of 64 KiB, 256 KiB apart from 32 MiB: more than the 64 extents
# the host asks the plugin for at a time.
for ((i = 0; i < 100; i++)); do
    put $((512 + i * 4)) 1
done
put 4080 16                         # the last MiB
data_bytes=$(((2 + 1 + 1) * MiB + 100 * 65536))

# The file's map through stock qemu-img's own file driver: the reference.
file_map=$("$QEMU_IMG" map --output=json -f raw "$disk" 2>&1)
[ "$(grep -c '"data": false' <<<"$file_map")" -ge 100 ] ||
    skip_all "the filesystem of $scratch does not keep holes: $file_map"

# extents_of JSON: "start length data|zero" lines of a qemu-img map.
extents_of() {
    sed -n 's/.*"start": \([0-9]*\), "length": \([0-9]*\),.*"zero": \([a-z]*\), "data": \([a-z]*\).*/\1 \2 \4/p' <<<"$1" |
        sed 's/ true$/ data/; s/ false$/ zero/'
}
# nbdinfo_extents: the same from nbdinfo --map of $nbd_uri (3 = hole,zero).
nbdinfo_extents() {
    nbdinfo --map "$nbd_uri" 2>&1 |
        awk '{ print $1, $2, ($3 == 3 ? "zero" : $3 == 0 ? "data" : "type" $3) }'
}

if nbdkit_start sparse module="$module" filename="$disk"; then
    ok "nbdkit serves the sparse file through the file plugin"
else
    not_ok "nbdkit serves the sparse file through the file plugin"
    echo "Bail out! nbdkit did not start"
    exit 1
fi
nbd_map=$("$QEMU_IMG" map --output=json -f raw "$nbd_uri" 2>&1)
check_equal "stock qemu-img map over NBD equals its map of the file itself" \
    "$file_map" "$nbd_map"
check_contains "...which starts with a 3 MiB hole" \
    '{ "start": 0, "length": 3145728, "depth": 0, "present": true, "zero": true, "data": false' \
    "$nbd_map"
check_equal "...and has the 103 data extents written" 103 \
    "$(grep -c '"data": true' <<<"$nbd_map")"

# nbdinfo asks for the whole disk at once, without NBD's REQ_ONE: the host
# must cover it by asking the plugin again and again (206 extents).
before=$(grep -c 'extents count=.* req_one=0' "$scratch/sparse.log")
check_equal "nbdinfo --map over NBD lists the file's extents" \
    "$(extents_of "$file_map")" "$(nbdinfo_extents)"
check_equal "...from a single NBD request, which the host answered in full" \
    1 "$(($(grep -c 'extents count=.* req_one=0' "$scratch/sparse.log") - before))"

# A copy reads only what block status calls data (qemu-img would skip
# zeroes it read anyway, so the bytes read are what shows it).
before=$(grep -o 'pread count=[0-9]*' "$scratch/sparse.log" |
         awk -F= '{ s += $2 } END { print s + 0 }')
check "stock qemu-img convert of the export into qcow2" \
    "$QEMU_IMG" convert -f raw -O qcow2 "$nbd_uri" "$scratch/copy.qcow2"
read_bytes=$(($(grep -o 'pread count=[0-9]*' "$scratch/sparse.log" |
                awk -F= '{ s += $2 } END { print s + 0 }') - before))
check "...which read $read_bytes bytes: the $data_bytes of data, not the holes" \
    test "$read_bytes" -ge "$data_bytes" -a "$read_bytes" -le $((data_bytes + MiB))
check "...and the copy compares equal to the file" \
    "$QEMU_IMG" compare -f raw -F qcow2 "$disk" "$scratch/copy.qcow2"
nbdkit_stop

# The source of a copy is opened read-only: block status still works.
nbdkit_start ro -r -- module="$module" filename="$disk"
check_equal "nbdkit -r: the map over NBD still equals the file's" \
    "$file_map" "$("$QEMU_IMG" map --output=json -f raw "$nbd_uri" 2>&1)"
nbdkit_stop

# With cache=none the plugin needs 4 KiB units; the holes are whole ones.
nbdkit_start direct module="$module" filename="$disk" cache=none
check_equal "cache=none: the map over NBD still equals the file's" \
    "$file_map" "$("$QEMU_IMG" map --output=json -f raw "$nbd_uri" 2>&1)"
nbdkit_stop

# The null plugin reads as zeroes: one zero extent over the whole disk.
nbdkit_start null module=null size=1G
check_equal "null plugin: stock qemu-img map is one zero extent" \
    '[{ "start": 0, "length": 1073741824, "depth": 0, "present": true, "zero": true, "data": false, "offset": 0}]' \
    "$("$QEMU_IMG" map --output=json -f raw "$nbd_uri" 2>&1)"
check_equal "null plugin: nbdinfo --map agrees" "0 1073741824 zero" \
    "$(nbdinfo_extents)"
nbdkit_stop

# A 1.0 plugin has no aio_block_status slot at all: the host must not call
# into it, and nbdkit then calls the whole disk data.
nbdkit_start old module="$build/abi-check/old-ram-plugin.so"
check "1.0 plugin without block status: stock qemu-io writes and reads" \
    qio -f raw -c 'write -P 0x5a 4096 8192' -c 'read -P 0x5a 4096 8192' \
        "$nbd_uri"
old_size=$(nbd_info export-size)
check_equal "1.0 plugin without block status: the map is all data" \
    "[{ \"start\": 0, \"length\": $old_size, \"depth\": 0, \"present\": true, \"zero\": false, \"data\": true, \"offset\": 0}]" \
    "$("$QEMU_IMG" map --output=json -f raw "$nbd_uri" 2>&1)"
check "1.0 plugin: nbdkit is still running (it called no missing slot)" \
    kill -0 "$nbdkit_pid"
nbdkit_stop

# A plugin that completes block status with bytes instead of extents (from
# qbp-check's broken plugins): the client gets an I/O error, nbdkit says why.
broken=$build/tests/broken-plugins/status-length-plugin.so
if [ -f "$broken" ]; then
    nbdkit_start broken module="$broken"
    check_contains "bytes for extents: stock qemu-img map gets an I/O error" \
        "Input/output error" \
        "$("$QEMU_IMG" map --output=json -f raw "$nbd_uri" 2>&1)"
    check_contains "...and nbdkit names the plugin and the fault" \
        "block plugin 'status-length' completed a block status with" \
        "$(cat "$scratch/broken.log")"
    nbdkit_stop
else
    ok "# SKIP no $broken"
    ok "# SKIP no $broken"
fi
done_testing
