#!/usr/bin/env bash
# qbp-check passes the null plugin, by path and by name, and finds out by
# itself that its disk keeps no data; told that the disk must keep data,
# it fails the data checks with the reason.
. tests/functions.sh
plan 6

QBP_CHECK=$build/host/qbp-check
null=$PLUGINS/null-plugin.so

out=$("$QBP_CHECK" --tap "$null" size=64M 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check_equal "qbp-check passes the null plugin: exit status and failures" \
    "exit 0, failures: none" \
    "exit $rc, failures: $(printf '%s\n' "$out" | grep '^not ok' || echo none)"
check_contains "...and found that the disk keeps no data" \
    "read back as zeroes: the disk keeps no data (like null)" \
    "$(printf '%s\n' "$out" | grep ' - read-write: ')"

out=$("$QBP_CHECK" null 2>&1)
rc=$?
check_equal "by name, found in \$QEMU_BLOCK_PLUGIN_PATH, readable report" \
    "exit 0: 18 passed, 0 failed, 5 skipped: $null conforms as far as checked" \
    "exit $rc: $(printf '%s\n' "$out" | tail -n 1 | sed 's/ in [0-9.]* s:/:/')"

check "--no-data passes it too" "$QBP_CHECK" --no-data "$null"

out=$("$QBP_CHECK" --tap --expect-data "$null" 2>&1)
rc=$?
check_equal "--expect-data: the first read says what is wrong" \
    "not ok 8 - read-write: a read of 65536 bytes at offset 0 in 3 iovecs after a write of the same: the 65536 bytes at offset 0 read back as zeroes instead of the data written there" \
    "$(printf '%s\n' "$out" | grep '^not ok 8 ')"
check_equal "...and qbp-check exits 1" 1 "$rc"
done_testing
