#!/usr/bin/env bash
# check-abi.sh [HEADER_DIR]: check HEADER_DIR/qemu-block-plugin.h (default
# plugin-api/) against the committed ABI baselines of its major version,
# abi-check/qemu-block-plugin-MAJOR.MINOR.abi.
#
# Passes when the header is identical in ABI to the newest baseline, or
# only appends fields at the end of the versioned tables and says so with a
# higher QBP_ABI_MINOR.  Fails, saying what changed, on anything else.
# Exit status: 0 compatible, 1 not, 2 the check itself could not run.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$(realpath --relative-to=. "$here/../plugin-api")}
header=$dir/qemu-block-plugin.h
suppr=$here/appended-fields.suppr
tables="struct qbp_host, struct qbp_plugin or struct qbp_limits"

say() { printf 'check-abi: %s\n' "$*"; }
# Tool output, indented under the line that explains it.
quote() { sed 's/^/    /' "$@"; }
fail() { say "FAIL: $*"; exit 1; }

version=$("$here/abi-version.sh" "$dir") || exit 2
major=${version%%.*}
minor=${version#*.}

# Baselines of this major, oldest first.
baselines=()
while IFS= read -r f; do
    baselines+=("$f")
done < <(ls "$here"/qemu-block-plugin-"$major".*.abi 2>/dev/null | sort -V)
if [ ${#baselines[@]} -eq 0 ]; then
    have=$(ls "$here"/qemu-block-plugin-*.abi 2>/dev/null |
           sed 's/.*qemu-block-plugin-\(.*\)\.abi$/\1/' | sort -V | paste -sd' ')
    fail "$header is ABI $version but abi-check/ has no baseline for major" \
         "$major (it has: ${have:-none}); for a deliberate major bump follow" \
         "abi-check/README.md"
fi
newest=${baselines[${#baselines[@]}-1]}
newest_version=$(basename "$newest" .abi)
newest_version=${newest_version#qemu-block-plugin-}
newest_minor=${newest_version#*.}
if [ "$minor" -lt "$newest_minor" ]; then
    fail "$header is ABI $version but abi-check/ already has a baseline for" \
         "$newest_version: QBP_ABI_MINOR went backwards"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/check-abi.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! "$here/abi-dump.sh" "$dir" "$work/probe.so" "$work/new.abi" \
        > "$work/build.log" 2>&1; then
    say "FAIL: the ABI probe does not build against $header: a public type" \
        "or constant was removed or renamed; the compiler says:"
    quote "$work/build.log"
    exit 1
fi

# abidiff's status is a bit mask: 1 tool error, 2 usage error, 4 ABI
# change, 8 incompatible ABI change.
abidiff_to() {  # abidiff_to OUT ARGS...: run abidiff, 0 same / 1 differ / 2 error
    local out=$1 rc
    shift
    abidiff --no-default-suppression "$@" > "$out" 2>&1
    rc=$?
    if [ $((rc & 3)) -ne 0 ]; then
        say "abidiff failed (status $rc):"
        quote "$out"
        exit 2
    fi
    [ "$rc" -eq 0 ]
}

# Every earlier minor of this major must still be satisfied, not only the
# newest: a field changed in 1.1 and changed back in 1.2 breaks 1.0 plugins.
for base in "${baselines[@]}"; do
    bv=$(basename "$base" .abi)
    bv=${bv#qemu-block-plugin-}
    what="$header is not compatible with ABI $bv (abi-check/$(basename "$base"))"
    if ! abidiff_to "$work/suppressed.txt" --suppr "$suppr" "$base" "$work/new.abi"; then
        say "FAIL: $what"
        say "a version of the same major may only append fields at the end" \
            "of $tables; abidiff reports:"
        quote "$work/suppressed.txt"
        exit 1
    fi
    # The suppression above also hides changes to a listed table that keep
    # its size or grow it (libabigail 2.2): compare what the baseline
    # already had, with the appended fields cut off, strictly.
    python3 "$here/cut-appended.py" "$suppr" "$base" "$work/new.abi" \
        "$work/cut.abi" || exit 2
    if ! abidiff_to "$work/cut.txt" "$base" "$work/cut.abi"; then
        say "FAIL: $what"
        say "fields that ABI $bv already has were changed; abidiff of the" \
            "tables cut back to their $bv size reports:"
        quote "$work/cut.txt"
        exit 1
    fi
done

# Compatible with every baseline.  Growth must come with a minor bump.
if abidiff_to "$work/plain.txt" "$newest" "$work/new.abi"; then
    if [ "$minor" -eq "$newest_minor" ]; then
        say "OK: $header is ABI $version, identical to its baseline" \
            "abi-check/$(basename "$newest")"
        exit 0
    fi
    say "OK: $header is ABI $version, the same ABI as $newest_version as" \
        "far as abidiff sees (new constants only?)"
elif [ "$minor" -eq "$newest_minor" ]; then
    say "FAIL: $header appends to ABI $newest_version but QBP_ABI_MINOR is" \
        "still $minor: bump it to $((minor + 1)) as abi-check/README.md says;" \
        "abidiff reports:"
    quote "$work/plain.txt"
    exit 1
else
    say "OK: $header is ABI $version and only appends to ABI $newest_version"
fi
say "note: no baseline for $version yet; once $version is final, run" \
    "'make abi-baseline' and commit abi-check/qemu-block-plugin-$version.abi" \
    "next to the older ones"
exit 0
