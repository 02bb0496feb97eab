#!/usr/bin/env bash
# The plugin sends the OSD the data ops librbd sends, op for op: the same
# qemu-io writes go to twin images, one through the plugin and one through
# QEMU's in-tree driver, and the OSD's record of ops (dump_historic_ops)
# must list the same ops on the same objects in the same order.  That
# covers the allocation hint librbd puts in front of writes to objects
# that may not exist yet (every write without an object map, else the
# first one to an object; all writes with rbd_compression_hint), none
# with rbd_enable_alloc_hint=false, writefull for a whole object, and the
# copy-up ops of clones; the same with those settings stored in the
# cluster (`rbd config image set`, `rbd config pool set`) in librbd's
# order, and changed while a disk is open.  Discard and write-zeroes are left out: there the
# drivers differ on purpose (docs in tests/test-rbd-oracle-default.sh).
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 32
ceph_start

MiB=$((1 << 20))
osd_asok=$CEPH_DIR/run/osd.0.asok
ceph --admin-daemon "$osd_asok" config set osd_op_history_size 100000 >/dev/null
ceph --admin-daemon "$osd_asok" config set osd_op_history_duration 36000 >/dev/null

# data_ops IMAGE: the ops on IMAGE's data objects in the order they came,
# one a line: "OBJECT-NUMBER OPS" (from their descriptions, without snap
# context and flags).  Reads alone are left out: at a keyless open the
# plugin, as QEMU 10.0's in-tree driver, reads the first 8 bytes for a
# LUKS header, which 7.2's in-tree driver does not.
data_ops() {
    local prefix
    prefix=$(rbd_prefix "$1")
    if [ -z "$prefix" ] || [[ $prefix == *failed* ]]; then
        echo "(no block name prefix for $1: '$prefix')"
        return 1
    fi
    ceph --admin-daemon "$osd_asok" dump_historic_ops | "$RBD_PY" -c '
import json, re, sys
prefix = sys.argv[1] + "."
ops = []
for o in json.load(sys.stdin)["ops"]:
    m = re.match(r"osd_op\(client\.\d+\.0:(\d+) \S+ \S+:::(\S+):head \[(.*?)\] snapc",
                 o["description"])
    reads_only = m and all(op.split(" ")[0] in ("read", "sparse-read", "stat")
                           for op in m.group(3).split(","))
    if m and m.group(2).startswith(prefix) and not reads_only:
        ops.append((o["initiated_at"], int(m.group(1)),
                    int(m.group(2)[len(prefix):], 16), m.group(3)))
for _, _, objno, desc in sorted(ops):
    print(objno, desc)' "$prefix"
}

# twins NAME RBD-CREATE-ARGS...: images NAME-plugin and NAME-intree
twins() {
    local name=$1
    shift
    rbd create "$@" "$name-plugin" && rbd create "$@" "$name-intree"
}

# writes NAME QEMU-IO-ARGS...: the same commands through both drivers
writes() {
    local name=$1
    shift
    qio -f raw -t none "$@" "plugin:rbd:rbd/$name-plugin" >/dev/null &&
        qio -f raw -t none "$@" "rbd:rbd/$name-intree" >/dev/null
}

# same_ops DESCRIPTION NAME NEEDLE [SED]: both images got the same data
# ops (after SED on both lists), NEEDLE among them (so that the case shows
# what it is about).  librbd copies up with rbd.sparse_copyup, which leaves
# out the parent's zeroes; the plugin sends the data whole (rbd.copyup).
# QEMU 10.0's in-tree driver reads the first 8 bytes at open, looking for a
# LUKS header for `qemu-img info` (qemu_rbd_encryption_probe): not a write.
same_ops() {
    local norm='s/call rbd\.sparse_copyup in=16b/call rbd.copyup in=9b/'
    local probe='/^0 read 0~8$/d'
    local p t
    p=$(data_ops "$2-plugin" | sed -e "$norm" -e "${4-}")
    t=$(data_ops "$2-intree" | sed -e "$norm" -e "$probe" -e "${4-}")
    if [ "$p" != "$t" ]; then
        not_ok "$1" "plugin:" "$p" "in-tree driver:" "$t"
    elif [[ $t != *"$3"* ]]; then
        not_ok "$1" "expected the ops to include: $3" "$t"
    else
        ok "$1"
    fi
}

hint="set-alloc-hint object_size 4194304 write_size 4194304"
script=(-c 'write -P 1 0 4k' -c 'write -P 2 4k 4k' -c 'write -P 3 4M 8k'
        -c 'write -P 4 8188k 8k' -c 'write -P 5 16M 4M' -c 'write -P 6 16M 4k'
        -c 'writev -P 7 20M 4k 4k')

# No object map: librbd hints every write.
twins lay --size 64M --image-feature layering
check "writes to a layering-only image, through both drivers" writes lay "${script[@]}"
same_ops "layering only: the same data ops, each write behind the hint" lay \
    "$hint,write 4096~4096"
check_contains "a whole object goes as writefull, a vector write as one write" \
    "4 $hint,writefull 0~4194304
4 $hint,write 0~4096
5 $hint,write 0~8192" "$(data_ops lay-plugin)"

# Object map: a hint for the first write to an object only.
twins def --size 64M
check "writes to a default image, through both drivers" writes def "${script[@]}"
same_ops "default features: the same data ops, the hint only for a new object" def \
    "0 write 4096~4096"

# Clones: the first write to an object tries it behind assert_exists
# (stat) and copies up on ENOENT; with an object map that marks it missing
# the copy-up comes at once.  Where the map marks it as existing, librbd
# still guards a write to a clone; the plugin trusts the map (the stat is
# taken out of both lists).
rbd create --size 64M --image-feature layering lparent
qio -f raw -t none -c 'write -P 9 0 12M' "rbd:rbd/lparent" >/dev/null
rbd snap create lparent@s >/dev/null 2>&1 && rbd snap protect lparent@s
rbd create --size 64M dparent
qio -f raw -t none -c 'write -P 9 0 12M' "rbd:rbd/dparent" >/dev/null
rbd snap create dparent@s >/dev/null 2>&1 && rbd snap protect dparent@s
for d in plugin intree; do
    rbd clone --image-feature layering lparent@s "lclone-$d"
    rbd clone dparent@s "dclone-$d"
done
clone_script=(-c 'write -P 1 4k 4k' -c 'write -P 2 8k 4k' -c 'write -P 3 4M 4M')
check "writes to layering-only clones, through both drivers" \
    writes lclone "${clone_script[@]}"
check "writes to default-features clones, through both drivers" \
    writes dclone "${clone_script[@]}"
same_ops "layering-only clone: the same guarded write and copy-up" lclone \
    "0 stat,$hint,write 4096~4096
0 call rbd.copyup in=9b,$hint,write 4096~4096"
same_ops "default-features clone: the same copy-up" dclone \
    "0 call rbd.copyup in=9b,$hint,write 4096~4096" 's/^\([0-9]*\) stat,/\1 /'

# rbd_enable_alloc_hint=false: no hint at all.
ceph config set client rbd_enable_alloc_hint false
twins off --size 64M --image-feature layering
check "writes with rbd_enable_alloc_hint=false" writes off "${script[@]}"
same_ops "rbd_enable_alloc_hint=false: the same data ops" off "0 write 4096~4096"
check_equal "rbd_enable_alloc_hint=false: the plugin sends no hint" "" \
    "$(data_ops off-plugin | grep alloc-hint)"
ceph config rm client rbd_enable_alloc_hint

# A compression hint goes with every write, even to existing objects.
ceph config set client rbd_compression_hint compressible
twins comp --size 64M
check "writes with rbd_compression_hint=compressible" writes comp "${script[@]}"
same_ops "rbd_compression_hint: the same data ops, every write behind the hint" comp \
    "0 $hint,write 4096~4096"
ceph config rm client rbd_compression_hint

# ---- settings stored in the cluster (`rbd config image|pool set`) ----
# librbd's order: the image's override beats the pool's, which beats the
# client's own configuration.  rbd_enable_alloc_hint shows in the ops; the
# OSD's op description leaves out the compression flags, but with them
# every write goes behind the hint.
twins imgoff --size 64M --image-feature layering
for d in plugin intree; do rbd config image set "imgoff-$d" rbd_enable_alloc_hint false; done
check "writes with the image's rbd_enable_alloc_hint=false" writes imgoff "${script[@]}"
same_ops "image setting rbd_enable_alloc_hint=false: the same data ops, no hint" \
    imgoff "0 write 4096~4096"
check_equal "...the plugin sends no hint" "" "$(data_ops imgoff-plugin | grep alloc-hint)"

twins imgcomp --size 64M
for d in plugin intree; do rbd config image set "imgcomp-$d" rbd_compression_hint compressible; done
check "writes with the image's rbd_compression_hint=compressible" writes imgcomp "${script[@]}"
same_ops "image setting rbd_compression_hint: every write behind the hint" imgcomp \
    "0 $hint,write 4096~4096"

# The pool's false beats the client's true; an image's true beats the pool.
rbd config pool set rbd rbd_enable_alloc_hint false
twins pooloff --size 64M --image-feature layering
twins poolimgon --size 64M --image-feature layering
for d in plugin intree; do rbd config image set "poolimgon-$d" rbd_enable_alloc_hint true; done
check "writes under the pool's rbd_enable_alloc_hint=false" writes pooloff "${script[@]}"
same_ops "pool setting false: the same data ops, no hint" pooloff "0 write 4096~4096"
check_equal "...the plugin sends no hint" "" "$(data_ops pooloff-plugin | grep alloc-hint)"
check "writes with the image's true under the pool's false" writes poolimgon "${script[@]}"
same_ops "the image's true beats the pool's false: every write behind the hint" \
    poolimgon "0 $hint,write 4096~4096"
# The pool's true beats the client's false.
ceph config set client rbd_enable_alloc_hint false
rbd config pool set rbd rbd_enable_alloc_hint true
twins poolon --size 64M --image-feature layering
check "writes with the pool's true over the client's false" writes poolon "${script[@]}"
same_ops "the pool's true beats the client's false: every write behind the hint" \
    poolon "0 $hint,write 4096~4096"
ceph config rm client rbd_enable_alloc_hint
rbd config pool rm rbd rbd_enable_alloc_hint

# An override Ceph would not take (the rbd tool checks it; a direct omap
# write does not) is ignored for the client's value, by librbd and the
# plugin alike.
ceph config set client rbd_enable_alloc_hint false
twins badval --size 64M --image-feature layering
for d in plugin intree; do
    rados -p rbd setomapval "rbd_header.$(rbd_info "badval-$d" id | sed 's/^id=//')" \
        metadata_conf_rbd_enable_alloc_hint bogus
done
check "writes with an image setting rbd_enable_alloc_hint=bogus" writes badval "${script[@]}"
same_ops "a bogus image setting gives way to the client's false: no hint" \
    badval "0 write 4096~4096"
check_contains "...and the plugin says so" \
    "rbd: image 'rbd/badval-plugin': ignoring the image's setting rbd_enable_alloc_hint='bogus', which Ceph would not take" \
    "$(qio -f raw -t none -c 'write -P 9 0 4k' plugin:rbd:rbd/badval-plugin 2>&1)"
ceph config rm client rbd_enable_alloc_hint

# An open image takes a changed setting: `rbd config image set` notifies
# its watchers, which read the header and the settings again.  The disk is
# open in qemu-nbd; each driver's next writes lose the hint.
live_hint() {
    local img=$1 file=$2 sock=$scratch/$1.sock pid i found=""
    rbd create --size 64M --image-feature layering "$img"
    "$QEMU_NBD" -f raw -t -k "$sock" --cache=none "$file" 2>"$scratch/$img.nbd.err" &
    pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    /usr/bin/qemu-io -f raw -c "write -P 1 0 4k" "nbd+unix:///?socket=$sock" >/dev/null 2>&1
    rbd config image set "$img" rbd_enable_alloc_hint false
    # The watchers hear of it at once; the refresh takes a moment.
    for i in $(seq 1 100); do
        /usr/bin/qemu-io -f raw -c "write -P 2 $((i * MiB)) 4k" \
            "nbd+unix:///?socket=$sock" >/dev/null 2>&1
        if [ -z "$(data_ops "$img" | sed -n "/^0 /d; \$p" | grep alloc-hint)" ]; then
            found=$i
            break
        fi
        sleep 0.1
    done
    kill "$pid"
    wait "$pid" 2>/dev/null
    printf '%s: first write %s\n' "$(data_ops "$img" | head -n 1)" "${found:-never}" >&2
    [ -n "$found" ]
}
if [ -x "$QEMU_NBD" ]; then
    check "an open disk drops the hint once the image's setting says so (plugin)" \
        live_hint live-plugin plugin:rbd:rbd/live-plugin
    check "...and so does the in-tree driver" live_hint live-intree rbd:rbd/live-intree
else
    ok "an open disk takes a changed setting # SKIP no $QEMU_NBD"
    ok "...and so does the in-tree driver # SKIP no $QEMU_NBD"
fi

# The data is the same, too.
for n in lay def lclone dclone off comp; do
    rbd export "$n-plugin" "$scratch/$n-plugin.raw" >/dev/null 2>&1
    rbd export "$n-intree" "$scratch/$n-intree.raw" >/dev/null 2>&1
done
check "every plugin image equals its in-tree twin" bash -c "
    for n in lay def lclone dclone off comp; do
        cmp $scratch/\$n-plugin.raw $scratch/\$n-intree.raw || exit 1
    done"
done_testing
