# abi-check/check-symbols.sh: every real plugin exports only its entry
# point and imports only from its own libraries; the two seeded plugins
# that do otherwise are caught, with messages that say what is wrong.
. tests/functions.sh

CHECK=abi-check/check-symbols.sh
TP=$build/tests/plugins
# The DT_NEEDED list of a file as check-symbols.sh names it: "libc.so.6"
# normally, more with SANITIZERS=yes.
needed() {
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | paste -sd, |
        sed 's/,/, /g'
}
# What check-symbols.sh says a file imports from.
imports() {
    local libs
    libs=$(needed "$1")
    if [ -n "$libs" ]; then
        echo "imports only from $libs"
    else
        echo "imports nothing"
    fi
}
good_libs=$(needed "$TP/good-plugin.so")
hostimport_libs=$(needed "$TP/bad-hostimport-plugin.so")
check_contains "the seeded plugins need libc" libc.so.6 "$good_libs"

# symbols_are DESCRIPTION STATUS OUTPUT PLUGIN...: exact status and output.
symbols_are() {
    local desc=$1 want="exit $2: $3" out rc
    shift 3
    out=$("$CHECK" "$@" 2>&1)
    rc=$?
    check_equal "$desc" "$want" "exit $rc: $out"
}

shopt -s nullglob
real=("$build"/plugins/*.so)
shopt -u nullglob
if [ ${#real[@]} -ge 2 ]; then
    ok "there are real plugins to check (${#real[@]})"
else
    not_ok "there are real plugins to check" "found: ${real[*]:-none}"
fi
for so in "${real[@]}" "$build"/abi-check/old-ram-plugin.so "$TP/good-plugin.so"; do
    check "check-symbols passes on $so" "$CHECK" "$so"
done
symbols_are "what a passing plugin is told" 0 \
    "check-symbols: ok: $TP/good-plugin.so exports only qbp_plugin_init and imports only from $good_libs" \
    "$TP/good-plugin.so"

symbols_are "an extra exported function is caught" 1 \
    "check-symbols: FAIL: $TP/bad-extraexport-plugin.so exports symbols besides qbp_plugin_init: bad_extraexport_version (build with -fvisibility=hidden and export only through QBP_REGISTER_PLUGIN)" \
    "$TP/bad-extraexport-plugin.so"
symbols_are "a symbol only the host defines is caught" 1 \
    "check-symbols: FAIL: $TP/bad-hostimport-plugin.so imports symbols that none of its libraries ($hostimport_libs) defines, so only a host could provide them: qbp_loader_setup (use the host table instead)" \
    "$TP/bad-hostimport-plugin.so"
symbols_are "a missing entry point is caught" 1 \
    "check-symbols: FAIL: $TP/bad-nosymbol-plugin.so does not export qbp_plugin_init
check-symbols: FAIL: $TP/bad-nosymbol-plugin.so exports symbols besides qbp_plugin_init: qbp_plugin_initialize (build with -fvisibility=hidden and export only through QBP_REGISTER_PLUGIN)" \
    "$TP/bad-nosymbol-plugin.so"
symbols_are "one bad plugin among good ones fails the run" 1 \
    "check-symbols: ok: $TP/good-plugin.so exports only qbp_plugin_init and imports only from $good_libs
check-symbols: FAIL: $TP/bad-extraexport-plugin.so exports symbols besides qbp_plugin_init: bad_extraexport_version (build with -fvisibility=hidden and export only through QBP_REGISTER_PLUGIN)
check-symbols: ok: $TP/bad-future-plugin.so exports only qbp_plugin_init and $(imports "$TP/bad-future-plugin.so")" \
    "$TP/good-plugin.so" "$TP/bad-extraexport-plugin.so" "$TP/bad-future-plugin.so"
symbols_are "a file that is no shared object fails" 1 \
    "check-symbols: FAIL: config.mk: cannot read its dynamic symbols" \
    config.mk

plan "$tap_n"
done_testing
