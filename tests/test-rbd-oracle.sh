#!/usr/bin/env bash
# The oracle test: one seeded random qemu-io script (tests/rbd/oracle-gen.py:
# writes of 512 B to 9 MiB, unaligned and across object and stripe
# boundaries, writev with several iovecs, write-zeroes, discard, reads
# verified with -P) runs once through the plugin and once through QEMU's
# in-tree rbd driver (librbd, same QEMU build), each on one of two images
# made alike by `rbd create`.  Both runs must pass every -P check, and
# `rbd export` of the two images must be equal, and equal to the content the
# generator tracked.  On a default-striped image and on a 64 KiB x 4 striped
# one.  ORACLE_SEED=N runs another seed.
#
# How discards are kept comparable (librbd drops the parts of a discard that
# are not 64 KiB-aligned, rbd_discard_granularity_bytes, and a discard is
# only advisory anyway) is explained at the top of tests/rbd/oracle-gen.py:
# aligned discards, and unaligned ones overwritten at once by write -z.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 11
ceph_start

seed=${ORACLE_SEED:-20260127}
size=$((64 << 20))
gen=$scratch/gen
mkdir -p "$gen"
"$RBD_PY" tests/rbd/oracle-gen.py "$seed" "$size" 1000 "$gen"
echo "# seed $seed: $(wc -l <"$gen/script") commands," \
    "$(grep -cE '^(write|writev) ' "$gen/script") writes," \
    "$(grep -c '^discard ' "$gen/script") discards," \
    "$(grep -cE '^readv? ' "$gen/script") verified reads"

for layout in default striped; do
    args=(--size "${size}B" --image-feature layering)
    [ $layout = striped ] && args+=(--stripe-unit 64K --stripe-count 4)
    rbd create "${args[@]}" "$layout-a"
    rbd create "${args[@]}" "$layout-b"
    [ $layout = striped ] && check_equal "the striped images are 64 KiB x 4" \
        "stripe_unit=65536 stripe_count=4 | stripe_unit=65536 stripe_count=4" \
        "$(rbd_info $layout-a stripe_unit stripe_count) | $(rbd_info $layout-b stripe_unit stripe_count)"

    oracle_compare "$layout: " "$layout-a" "$layout-b" "$gen/script" "$gen/expect"
done
done_testing
