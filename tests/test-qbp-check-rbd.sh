#!/usr/bin/env bash
# qbp-check passes the rbd plugin on an image of the local test cluster,
# with data verified at every step, restores the image's size after its
# truncate check, and explains the failed open of an image that does not
# exist.  On an image with the exclusive lock, requests with flag bits the
# ABI does not define (bit 30 was once the plugin's own "lock held") are
# refused and change nothing.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 7
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

rbd create --size 64M qc-lock
out=$("$QBP_CHECK" --tap --expect-data --seed 1 --check flags \
    "$PLUGINS/rbd-plugin.so" pool=rbd image=qc-lock 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check_equal "on an image with the exclusive lock, undefined flags are refused" \
    "exit 0: ok 2 - flags: open with each of flags 0x4, 0x40000000 and 0x80000000 failed with a message; 15 requests with them were refused, and the data they would have changed reads back unchanged" \
    "exit $rc: $(printf '%s\n' "$out" | grep ' - flags: ')"
check "...and the image's object map agrees with its objects" objmap_ok qc-lock
done_testing
