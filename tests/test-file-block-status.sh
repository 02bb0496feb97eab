#!/usr/bin/env bash
# Block status in QEMU: qemu-img map of a sparse file through the file
# plugin equals QEMU's own file driver's map of it, however the disk is
# named or cached; a copy skips the holes (it never reads them); the null
# plugin is one zero extent and a 1.0 plugin, without block status, is all
# data.
. tests/functions.sh
plan 12

disk=$scratch/sparse.raw
MiB=1048576
truncate -s 256M "$disk"
# put OFFSET LENGTH (both in 64 KiB units): random data there.
put() {
    dd if=/dev/urandom of="$disk" bs=64K seek="$1" count="$2" conv=notrunc \
        status=none
}
put 48 32                           # [3 MiB, 5 MiB)
put 320 16                          # [20 MiB, 21 MiB)
for ((i = 0; i < 100; i++)); do     # 100 x 64 KiB, 256 KiB apart
    put $((512 + i * 4)) 1
done
put 4080 16                         # the last MiB

# The reference: QEMU's own file driver (file-posix) on the same file.
file_map=$("$QEMU_IMG" map --output=json -f raw "$disk" 2>&1)
[ "$(grep -c '"data": false' <<<"$file_map")" -ge 100 ] ||
    skip_all "the filesystem of $scratch does not keep holes: $file_map"

# extents_of JSON: "start length data|zero" lines of a qemu-img map, for
# maps compared with a fixed answer (QEMU 10.0 adds "compressed").
extents_of() {
    sed -n 's/.*"start": \([0-9]*\), "length": \([0-9]*\),.*"zero": \([a-z]*\), "data": \([a-z]*\).*/\1 \2 \4/p' <<<"$1" |
        sed 's/ true$/ data/; s/ false$/ zero/'
}

# Every field is compared, "offset" included: both drivers map the disk's
# bytes to the same offsets of the node below.
plugin_map=$("$QEMU_IMG" map --output=json -f raw "plugin:file:$disk" 2>&1)
check_equal "qemu-img map of plugin:file:PATH equals the file driver's map" \
    "$file_map" "$plugin_map"
check_contains "...which starts with the 3 MiB hole" \
    '{ "start": 0, "length": 3145728, "depth": 0, "present": true, "zero": true, "data": false' \
    "$plugin_map"
check_equal "...and has the 103 data extents written" 103 \
    "$(grep -c '"data": true' <<<"$plugin_map")"
check_equal "--image-opts driver=plugin,module=file: the same map" \
    "$file_map" \
    "$("$QEMU_IMG" map --output=json --image-opts \
        "driver=plugin,module=file,filename=$disk" 2>&1)"
# O_DIRECT makes the plugin declare 4 KiB units; the holes are whole ones.
check_equal "with cache.direct=on (O_DIRECT): the same map" \
    "$file_map" \
    "$("$QEMU_IMG" map --output=json --image-opts \
        "driver=raw,file.driver=plugin,file.module=file,file.filename=$disk,file.cache.direct=on" 2>&1)"

# A copy: qemu-img would drop zero blocks it has read anyway, so the small
# qcow2 alone proves little; that it never reads a hole proves more.
check "qemu-img convert -O qcow2 of the plugin disk" \
    "$QEMU_IMG" convert -f raw -O qcow2 "plugin:file:$disk" "$scratch/copy.qcow2"
# The first actual-size is the image's (10.0 lists its child's after it).
size=$("$QEMU_IMG" info --output=json "$scratch/copy.qcow2" 2>&1 |
       sed -n 's/.*"actual-size": \([0-9]*\).*/\1/p' | head -n 1)
check "...a qcow2 of ${size:-?} bytes for 10.25 MiB of data in 256 MiB" \
    test "${size:-999999999}" -le $((16 * MiB))
check "...which compares equal to the file" \
    "$QEMU_IMG" compare -f raw -F qcow2 "$disk" "$scratch/copy.qcow2"
# Every read fails here: the first one qemu-img makes must be where the
# first data is, after the hole.
out=$("$QEMU_IMG" convert -O qcow2 --image-opts \
      "driver=raw,file.driver=plugin,file.module=file,file.filename=$disk,file.inject-error=EIO@read" \
      "$scratch/fail.qcow2" 2>&1)
check_contains "with every read failing, convert fails first at the data at 3 MiB" \
    "error while reading at byte 3145728" "$out"
truncate -s 64M "$scratch/empty.raw"
check "...and copies a disk that is one hole without reading at all" \
    "$QEMU_IMG" convert -O qcow2 --image-opts \
    "driver=raw,file.driver=plugin,file.module=file,file.filename=$scratch/empty.raw,file.inject-error=EIO@read" \
    "$scratch/empty.qcow2"

check_equal "null plugin: qemu-img map is one zero extent" \
    "0 1073741824 zero" \
    "$(extents_of "$("$QEMU_IMG" map --output=json -f raw plugin:null:1G 2>&1)")"
check_equal "1.0 plugin without block status: the map is all data" \
    "0 1048576 data" \
    "$(extents_of "$("$QEMU_IMG" map --output=json --image-opts \
        "driver=plugin,module=$build/abi-check/old-ram-plugin.so" 2>&1)")"
done_testing
