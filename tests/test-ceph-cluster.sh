#!/usr/bin/env bash
# The project's test Ceph cluster (tests/ceph/cluster.sh): it starts, `rbd`
# and QEMU's own rbd driver use it, a cephx variant with 3 OSDs and a
# client.qemu key works, two more clusters start in parallel next to it, and
# stopping a cluster leaves none of its daemons and no other cluster harmed.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 28

# cluster A: 1 OSD, auth none
ceph_start
a=$CEPH_DIR
check_equal "cluster A: the rbd pool has size 1" "size: 1" "$(ceph_out ceph osd pool get rbd size)"
check_equal "cluster A: ...and min_size 1" "min_size: 1" "$(ceph_out ceph osd pool get rbd min_size)"
check_equal "cluster A: the rbd pool is initialised for rbd" '["rbd"]' \
    "$(ceph_out ceph osd pool application get rbd -f json | tr -d ' \n' |
       /usr/bin/python3 -c 'import json, sys; print(json.dumps(sorted(json.load(sys.stdin))))')"
check "cluster A: rbd create" rbd create --size 16M img
check "cluster A: rbd bench writes 4 MiB" rbd bench --io-type write --io-total 4M img
check_contains "cluster A: rbd info shows the image" "size 16 MiB in 4 objects" "$(ceph_out rbd info img)"
check_equal "cluster A: rbd ls lists it" img "$(ceph_out rbd ls)"
check "cluster A: qemu-io through QEMU's rbd driver writes and reads back" \
    qio -f raw -c 'write -P 0x5a 0 1M' -c 'read -P 0x5a 0 1M' "rbd:rbd/img:conf=$a/ceph.conf"
rbd export img "$scratch/img.raw" >/dev/null 2>&1
check_equal "cluster A: rbd export shows the bytes qemu-io wrote" 0 \
    "$(head -c 1048576 "$scratch/img.raw" | tr -d 'Z' | wc -c)"   # 0x5a is 'Z'

# clusters B (1 OSD) and C (3 OSDs, cephx) started at the same time
b=$scratch/ceph-b
c=$scratch/ceph-c
for d in "$b" "$c"; do
    at_exit "$(printf '%q ' "$CEPH_CLUSTER_SH" stop "$d") >/dev/null 2>&1"
done
"$CEPH_CLUSTER_SH" start "$b" >"$scratch/b.out" 2>&1 &
pid_b=$!
"$CEPH_CLUSTER_SH" start "$c" --osds 3 --cephx >"$scratch/c.out" 2>&1 &
pid_c=$!
rc_b=0 rc_c=0
wait $pid_b || rc_b=$?
wait $pid_c || rc_c=$?
sed 's/^/# /' "$scratch/b.out" "$scratch/c.out"
check_equal "cluster B started in parallel" "0" "$rc_b"
check_equal "cluster C (3 OSDs, cephx) started in parallel" "0" "$rc_c"
[ "$rc_b" -eq 0 ] && [ "$rc_c" -eq 0 ] || {
    cat "$scratch/b.out" "$scratch/c.out" >&2
    echo "Bail out! parallel clusters did not start"
    exit 1
}
health() { ceph -c "$1/ceph.conf" health 2>&1; }
check_equal "clusters A, B and C are all healthy" "HEALTH_OK HEALTH_OK HEALTH_OK" \
    "$(health "$a") $(health "$b") $(health "$c")"
mons=$(grep -h '^mon_host' "$a/ceph.conf" "$b/ceph.conf" "$c/ceph.conf" | sort -u | wc -l)
check_equal "...on three different mon addresses" 3 "$mons"
check_equal "cluster B is a separate cluster (no image in its pool)" "" \
    "$(ceph_out rbd -c "$b/ceph.conf" ls)"
check_equal "cluster C: 3 OSDs up" 3 \
    "$(ceph -c "$c/ceph.conf" osd stat -f json 2>/dev/null |
       /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["num_up_osds"])')"
check_equal "cluster C: the rbd pool has size 3, min_size 2" "size: 3 min_size: 2" \
    "$(ceph -c "$c/ceph.conf" osd pool get rbd size) $(ceph -c "$c/ceph.conf" osd pool get rbd min_size)"
check "cluster C: client.qemu can create an image" \
    rbd -c "$c/ceph.conf" --id qemu create --size 16M img
check "cluster C: qemu-io as client.qemu writes and reads back" \
    qio -f raw -c 'write -P 0xa5 0 1M' -c 'read -P 0xa5 0 1M' \
        "rbd:rbd/img:conf=$c/ceph.conf:id=qemu"
check_fails "cluster C: client.qemu may not change the cluster" \
    ceph -c "$c/ceph.conf" --id qemu osd pool create other
check_fails "cluster C: a client without a key is refused" \
    rbd -c "$c/ceph.conf" --id nobody ls

check "cluster B: stop" ceph_stop "$b"
check_equal "cluster B: no daemon remains" "" "$(ceph_daemons "$b")"
check_equal "clusters A and C are still healthy" "HEALTH_OK HEALTH_OK" \
    "$(health "$a") $(health "$c")"
check "cluster C: stop" ceph_stop "$c"
check_equal "cluster C: no daemon remains" "" "$(ceph_daemons "$c")"
check "cluster A: stop" ceph_stop "$a"
check_equal "cluster A: no daemon remains" "" "$(ceph_daemons "$a")"
check "stop is idempotent" ceph_stop "$a"
done_testing
