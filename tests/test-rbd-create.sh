#!/usr/bin/env bash
# qemu-img create through the plugin makes images that Ceph's tools and
# QEMU's in-tree driver use normally: `rbd info` shows the size, order,
# features, striping and data pool asked for; `rbd export`, `rbd bench`,
# `rbd snap create` and `rbd rm` work on them; and the data objects go where
# librbd puts them (the data pool, when there is one).  Images with a data
# pool made by `rbd create` are written correctly by the plugin too.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 24
ceph_start

ceph osd pool create data 8 >/dev/null 2>&1
rbd pool init data >/dev/null 2>&1
fields=(size order object_size features stripe_unit stripe_count data_pool)
zeros() { head -c "$1" /dev/zero; }

# --- defaults: 4 MiB objects, layering only, no striping ------------------
check "qemu-img create with no options" \
    "$QEMU_IMG" create -f raw plugin:rbd:rbd/d1 100M
check_equal "rbd info: 100 MiB, order 22, features 'layering' alone" \
    "size=104857600 order=22 object_size=4194304 features=layering stripe_unit= stripe_count= data_pool=" \
    "$(rbd_info d1 "${fields[@]}")"
check_equal "qemu-img info through the plugin sees the size" \
    "virtual size: 100 MiB (104857600 bytes)" \
    "$("$QEMU_IMG" info -f raw plugin:rbd:rbd/d1 | grep '^virtual size')"
zeros 104857600 >"$scratch/z100"
check_export "rbd export of the new image gives 100 MiB of zeroes" rbd/d1 "$scratch/z100"

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
check_equal "rbd info: striping 512 KiB x 8 over 4 MiB objects" \
    "size=50331648 order=22 object_size=4194304 features=layering,striping stripe_unit=524288 stripe_count=8 data_pool=" \
    "$(rbd_info d3 "${fields[@]}")"
random_file "$scratch/rand48" $((48 << 20)) 48
"$QEMU_IMG" convert -n -f raw -O raw "$scratch/rand48" rbd:rbd/d3 2>&1
check "the plugin reads what the in-tree driver wrote into it" \
    "$QEMU_IMG" convert -f raw -O raw plugin:rbd:rbd/d3 "$scratch/d3.out"
check_cmp "...equal" "$scratch/rand48" "$scratch/d3.out"

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
rm_out=$(for i in d1 s1 d2 d3 rdp; do rbd rm --no-progress "$i" 2>&1 || echo "rbd rm $i failed"; done)
check_equal "rbd snap create/rm and rbd rm work on them; no image or data is left" \
    "|||" "$rm_out|$(rbd ls)|$(rados -p rbd ls | grep '^rbd_data\.')|$(rados -p data ls | grep '^rbd_data\.')"
done_testing
