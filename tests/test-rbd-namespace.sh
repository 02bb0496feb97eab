#!/usr/bin/env bash
# Images in a RADOS namespace (`rbd namespace create`): plugin:rbd:POOL/NS/IMAGE
# and the named option namespace= reach them, the plugin's objects land in
# that namespace only (also in a data pool), an image of the same name in
# the default namespace stays apart, and Ceph's tools and QEMU's in-tree
# driver see what the plugin wrote and made.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 17
ceph_start

MiB=$((1 << 20))
ceph osd pool create data 8 >/dev/null 2>&1
rbd pool init data >/dev/null 2>&1
rbd namespace create rbd/ns1
rbd create --size 8M --image-feature layering rbd/ns1/vm
rbd create --size 8M --image-feature layering rbd/vm

check "the plugin writes into rbd/ns1/vm (filename POOL/NS/IMAGE)" \
    qio -f raw -c 'write -P 0x5a 0 3M' -c 'write -P 0x5b 4193000 2000' plugin:rbd:rbd/ns1/vm
check "the plugin writes into rbd/vm, the same name in the default namespace" \
    qio -f raw -c 'write -P 0xa5 0 8M' plugin:rbd:rbd/vm
head -c $((8 * MiB)) /dev/zero >"$scratch/ns.expect"
fill "$scratch/ns.expect" 0 $((3 * MiB)) 0x5a
fill "$scratch/ns.expect" 4193000 2000 0x5b
check_export "rbd export rbd/ns1/vm has the bytes written there" rbd/ns1/vm "$scratch/ns.expect"
head -c $((8 * MiB)) /dev/zero | tr '\0' '\245' >"$scratch/default.expect"
check_export "rbd export rbd/vm has only its own bytes" rbd/vm "$scratch/default.expect"

prefix=$(rbd_prefix rbd/ns1/vm)
check_equal "the namespace image's 2 data objects are in namespace ns1 only" \
    "2 0" \
    "$(rados -p rbd -N ns1 ls | grep -c "^$prefix\.") $(rados -p rbd ls | grep -c "^$prefix\.")"
check "the named option namespace=ns1 reads them back" \
    qio -c 'read -P 0x5a 0 3M' -c 'read -P 0x5b 4193000 2000' --image-opts \
    driver=plugin,module=rbd,pool=rbd,namespace=ns1,image=vm
check "QEMU's in-tree driver reads them at rbd:rbd/ns1/vm" \
    qio -f raw -c 'read -P 0x5a 0 3M' -c 'read -P 0x5b 4193000 2000' -c 'read -P 0 5M 3M' \
    rbd:rbd/ns1/vm

# Made by the plugin in the namespace.
check "qemu-img create makes rbd/ns1/made through the plugin" \
    "$QEMU_IMG" create -f raw -o object-size=1M plugin:rbd:rbd/ns1/made 12M
check_equal "rbd ls rbd/ns1 lists both images; the default namespace has its own" \
    "made vm | vm" "$(rbd ls rbd/ns1 | sort | xargs) | $(rbd ls rbd | xargs)"
check_equal "rbd info rbd/ns1/made: 12 MiB, order 20, Ceph's default features" \
    "size=12582912 order=20 features=layering,exclusive-lock,object-map,fast-diff,deep-flatten" \
    "$(rbd_info rbd/ns1/made size order features)"
random_file "$scratch/r12" $((12 * MiB)) 12
check "the plugin fills it" \
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/r12" plugin:rbd:rbd/ns1/made
check_export "rbd export gives the same bytes" rbd/ns1/made "$scratch/r12"

# Imported by rbd into the namespace, with a snapshot: the plugin reads both.
rbd import --no-progress "$scratch/r12" rbd/ns1/imp >/dev/null 2>&1
rbd snap create rbd/ns1/imp@s >/dev/null 2>&1
"$QEMU_IMG" convert -f raw -O raw plugin:rbd:rbd/ns1/imp@s "$scratch/imp.out" 2>&1
check_cmp "the plugin reads rbd/ns1/imp@s, an imported image's snapshot" \
    "$scratch/r12" "$scratch/imp.out"

# A namespace image with a data pool: data objects in the data pool's ns1.
rbd create --size 8M --image-feature layering --data-pool data rbd/ns1/dp
check "the plugin writes into rbd/ns1/dp (data pool 'data')" \
    qio -f raw -c 'write -P 0x5a 0 3M' -c 'write -P 0x5b 4193000 2000' plugin:rbd:rbd/ns1/dp
check_export "rbd export gives the same bytes" rbd/ns1/dp "$scratch/ns.expect"
prefix=$(rbd_prefix rbd/ns1/dp)
check_equal "its 2 data objects are in namespace ns1 of the data pool only" \
    "2 0 0" \
    "$(rados -p data -N ns1 ls | grep -c "^$prefix\.") $(rados -p data ls | grep -c "^$prefix\.") $(rados -p rbd -N ns1 ls | grep -c "^$prefix\.")"

check_fails_with "an image in a namespace that does not hold it is not found" \
    "qemu-img: Could not open 'plugin:rbd:rbd/ns2/vm': rbd: image 'vm' not found in pool 'rbd' (namespace 'ns2')" \
    "$QEMU_IMG" info -f raw plugin:rbd:rbd/ns2/vm
done_testing
