#!/usr/bin/env bash
# qbp-check catches faults beyond the eight of the issue, and survives
# plugins that crash, exit or hang: each check runs in a process of its
# own, so the others still run and the report says what happened.
. tests/functions.sh
export LC_ALL=C

QBP_CHECK=$build/host/qbp-check
BP=$build/tests/broken-plugins
run() { "$QBP_CHECK" --tap --seed 1 --timeout 1 "$@" 2>&1; }

# line_of OUTPUT CHECK: the TAP line of CHECK, without its number.
line_of() {
    printf '%s\n' "$1" | sed -n "s/^\(not ok\|ok\) [0-9]* - $2\([:# ]\)/\1 $2\2/p"
}

abi=$(abi-check/abi-version.sh plugin-api)

out=$(run "$BP/unknown-caps-plugin.so")
check_equal "a capability bit the ABI does not define" \
    "not ok capabilities: get_caps returns 0x10005f, with bits 0x100000 that ABI $abi does not define: a host of a later 1.x may take them for capabilities the plugin does not have; return only QBP_CAP_* bits" \
    "$(line_of "$out" capabilities)"

out=$(run "$BP/exports-all-plugin.so")
line=$(line_of "$out" symbols)
check_contains "a plugin built without -fvisibility=hidden: its exports" \
    "ram_open" "$line"
check_contains "...and why they are a fault" \
    "besides qbp_plugin_init: they can clash with the host or another plugin; build with -fvisibility=hidden (pkg-config --cflags qemu-block-plugin has it) so that only QBP_REGISTER_PLUGIN's symbol is visible" \
    "$line"

out=$(run "$BP/fd-leak-plugin.so")
check_equal "a descriptor leaked per open" \
    "not ok open-close: every open and close leaks file descriptors: 8 more are open after 8 cycles" \
    "$(line_of "$out" open-close)"

out=$(run "$BP/crashes-plugin.so")
rc=$?
check_equal "a plugin that aborts: the check it crashed in fails" \
    "not ok discard: the plugin crashed with signal 6 (Aborted) while discarding" \
    "$(line_of "$out" discard)"
check_contains "...with what the plugin printed" \
    "plugin output: " "$(printf '%s\n' "$out" | grep -A1 '^not ok [0-9]* - discard')"
check_equal "...and every other check still ran" \
    "exit 1, 1 not ok, 17 ok, 5 skipped" \
    "exit $rc, $(printf '%s\n' "$out" | grep -c '^not ok') not ok, $(printf '%s\n' "$out" | grep '^ok' | grep -vc SKIP) ok, $(printf '%s\n' "$out" | grep -c '^ok.*# SKIP') skipped"

out=$(run "$BP/exits-plugin.so")
check_equal "a plugin that calls exit()" \
    "not ok completion: the process exited with status 3 while flushing a disk nothing was written to: a plugin must never call exit()" \
    "$(line_of "$out" completion)"

start=$SECONDS
out=$(run --check open-close "$BP/hangs-plugin.so")
check_equal "a close that never returns is stopped" \
    "not ok open-close: no progress for 4 s while closing the disk: a call into the plugin did not return, so the check was stopped" \
    "$(line_of "$out" open-close)"
check "...within seconds" test $((SECONDS - start)) -lt 15

# Refusals of the loader come through as they are, and nothing else runs.
out=$(run "$build/tests/plugins/bad-small-plugin.so")
rc=$?
check_equal "a table too small for its version: the loader's message" \
    "not ok load: the loader refuses it: bad-small-plugin.so: plugin table is 136 bytes, but ABI 1.0 needs at least 176; please contact qbp-tests@example.org" \
    "$(line_of "$out" load)"
check_equal "...and the other 22 checks are skipped" \
    "exit 1, 22 skipped" \
    "exit $rc, $(printf '%s\n' "$out" | grep -c '# SKIP not run: the plugin did not load') skipped"

plan "$tap_n"
done_testing
