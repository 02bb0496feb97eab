#!/usr/bin/env bash
# qbp-check passes the file plugin on a scratch file: every check runs,
# errors injected with inject-error=EIO arrive as -EIO, cache=none
# (O_DIRECT) passes too, and a --read-only run leaves the file as it was.
. tests/functions.sh
export LC_ALL=C
plan 7

QBP_CHECK=$build/host/qbp-check
file=$PLUGINS/file-plugin.so
disk=$scratch/disk.raw
truncate -s 64M "$disk"

out=$("$QBP_CHECK" --tap --expect-data --error-option inject-error=EIO \
    "$file" "filename=$disk" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check_equal "qbp-check passes the file plugin: exit status, failures, skips" \
    "exit 0, not ok: 0, skipped: snapshots info" \
    "exit $rc, not ok: $(printf '%s\n' "$out" | grep -c '^not ok'), skipped: $(printf '%s\n' "$out" | sed -n 's/^ok [0-9]* - \([a-z-]*\) # SKIP.*/\1/p' | paste -sd' ')"
check_equal "injected errors come back as -EIO from reads and writes" \
    "ok 14 - errors: with inject-error=EIO, a read of 4096 bytes at offset 0 in 3 iovecs failed with -5 (EIO, Input/output error), a write of 4096 bytes at offset 0 in 3 iovecs failed with -5 (EIO, Input/output error): negative errnos, each completed once" \
    "$(printf '%s\n' "$out" | grep ' - errors: ')"
check_contains "a failed open says which file" \
    "open with filename=/nonexistent-qbp-check/disk.raw failed: 'cannot open '/nonexistent-qbp-check/disk.raw': No such file or directory' (-2)" \
    "$out"
check_equal "the truncate check left the size as it was" 67108864 \
    "$(stat -c %s "$disk")"

out=$("$QBP_CHECK" --tap --expect-data --nocache "$file" "filename=$disk" 2>&1)
rc=$?
check_equal "with --nocache (O_DIRECT where the filesystem has it) too" \
    "exit 0, not ok: 0" \
    "exit $rc, not ok: $(printf '%s\n' "$out" | grep -c '^not ok')"

sum=$(md5sum < "$disk")
out=$("$QBP_CHECK" --tap --read-only "$file" "filename=$disk" 2>&1)
rc=$?
check_equal "--read-only passes, with the write checks skipped" \
    "exit 0, not ok: 0, flush: ok 15 - flush # SKIP the disk is read-only" \
    "exit $rc, not ok: $(printf '%s\n' "$out" | grep -c '^not ok'), flush: $(printf '%s\n' "$out" | grep ' - flush')"
check_equal "...and leaves the file unchanged" "$sum" "$(md5sum < "$disk")"
done_testing
