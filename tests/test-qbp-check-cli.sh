#!/usr/bin/env bash
# qbp-check's command line: the list of checks, running a few of them, the
# readable report, options the plugin refuses, and usage errors (exit 2).
. tests/functions.sh
plan 10

QBP_CHECK=$build/host/qbp-check
null=$PLUGINS/null-plugin.so
BP=$build/tests/broken-plugins

check_equal "--list names the 23 checks in the order they run" \
    "load table symbols options open-close open-fails limits read-write completion concurrency alignment max-transfer zero-fill errors flush discard write-zeroes capabilities snapshots block-status info flags drain-close" \
    "$("$QBP_CHECK" --list | awk '{ print $1 }' | paste -sd' ')"

check_equal "--check runs load, read-write (to learn about the data) and those named" \
    "1..4 ok 1 - load ok 2 - read-write ok 3 - alignment ok 4 - flush" \
    "$("$QBP_CHECK" --tap --check alignment --check flush "$null" |
       grep -E '^(1\.\.|ok|not ok)' | sed 's/: .*//; s/ # SKIP.*//' | paste -sd' ')"

out=$("$QBP_CHECK" --seed 1 --check alignment "$BP/ignored-alignment-plugin.so")
rc=$?
check_equal "the readable report: a line per check and a verdict" \
    "exit 1
PASS  load          the loader accepts $BP/ignored-alignment-plugin.so: plugin 'ignored-alignment' 1.0, ABI $(abi-check/abi-version.sh plugin-api), thread model parallel
PASS  read-write    a read of 65536 bytes at offset 0 in 3 iovecs read back what was written: the disk keeps data
FAIL  alignment     the plugin declares request_alignment 512 but does not honour it: after a write of 512 bytes at offset 512, the 512 bytes at offset 0 read back as the data written at offset 512 instead of the data written there; requests aligned to 4096 work, so declare request_alignment 4096
2 passed, 1 failed, 0 skipped: $BP/ignored-alignment-plugin.so does not conform" \
    "exit $rc
$(printf '%s\n' "$out" | sed -n '2,4p')
$(printf '%s\n' "$out" | tail -n 1 | sed 's/ in [0-9.]* s:/:/')"

out=$("$QBP_CHECK" --tap "$null" size=lots 2>&1)
check_equal "options the plugin refuses: the loader's message" \
    "not ok 4 - options: the options given are refused: block plugin 'null': option 'size' expects a size such as 4096, 64k or 1G, not 'lots'" \
    "$(printf '%s\n' "$out" | grep '^not ok')"
check_equal "...and no disk is opened with them" 19 \
    "$(printf '%s\n' "$out" | grep -c 'SKIP not run: the options given are refused')"

check "--no-fork runs every check in one process" \
    "$QBP_CHECK" --no-fork "$null"

usage() {  # usage DESCRIPTION MESSAGE ARGS...
    local desc=$1 msg=$2 out rc
    shift 2
    out=$("$QBP_CHECK" "$@" 2>&1 >/dev/null)
    rc=$?
    check_equal "$desc" "exit 2: qbp-check: $msg" "exit $rc: $(printf '%s\n' "$out" | head -n 1)"
}
usage "no plugin" "which plugin? give its path or name"
usage "an unknown check" "no check named 'speed' (see --list)" --check speed "$null"
usage "contradicting data options" "--expect-data and --no-data contradict" \
    --expect-data --no-data "$null"
usage "an error option the plugin does not have" \
    "--error-option: block plugin 'null' has no option 'inject-error' (its options: size)" \
    --error-option inject-error=EIO "$null"
done_testing
