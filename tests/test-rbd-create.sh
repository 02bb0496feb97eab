#!/usr/bin/env bash
# qemu-img create through the plugin makes images that Ceph's tools and
# QEMU's in-tree driver use normally: `rbd info` shows the size, order,
# features, striping and data pool asked for; `rbd export`, `rbd bench`,
# `rbd snap create` and `rbd rm` work on them; and the data objects go where
# librbd puts them (the data pool, when there is one).  Images with a data
# pool made by `rbd create` are written correctly by the plugin too.
# Without a features option the image gets what a plain `rbd create` gives:
# Ceph's rbd_default_features (0x3d: layering, exclusive-lock, object-map,
# fast-diff, deep-flatten, unless set otherwise), with the object map made
# byte for byte as librbd makes it; `features=` still chooses by name.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 44
ceph_start

ceph osd pool create data 8 >/dev/null 2>&1
rbd pool init data >/dev/null 2>&1
fields=(size order object_size features stripe_unit stripe_count data_pool)
zeros() { head -c "$1" /dev/zero; }
defaults=layering,exclusive-lock,object-map,fast-diff,deep-flatten
# objmap_state IMAGE: its flags after `rbd object-map check` (which only
# reports by flagging the map invalid): "flags=" when the map is right.
objmap_state() {
    local out
    out=$(rbd object-map check --no-progress "$1" 2>&1) || echo "(rbd object-map check failed: $out)"
    rbd_info "$1" flags
}
# objmap_bytes IMAGE: the image's object map object, in hex.
objmap_bytes() {
    ceph_out rados -p rbd get "rbd_object_map.$(rbd_info "$1" id | sed 's/^id=//')" - |
        xxd -p | tr -d '\n'
}

# --- defaults: 4 MiB objects, Ceph's default features, no striping ---------
check "qemu-img create with no options" \
    "$QEMU_IMG" create -f raw plugin:rbd:rbd/d1 100M
check_equal "rbd info: 100 MiB, order 22, Ceph's default features (0x3d), as rbd create" \
    "size=104857600 order=22 object_size=4194304 features=$defaults stripe_unit= stripe_count= data_pool=" \
    "$(rbd_info d1 "${fields[@]}")"
rbd create --size 100M r1
check_equal "...the same as a plain 'rbd create' (no flags set)" \
    "$(rbd_info r1 features op_features flags) objects=$(rbd_info r1 objects)" \
    "$(rbd_info d1 features op_features flags) objects=$(rbd_info d1 objects)"
check_equal "its object map object is the one rbd create makes, byte for byte" \
    "$(objmap_bytes r1)" "$(objmap_bytes d1)"
check_equal "rbd object-map check finds it right" "flags=" "$(objmap_state d1)"
check_equal "qemu-img info through the plugin sees the size" \
    "virtual size: 100 MiB (104857600 bytes)" \
    "$("$QEMU_IMG" info -f raw plugin:rbd:rbd/d1 | grep '^virtual size')"
zeros 104857600 >"$scratch/z100"
check_export "rbd export of the new image gives 100 MiB of zeroes" rbd/d1 "$scratch/z100"
check "the plugin writes into it, across objects" \
    qio -f raw -c "write -P 0x5a 4000000 500000" plugin:rbd:rbd/d1
check_equal "rbd diff lists the two objects written; the map is still right" \
    "0 4194304 data|4194304 4194304 data|flags=" \
    "$(rbd diff --whole-object d1 | tail -n +2 | awk '{print $1, $2, $3}' | paste -sd '|')|$(objmap_state d1)"

# --- features by name ------------------------------------------------------
check "qemu-img create -o features=layering" \
    "$QEMU_IMG" create -f raw -o features=layering plugin:rbd:rbd/l1 16M
check_equal "rbd info: features 'layering' alone, and no object map object" \
    "features=layering flags= | no map" \
    "$(rbd_info l1 features flags) | $(rados -p rbd stat "rbd_object_map.$(rbd_info l1 id | sed 's/^id=//')" >/dev/null 2>&1 && echo map || echo no map)"
check "qemu-img create -o features=layering+exclusive-lock" \
    "$QEMU_IMG" create -f raw -o features=layering+exclusive-lock plugin:rbd:rbd/l2 16M
check_equal "rbd info: layering and exclusive-lock" \
    "features=layering,exclusive-lock" "$(rbd_info l2 features)"
# Ceph's rbd_default_features decides, as it does for `rbd create`.
check "qemu-img create with the Ceph setting rbd_default_features=5" \
    "$QEMU_IMG" create -f raw plugin:rbd:rbd/c5:rbd_default_features=5 16M
check_equal "rbd info: layering and exclusive-lock, as rbd create with that setting" \
    "features=layering,exclusive-lock | features=layering,exclusive-lock" \
    "$(rbd_info c5 features) | $(rbd create --rbd-default-features 5 --size 16M r5 && rbd_info r5 features)"
check_fails_with "a default naming a feature the plugin cannot write is refused clearly" \
    "qemu-img: plugin:rbd:rbd/c69:rbd_default_features=69: rbd: cannot create image 'c69' with features the plugin cannot write yet: journaling (from Ceph's rbd_default_features; give the features option)" \
    "$QEMU_IMG" create -q -f raw plugin:rbd:rbd/c69:rbd_default_features=69 16M
# The pool's setting (`rbd config pool set`) beats the client's own, as
# librbd applies it on create: the in-tree driver is the oracle.
rbd config pool set rbd rbd_default_features 5
check "qemu-img create under the pool's rbd_default_features=5, client's 61, both drivers" \
    bash -c '"$0" create -q -f raw plugin:rbd:rbd/p5:rbd_default_features=61 16M &&
             "$0" create -q -f raw rbd:rbd/p5i:rbd_default_features=61 16M' "$QEMU_IMG"
check_equal "rbd info: the pool's features, through the plugin as through librbd" \
    "features=layering,exclusive-lock | features=layering,exclusive-lock" \
    "$(rbd_info p5 features) | $(rbd_info p5i features)"
rbd config pool rm rbd rbd_default_features
# A pool setting Ceph would not take (`rbd config pool set` checks; a
# direct omap write does not) gives way to the client's, as in librbd.
rados -p rbd setomapval rbd_info metadata_conf_rbd_default_features bogus
out=$("$QEMU_IMG" create -q -f raw plugin:rbd:rbd/pb:rbd_default_features=5 16M 2>&1)
"$QEMU_IMG" create -q -f raw rbd:rbd/pbi:rbd_default_features=5 16M >/dev/null 2>&1
check_equal "a bogus pool setting: the client's features, through the plugin as through librbd" \
    "features=layering,exclusive-lock | features=layering,exclusive-lock" \
    "$(rbd_info pb features) | $(rbd_info pbi features)"
check_contains "...and the plugin says so" \
    "rbd: pool 'rbd': ignoring the pool's setting rbd_default_features='bogus', which Ceph would not take" \
    "$out"
rados -p rbd rmomapkey rbd_info metadata_conf_rbd_default_features

# --- every create option at once (the README's example) -------------------
check "qemu-img create -o object-size,stripe-unit,stripe-count,features,data-pool" \
    "$QEMU_IMG" create -f raw \
    -o object-size=1M,stripe-unit=64K,stripe-count=4,features=layering,data-pool=data \
    plugin:rbd:rbd/s1 64M
check_equal "rbd info: order 20, striping 64 KiB x 4, data pool 'data'" \
    "size=67108864 order=20 object_size=1048576 features=layering,striping,data-pool stripe_unit=65536 stripe_count=4 data_pool=data" \
    "$(rbd_info s1 "${fields[@]}")"
rand=$scratch/rand64
random_file "$rand" $((64 << 20)) 64
check "the plugin writes 64 MiB into it" \
    "$QEMU_IMG" convert -n -f raw -O raw "$rand" plugin:rbd:rbd/s1
check_export "rbd export gives the same bytes" rbd/s1 "$rand"
prefix=$(rbd_prefix s1)
check_equal "its 64 data objects are in the data pool, as librbd names them" \
    "rbd_data.$(ceph osd pool ls detail --format json | "$RBD_PY" -c 'import json,sys; print([p["pool_id"] for p in json.load(sys.stdin) if p["pool_name"]=="rbd"][0])').* 64 0" \
    "${prefix%.*}.* $(rados -p data ls | grep -c "^$prefix\.") $(rados -p rbd ls | grep -c "^$prefix\.")"
check "QEMU's in-tree rbd driver reads the same bytes" \
    "$QEMU_IMG" convert -f raw -O raw rbd:rbd/s1 "$scratch/s1.intree"
check_cmp "...equal" "$rand" "$scratch/s1.intree"
check "rbd bench writes 16 MiB of 48 KiB random writes into it" \
    rbd bench --io-type write --io-size 48K --io-total 16M --io-pattern rand s1
check "the plugin reads the image after rbd bench" \
    "$QEMU_IMG" convert -f raw -O raw plugin:rbd:rbd/s1 "$scratch/s1.bench"
check_export "...and gets what rbd export gets" rbd/s1 "$scratch/s1.bench"

# --- more shapes ------------------------------------------------------------
check "qemu-img create -o object-size=64K,features=layering,,deep-flatten" \
    "$QEMU_IMG" create -f raw -o object-size=64K,features=layering,,deep-flatten \
    plugin:rbd:rbd/d2 8M
check_equal "rbd info: order 16, features layering and deep-flatten" \
    "size=8388608 order=16 object_size=65536 features=layering,deep-flatten stripe_unit= stripe_count= data_pool=" \
    "$(rbd_info d2 "${fields[@]}")"
check "qemu-img create -o stripe-unit=512K,stripe-count=8 (4 MiB objects)" \
    "$QEMU_IMG" create -f raw -o stripe-unit=512K,stripe-count=8 plugin:rbd:rbd/d3 48M
check_equal "rbd info: striping 512 KiB x 8 over 4 MiB objects, default features" \
    "size=50331648 order=22 object_size=4194304 features=layering,striping,exclusive-lock,object-map,fast-diff,deep-flatten stripe_unit=524288 stripe_count=8 data_pool=" \
    "$(rbd_info d3 "${fields[@]}")"
rbd create --size 48M --stripe-unit 512K --stripe-count 8 r3
check_equal "its object map (striped: 16 objects) is the one rbd create makes" \
    "$(objmap_bytes r3)" "$(objmap_bytes d3)"
random_file "$scratch/rand48" $((48 << 20)) 48
"$QEMU_IMG" convert -n -f raw -O raw "$scratch/rand48" rbd:rbd/d3 2>&1
check "the plugin reads what the in-tree driver wrote into it" \
    "$QEMU_IMG" convert -f raw -O raw plugin:rbd:rbd/d3 "$scratch/d3.out"
check_cmp "...equal" "$scratch/rand48" "$scratch/d3.out"
check "the plugin writes into it across stripe units and objects" \
    qio -f raw -c "write -P 0x33 $(((20 << 20) - 1000)) $((9 << 20))" plugin:rbd:rbd/d3
fill "$scratch/rand48" $(((20 << 20) - 1000)) $((9 << 20)) 0x33
check_export "rbd export gives the same bytes" rbd/d3 "$scratch/rand48"
check_equal "rbd object-map check finds its map right" "flags=" "$(objmap_state d3)"

# --- a data-pool image made by `rbd create`, written by the plugin ---------
rbd create --size 16M --image-feature layering --data-pool data rdp
random_file "$scratch/rand16" $((16 << 20)) 16
check "the plugin writes into an 'rbd create --data-pool' image" \
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/rand16" plugin:rbd:rbd/rdp
check_export "rbd export gives the same bytes" rbd/rdp "$scratch/rand16"
prefix=$(rbd_prefix rdp)
check_equal "its 4 data objects are in the data pool, none in 'rbd'" \
    "4 0" \
    "$(rados -p data ls | grep -c "^$prefix\.") $(rados -p rbd ls | grep -c "^$prefix\.")"

# --- Ceph manages what the plugin made --------------------------------------
rbd snap create s1@snap >/dev/null 2>&1
rbd snap rm s1@snap >/dev/null 2>&1
rm_out=$(for i in d1 s1 d2 d3 rdp l1 l2 c5 p5 p5i pb pbi r1 r3 r5; do rbd rm --no-progress "$i" 2>&1 || echo "rbd rm $i failed"; done)
check_equal "rbd snap create/rm and rbd rm work on them; no image or data is left" \
    "|||" "$rm_out|$(rbd ls)|$(rados -p rbd ls | grep '^rbd_data\.')|$(rados -p data ls | grep '^rbd_data\.')"
done_testing
