#!/usr/bin/env bash
# qbp-check catches each of the twelve faults seeded in
# tests/broken-plugins/ (one per plugin, on the ram disk of ramdisk.c) with
# a message that explains it, word for word, and warns of a submission that
# blocks; the same ram disk without a fault (control) passes, so each
# message comes from its plugin's fault.
. tests/functions.sh
export LC_ALL=C

QBP_CHECK=$build/host/qbp-check
BP=$build/tests/broken-plugins
# The data patterns are seeded, so that every message is the same each run.
run() { "$QBP_CHECK" --tap --seed 1 --timeout 1 "$@" 2>&1; }

# fails_with PLUGIN CHECK MESSAGE [QBP-CHECK ARGS...]: qbp-check exits 1 and
# its line for CHECK is "not ok N - CHECK: MESSAGE".
fails_with() {
    local plugin=$1 name=$2 msg=$3 out rc line
    shift 3
    out=$(run "$@" "$BP/$plugin-plugin.so")
    rc=$?
    line=$(printf '%s\n' "$out" | sed -n "s/^not ok [0-9]* - $name: /$name: /p")
    check_equal "$plugin: exit status 1, and $name says why" \
        "exit 1: $name: $msg" "exit $rc: $line"
}

out=$(run --error-option fail-requests=on "$BP/control-plugin.so")
rc=$?
check_equal "control (the ram disk without a fault) passes" \
    "exit 0, failures: none" \
    "exit $rc, failures: $(printf '%s\n' "$out" | grep '^not ok' || echo none)"

fails_with double-completion completion \
    "a write of 4096 bytes at offset 4096 in 3 iovecs was completed twice (with 4096, then with 4096): a plugin calls the completion exactly once per accepted request"

fails_with missing-completion completion \
    "a flush was accepted (aio_flush returned 0) but never completed: nothing came for 1 s; every accepted request must be completed exactly once"

fails_with wrong-length read-write \
    "a read of 65536 bytes at offset 0 in 3 iovecs completed with 16385, not its length: a completion reports the whole request's length (65536) or a negative errno"

fails_with ignored-alignment alignment \
    "the plugin declares request_alignment 512 but does not honour it: after a write of 512 bytes at offset 512, the 512 bytes at offset 0 read back as the data written at offset 512 instead of the data written there; requests aligned to 4096 work, so declare request_alignment 4096"

# The sizes depend on the header's minor: ask the compiler.
abi=$(abi-check/abi-version.sh plugin-api)
printf '#include <stdio.h>\n#include "qemu-block-plugin.h"\nint main(void) { printf("%%zu", sizeof(struct qbp_plugin)); return 0; }\n' \
    > "$scratch/size.c"
${CC:-cc} -I plugin-api -o "$scratch/size" "$scratch/size.c"
size=$("$scratch/size")
fails_with wrong-struct-size table \
    "struct_size is $((size + 16)) bytes, but the plugin table of ABI $abi is $size bytes: a host reads every byte up to struct_size as table fields, so a host of a later 1.x would take the 16 bytes after the table for callbacks the plugin does not have; let QBP_REGISTER_PLUGIN stamp the header (it uses sizeof of the table)"

fails_with undeclared-op capabilities \
    "get_caps declares discard (QBP_CAP_DISCARD) but the table has no aio_discard: a host never calls an operation whose callback is not set, so the discard the plugin promises never happens; set aio_discard or drop the bit"

fails_with no-zero-fill zero-fill \
    "a read of 4096 bytes at offset 3932160 in 3 iovecs completed with its full length but left 4096 bytes of the buffer untouched, the first at offset 3932160: a read fills the whole buffer, with zeroes where there is no data (short reads are zero-filled)"

fails_with zero-status block-status \
    "after a write of 8192 bytes at offset 2097152, block status reports the 4194304 bytes at offset 0 as ZERO: ZERO is only for what reads as zeroes, and DATA is always a correct answer"

fails_with status-length block-status \
    "a block status of 4194304 bytes at offset 0 into at most 64 extents completed with 4194304: a block status completes with the number of extents it filled in (at most 64) or a negative errno"

fails_with info-key info \
    "get_info reported a fact named 'Chunk Size': a name is lower-case words of letters and digits joined by '-'"

check_equal "control's get_info facts, each of one type, are shown in the pass line" \
    "ok: get_info reported 3 well-formed facts (storage='memory', chunk-size=4096, read-only=false); a callback's return of 7 stopped it and came back" \
    "$(printf '%s\n' "$out" | sed -n "s/^ok [0-9]* - info: /ok: /p")"

fails_with positive-errno errors \
    "a read of 4096 bytes at offset 0 in 3 iovecs completed with 5, which is neither its length (4096) nor a negative errno; 5 is EIO as a positive number: errors are negative (-EIO)" \
    --error-option fail-requests=on

fails_with ignores-flags flags \
    "a write of 4096 bytes at offset 0 in 3 iovecs with flags 0x40000000 (a bit outside QBP_REQ_MASK) was accepted: a plugin refuses a request with a flag it does not know (aio_writev returns -EINVAL), since a host that sets one counts on its meaning"

# A submission that blocks is a warning under the check it happened in,
# not a failure: the plugin sleeps 150 ms, well past the 100 ms mark.
out=$(run "$BP/blocking-submit-plugin.so")
rc=$?
check_equal "blocking-submit: exit status 0, and read-write warns of the write that blocked" \
    "exit 0: warning: 1 of 2 submissions took 100 ms or more, the slowest: aio_writev took N ms to return (a write of 65536 bytes at offset 0 in 3 iovecs); a submission must not wait on the calling thread (for the network, a lock or another request): under QEMU that thread runs the guest and the monitor" \
    "exit $rc: $(printf '%s\n' "$out" | sed -n '/^ok [0-9]* - read-write:/,/^ok\|^not ok/s/^#   warning:/warning:/p' | sed 's/took [0-9]* ms to/took N ms to/' | head -n 1)"

plan "$tap_n"
done_testing
