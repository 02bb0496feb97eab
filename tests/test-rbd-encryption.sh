#!/usr/bin/env bash
# Images encrypted as librbd encrypts them (`rbd encryption format`,
# QEMU's encrypt.format=luks|luks2 with encrypt.key-secret): the plugin and
# QEMU's in-tree driver (librbd) read what the other wrote, on images the
# rbd tool formatted, on images either driver created with qemu-img, and
# on a clone of an encrypted image; the OSDs hold ciphertext; the disk is
# the image less its LUKS header; qemu-img info names the format as the
# in-tree driver does; and what is wrong is said, never the passphrase.  Each open runs the header's PBKDF (about 2 s).
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 39
ceph_start

pass=$scratch/pass
printf 'open sesame, 7' > "$pass"
printf 'not the passphrase' > "$scratch/wrong"
secret="secret,id=s0,file=$pass"

plugin_opts() { echo "driver=plugin,module=rbd,pool=rbd,image=$1,conf=$CEPH_CONF,encrypt.format=$2,encrypt.key-secret=s0"; }
intree_opts() { echo "driver=rbd,pool=rbd,image=$1,conf=$CEPH_CONF,encrypt.format=$2,encrypt.key-secret=s0"; }
# pio IMAGE FORMAT COMMAND...: qemu-io commands on the plugin's disk;
# iio the same through the in-tree driver.
pio() {
    local img=$1 fmt=$2
    shift 2
    qio --object "$secret" --image-opts "$(plugin_opts "$img" "$fmt")" "$@"
}
iio() {
    local img=$1 fmt=$2
    shift 2
    qio --object "$secret" --image-opts "$(intree_opts "$img" "$fmt")" "$@"
}
disk_length() { "$QEMU_IO" --object "$secret" --image-opts "$1" -c length 2>&1; }
raw_at() {  # raw_at IMAGE OFFSET LENGTH: hex of the raw image's bytes
    rm -f "$scratch/raw"
    rbd export --no-progress "$1" "$scratch/raw" >/dev/null 2>&1 &&
        od -An -tx1 -v -j "$2" -N "$3" "$scratch/raw" | tr -d ' \n'
}
# ciphertext_at IMAGE OFFSET BYTE: the raw image's 4 KiB at OFFSET were
# read and are not BYTE (hex) over and over.
ciphertext_at() {
    local hex
    hex=$(raw_at "$1" "$2" 4096)
    [ "${#hex}" -eq 8192 ] && ! grep -qE "^($3)+\$" <<<"$hex"
}

# --- LUKS2 formatted by the rbd tool: each driver reads the other's writes
rbd create --size 64M e2
rbd encryption format e2 luks2 "$pass"
check "in-tree driver writes to an rbd-formatted LUKS2 image" \
    iio e2 luks2 -c 'write -P 0x21 0 64k' -c 'write -P 0x22 100 1000'
check "the plugin reads them, unaligned ones included" \
    pio e2 luks2 -c 'read -P 0x21 0 100' -c 'read -P 0x22 100 1000' \
    -c 'read -P 0x21 1100 64436'
check "the plugin writes, whole 4 KiB units and a partial one" \
    pio e2 luks2 -c 'write -P 0x31 8M 1M' -c 'write -P 0x32 12583212 5000'
check "the in-tree driver reads the plugin's writes" \
    iio e2 luks2 -c 'read -P 0x31 8M 1M' -c 'read -P 0x32 12583212 5000' \
    -c 'read -P 0 12M 300'
check_equal "the disk is the image less LUKS2's 16 MiB, through the plugin" \
    "48 MiB" "$(disk_length "$(plugin_opts e2 luks2)")"
check_equal "and through the in-tree driver" \
    "48 MiB" "$(disk_length "$(intree_opts e2 luks2)")"
check_equal "the image starts with the LUKS2 magic" "4c554b53babe0002" \
    "$(raw_at e2 0 8)"
data=$((16 << 20))
check "the OSDs hold ciphertext, not the plugin's plaintext" \
    ciphertext_at e2 $((data + (8 << 20))) 31

# -blockdev's form: the options under "options", encrypt as a dictionary
json="json:{\"driver\": \"plugin\", \"module\": \"rbd\", \"options\": {\"pool\": \"rbd\", \"image\": \"e2\", \"conf\": \"$CEPH_CONF\", \"encrypt\": {\"format\": \"luks2\", \"key-secret\": \"s0\"}}}"
check "the options nested as -blockdev gives them (options.encrypt.format)" \
    qio --object "$secret" -c 'read -P 0x31 8M 1M' "$json"

# --- write-zeroes and discard on an encrypted disk
check "the plugin zeroes a range (as encrypted zeroes)" \
    pio e2 luks2 -c 'write -z 8M 64k' -c 'discard 8454144 64k'
check "the in-tree driver reads zeroes there; discard left the data" \
    iio e2 luks2 -c 'read -P 0 8M 64k' -c 'read -P 0x31 8454144 960k'
check "the zeroes are ciphertext on the OSDs too" \
    ciphertext_at e2 $((data + (8 << 20))) 00

# --- LUKS1 formatted by the rbd tool
rbd create --size 32M e1
rbd encryption format e1 luks1 "$pass"
check "the plugin writes to an rbd-formatted LUKS1 image (512-byte units)" \
    pio e1 luks -c 'write -P 0x41 512 1536' -c 'write -P 0x42 1048586 20'
check "the in-tree driver reads them" \
    iio e1 luks -c 'read -P 0x41 512 1536' -c 'read -P 0x42 1048586 20'
check_equal "the LUKS1 disk is the image less 4 MiB, through the plugin" \
    "28 MiB" "$(disk_length "$(plugin_opts e1 luks)")"

# --- qemu-img create, each driver opening the other's
check "qemu-img create through the plugin: LUKS2, aes-128" \
    "$QEMU_IMG" create -f raw --object "$secret" \
    -o encrypt.format=luks2,encrypt.key-secret=s0,encrypt.cipher-alg=aes-128 \
    "plugin:rbd:rbd/c2:conf=$CEPH_CONF" 40M
check_equal "the image holds the 40 MiB disk after its 16 MiB header" \
    "size=$(((40 + 16) << 20))" "$(rbd_info c2 size)"
rbd export --no-progress c2 "$scratch/c2.raw" >/dev/null 2>&1
check "cryptsetup reads librbd's cipher, unit and a 256-bit XTS key" \
    eval 'cryptsetup luksDump "$scratch/c2.raw" >"$scratch/dump" 2>&1 &&
          grep -qE "cipher: +aes-xts-plain64" "$scratch/dump" &&
          grep -qE "sector: +4096" "$scratch/dump" &&
          grep -qE "Cipher key: +256 bits" "$scratch/dump"' 
check "the plugin writes to it" pio c2 luks2 -c 'write -P 0x51 0 40M'
check "the in-tree driver reads it" iio c2 luks2 -c 'read -P 0x51 0 40M'
check "qemu-img create through the in-tree driver: LUKS1" \
    "$QEMU_IMG" create -f raw --object "$secret" \
    -o encrypt.format=luks,encrypt.key-secret=s0 "rbd:rbd/c1:conf=$CEPH_CONF" 20M
check "the in-tree driver writes, the plugin reads" \
    eval 'iio c1 luks -c "write -P 0x61 0 20M" >/dev/null &&
          pio c1 luks -c "read -P 0x61 0 20M" -c "length"'
# -drive's form, in qemu-system-x86_64: the protocol node's options
out=$(printf '%s\n' 'qemu-io d0 "read -P 0x61 0 20M"' 'qemu-io d0 "length"' quit |
      timeout 120 "$QEMU_SYSTEM" -S -nodefaults -display none -M none \
      --object "$secret" -monitor stdio -drive \
      "if=none,id=d0,format=raw,file=plugin:rbd:rbd/c1:conf=$CEPH_CONF,file.encrypt.format=luks,file.encrypt.key-secret=s0" 2>&1)
check_contains "-drive file.encrypt.*: qemu-system-x86_64 reads the clear data" \
    "read 20971520/20971520 bytes at offset 0" "$out"
check_contains "and sees the disk's size" $'\n20 MiB' "$out"

# QEMU's own luks format probes LUKS1 headers (not LUKS2), through either
# driver.
info=$("$QEMU_IMG" info "plugin:rbd:rbd/c1:conf=$CEPH_CONF" 2>&1)
check_contains "qemu-img info on a LUKS1 image through the plugin says LUKS" \
    "file format: luks" "$info"
check_contains "and the disk's size" "virtual size: 20 MiB" "$info"

# --- qemu-img info's "encryption format", as the in-tree driver says it:
# the format a disk was opened with, or the header found at the start of
# one opened without a key.  spec OPTS: the format-specific data in JSON.
spec() {
    "$QEMU_IMG" info --output=json --object "$secret" --image-opts "$1" 2>&1 |
        python3 -c 'import json, sys
spec = json.load(sys.stdin).get("format-specific") or {}
print(json.dumps(spec.get("data") or None))' 2>&1
}
plain_opts() { echo "driver=$1,pool=rbd,image=$2,conf=$CEPH_CONF"; }
# specs DRIVER: the data for e2 (LUKS2), c1 (LUKS1) and plain0, keyless.
specs() {
    echo "$(spec "$(plain_opts "$1" e2)") $(spec "$(plain_opts "$1" c1)")" \
         "$(spec "$(plain_opts "$1" plain0)")"
}
rbd create --size 8M plain0
out=$("$QEMU_IMG" info --object "$secret" --image-opts "$(plugin_opts e2 luks2)" 2>&1)
check_contains "qemu-img info of a disk opened with its key shows the format" \
    $'Format specific information:\n    encryption format: luks2' "$out"
plugin_specs=$(specs plugin,module=rbd)
check_equal "and without the key, from the header: luks2, luks, none" \
    '{"encryption-format": "luks2"} {"encryption-format": "luks"} null' \
    "$plugin_specs"
check_equal "the in-tree driver says the same of them" \
    "$plugin_specs" "$(specs rbd)"

# --- a clone of an encrypted image: the parent's ciphertext, the same key
rbd snap create e2@s >/dev/null 2>&1
rbd snap protect e2@s >/dev/null 2>&1
rbd clone e2@s cl >/dev/null 2>&1
check "the plugin reads the parent's data through a clone" \
    pio cl luks2 -c 'read -P 0x31 8454144 960k' -c 'read -P 0x21 1100 1000'
check "the plugin writes to the clone (a copy-up of ciphertext)" \
    pio cl luks2 -c 'write -P 0x71 8519680 4k'
check "the in-tree driver reads the clone's write and the parent around it" \
    iio cl luks2 -c 'read -P 0x71 8519680 4k' -c 'read -P 0x31 8523776 892k' \
    -c 'read -P 0x31 8454144 64k'
check "the parent is unchanged" iio e2 luks2 -c 'read -P 0x31 8454144 960k'

# --- what is wrong is said, and the passphrase never
out=$("$QEMU_IO" --object "secret,id=s0,file=$scratch/wrong" --image-opts \
      "$(plugin_opts e2 luks2)" -c length 2>&1)
check_contains "a wrong passphrase is said" \
    "the passphrase opens no key slot of the LUKS header" "$out"
check_fails "the message does not hold the passphrase" \
    grep -qF 'not the passphrase' <<<"$out"
check_fails_with "the other LUKS version is named" \
    "qemu-io: can't open: rbd: cannot open encrypted image 'rbd/e2' with secret 's0': the image's header is LUKS2, not LUKS1: use encrypt.format=luks2" \
    "$QEMU_IO" --object "$secret" --image-opts "$(plugin_opts e2 luks)" -c length
rbd create --size 8M plain
check_fails_with "an image with no LUKS header is named" \
    "qemu-io: can't open: rbd: cannot open encrypted image 'rbd/plain' with secret 's0': no LUKS header at the start of the image (was it formatted with \`rbd encryption format\`?)" \
    "$QEMU_IO" --object "$secret" --image-opts "$(plugin_opts plain luks)" -c length
# An image shrunk below its header's data offset (4 MiB for LUKS1).
rbd create --size 8M short
rbd encryption format short luks1 "$pass"
rbd resize --no-progress --allow-shrink --size 2M short >/dev/null 2>&1
check_contains "an image shorter than its header's data offset says both" \
    "is smaller (2097152 bytes) than its LUKS header says its data starts (4194304)" \
    "$(disk_length "$(plugin_opts short luks)")"
# A LUKS header with a cipher librbd does not use (made by cryptsetup with
# a quick PBKDF), imported as an image.
truncate -s 8M "$scratch/cbc"
cryptsetup luksFormat -q --type luks1 --cipher aes-cbc-essiv:sha256 \
    --pbkdf-force-iterations 1000 "$scratch/cbc" "$pass" >/dev/null 2>&1
rbd import --no-progress "$scratch/cbc" cbc >/dev/null 2>&1
check_contains "a cipher librbd does not use is named" \
    "cipher aes-cbc-essiv:sha256 is not supported" \
    "$(disk_length "$(plugin_opts cbc luks)")"

done_testing
