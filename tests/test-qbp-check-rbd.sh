#!/usr/bin/env bash
# qbp-check passes the rbd plugin on an image of the local test cluster,
# with data verified at every step, restores the image's size after its
# truncate check, and explains the failed open of an image that does not
# exist.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 5
ceph_start

QBP_CHECK=$build/host/qbp-check
rbd create --size 64M --image-feature layering qc

out=$("$QBP_CHECK" --tap --expect-data --seed 1 "$PLUGINS/rbd-plugin.so" \
    pool=rbd image=qc 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check_equal "qbp-check passes the rbd plugin (exit status)" 0 "$rc"
check_equal "...no check failed" "" "$(printf '%s\n' "$out" | grep '^not ok')"
check_equal "...every data check ran (none skipped but errors)" \
    "ok 14 - errors # SKIP" \
    "$(printf '%s\n' "$out" | grep -o '^ok [0-9]* - [a-z-]* # SKIP')"
check_contains "a failed open names the missing image" \
    "open with image=qbp-check-nonexistent-qc failed: 'rbd: image" \
    "$out"
check_contains "the image is 64 MiB again after the truncate check" \
    "size 64 MiB" "$(ceph_out rbd info qc)"
done_testing
