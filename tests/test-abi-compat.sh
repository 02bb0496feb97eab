# A plugin built against the frozen 1.0 header (abi-check/frozen/1.0) loads
# into today's loader and QEMU and does I/O; a plugin of a future major is
# refused with its exact message.
. tests/functions.sh

QBP_LOAD=$build/tests/qbp-load
OLD=$build/abi-check/old-ram-plugin.so
FUTURE=$build/tests/plugins/bad-future-plugin.so
frozen=abi-check/frozen/1.0/qemu-block-plugin.h

abi=$(abi-check/abi-version.sh plugin-api)
# What a host built from this header says it provides (1.0, or 1.0-1.N).
if [ "${abi#*.}" = 0 ]; then
    provides=1.0
else
    provides=1.0-$abi
fi

# load_is DESCRIPTION STATUS STDOUT STDERR ARGS...: qbp-load ARGS exits
# with STATUS printing exactly STDOUT and STDERR.
load_is() {
    local desc=$1 want="exit $2, stdout [$3], stderr [$4]" out err rc
    shift 4
    out=$("$QBP_LOAD" "$@" 2>"$scratch/stderr")
    rc=$?
    err=$(cat "$scratch/stderr")
    check_equal "$desc" "$want" "exit $rc, stdout [$out], stderr [$err]"
}

# ---- the old plugin is really old ----
# The 1.0 header never changes again: plugins built against it exist.
check_equal "the frozen 1.0 header is unchanged" \
    "153458467bf7b6959d8509c5680d0453bc232dc51436c4f3b78dcaa4beea1562" \
    "$(sha256sum < "$frozen" | cut -d' ' -f1)"
# The include directories recorded in its debug info: the frozen header's,
# never plugin-api/.
dirs=$(readelf --debug-dump=line "$OLD" 2>/dev/null |
       sed -n '/The Directory Table/,/The File Name Table/p')
check_contains "old-ram was compiled against the frozen header" \
    "abi-check/frozen/1.0" "$dirs"
case "$dirs" in
    *plugin-api*) not_ok "old-ram was not compiled against plugin-api/" "$dirs" ;;
    *) ok "old-ram was not compiled against plugin-api/" ;;
esac

# ---- in today's loader ----
load_is "old-ram loads by path" 0 "loaded old-ram ABI 1.0" "" "$OLD"
load_is "old-ram does I/O" 0 "loaded old-ram ABI 1.0
io ok" "" "$OLD" --io
load_is "old-ram does I/O with an option normalised by the host" 0 \
    "loaded old-ram ABI 1.0
io ok" "" "$OLD" --io size=64k
load_is "old-ram's own open error reaches the host" 1 "loaded old-ram ABI 1.0" \
    "old-ram: size '1073741824' must be between 1 and 67108864 bytes" \
    "$OLD" --io size=1G
load_is "an option old-ram does not declare is refused by the host" 1 \
    "loaded old-ram ABI 1.0" \
    "block plugin 'old-ram' has no option 'bogus' (its options: size)" \
    "$OLD" --io bogus=1
load_is "a future major is refused, naming its contact" 1 "" \
    "bad-future-plugin.so: needs block plugin ABI 2.1, this host provides $provides; please contact future-plugin@example.org" \
    "$FUTURE"

# ---- in today's QEMU ----
if [ -x "$QEMU_IO" ]; then
    out=$(qio --module "$OLD" -c 'write -P 0x5a 0 64k' \
              -c 'read -P 0x5a 0 64k' plugin:old-ram:)
    rc=$?
    check_equal "qemu-io: old-ram writes and reads back a pattern" \
        "exit 0: wrote 65536/65536 bytes at offset 0|read 65536/65536 bytes at offset 0" \
        "exit $rc: $(printf '%s\n' "$out" | grep -E '^(wrote|read) ' | paste -sd'|')"
    out=$("$QEMU_IO" --module "$OLD" -c 'read -P 0x5a 0 64k' plugin:old-ram: 2>&1)
    check_contains "qemu-io: a fresh old-ram disk does not have the pattern" \
        "Pattern verification failed at offset 0" "$out"
    out=$("$QEMU_IO" --module "$FUTURE" -c 'read 0 512' plugin:bad-future: 2>&1)
    rc=$?
    check_equal "qemu-io: a future major is refused, naming its contact" \
        "exit 1: qemu-io: bad-future-plugin.so: needs block plugin ABI 2.1, this QEMU provides $provides; please contact future-plugin@example.org" \
        "exit $rc: $out"
else
    for what in "old-ram writes and reads back a pattern" \
                "a fresh old-ram disk does not have the pattern" \
                "a future major is refused, naming its contact"; do
        ok "qemu-io: $what # SKIP $QEMU_IO does not exist yet"
    done
fi

plan "$tap_n"
done_testing
