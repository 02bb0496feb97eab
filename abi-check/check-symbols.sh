#!/usr/bin/env bash
# check-symbols.sh PLUGIN.so...: check the dynamic symbols of block
# plugins against the ABI contract.
#
#  - A plugin exports exactly one symbol, qbp_plugin_init.  Anything more
#    can clash with the host or another plugin, and shows the plugin was
#    not built with -fvisibility=hidden.
#  - Every symbol it imports is defined by one of its own DT_NEEDED
#    libraries.  A symbol that none of them defines can only be found in
#    the host executable, so the plugin would work in one host and fail to
#    load in the next; whatever a plugin needs from the host comes through
#    the host table.  Weak undefined symbols (__gmon_start__, _ITM_*,
#    __cxa_finalize) may stay unresolved and are not checked.
#
# Prints one line per plugin; exit status 1 if any plugin fails.
set -uo pipefail

entry=qbp_plugin_init
status=0

say() { printf 'check-symbols: %s\n' "$*"; }
bad() { say "FAIL: $*"; status=1; }

# Dynamic symbol names without version suffixes; nm's own status.
dynsyms() {  # dynsyms FILE --defined-only|--undefined-only
    nm -D --without-symbol-versions "$2" "$1" 2>/dev/null
}

# Absolute path of each DT_NEEDED library, as the dynamic linker finds
# it for this file (ldd also applies its RUNPATH), one "NAME PATH" a line.
needed_paths() {  # needed_paths FILE
    local name
    for name in $(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
        printf '%s %s\n' "$name" \
            "$(ldd "$1" 2>/dev/null |
               awk -v n="$name" '$1 == n && $2 == "=>" && $3 ~ /^\// { print $3 }')"
    done
}

check_one() {  # check_one PLUGIN.so
    local so=$1 defined undefined extra name path libs="" provided missing
    local ok=1

    if ! defined=$(dynsyms "$so" --defined-only); then
        bad "$so: cannot read its dynamic symbols"
        return
    fi
    defined=$(awk '{ print $NF }' <<< "$defined" | sort -u)
    if ! grep -qx "$entry" <<< "$defined"; then
        bad "$so does not export $entry"
        ok=0
    fi
    extra=$(grep -vx "$entry" <<< "$defined" | grep . | paste -sd' ')
    if [ -n "$extra" ]; then
        bad "$so exports symbols besides $entry: $extra (build with" \
            "-fvisibility=hidden and export only through QBP_REGISTER_PLUGIN)"
        ok=0
    fi

    # Strong undefined symbols only: "U name".
    undefined=$(dynsyms "$so" --undefined-only | awk '$1 == "U" { print $2 }' |
                sort -u)
    provided=$(mktemp "${TMPDIR:-/tmp}/check-symbols.XXXXXX")
    while read -r name path; do
        [ -n "$name" ] || continue
        libs="${libs:+$libs, }$name"
        if [ -z "$path" ]; then
            bad "$so needs $name, which the dynamic linker cannot find"
            ok=0
            continue
        fi
        dynsyms "$path" --defined-only | awk '{ print $NF }' >> "$provided"
    done < <(needed_paths "$so")
    missing=$(sort -u "$provided" | comm -23 <(printf '%s\n' "$undefined") - |
              grep . | paste -sd' ')
    rm -f "$provided"
    if [ -n "$missing" ]; then
        bad "$so imports symbols that none of its libraries (${libs:-none})" \
            "defines, so only a host could provide them: $missing (use the" \
            "host table instead)"
        ok=0
    fi
    if [ "$ok" = 1 ] && [ -z "$undefined" ]; then
        say "ok: $so exports only $entry and imports nothing"
    elif [ "$ok" = 1 ]; then
        say "ok: $so exports only $entry and imports only from $libs"
    fi
}

if [ $# -eq 0 ]; then
    echo "usage: check-symbols.sh PLUGIN.so..." >&2
    exit 2
fi
for so in "$@"; do
    check_one "$so"
done
exit $status
