#!/usr/bin/env bash
# abi-dump.sh HEADER_DIR OUT.so [OUT.abi]: build the ABI probe against
# HEADER_DIR/qemu-block-plugin.h into OUT.so and, if asked, write its ABI
# dump (abidw's XML) to OUT.abi.
#
# The one place that says how the probe is built and dumped, so that the
# committed baseline and every later check are made the same way.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: abi-dump.sh HEADER_DIR OUT.so [OUT.abi]}
so=${2:?usage: abi-dump.sh HEADER_DIR OUT.so [OUT.abi]}
abi=${3:-}

mkdir -p "$(dirname "$so")"
so=$(cd "$(dirname "$so")" && pwd)/$(basename "$so")
# Compile a copy in a scratch directory with relative names: abidw orders
# some declarations by their source path, so building from where the header
# happens to live would make the dump depend on the checkout location.
work=$(mktemp -d "${TMPDIR:-/tmp}/abi-dump.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$dir"/*.h "$here/abi-probe.c" "$work/"
# -O0 -g: full debug info is the whole point; the code itself is never run.
(cd "$work" && "${CC:-cc}" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
    -g -O0 -fdebug-prefix-map="$work"=. -fPIC -fvisibility=hidden -shared \
    -I . -o "$so" abi-probe.c)

if [ -n "$abi" ]; then
    mkdir -p "$(dirname "$abi")"
    # Nothing that depends on where the tree is checked out goes into the
    # dump: no corpus path, no compilation directory, file names only.
    # DT_NEEDED is libc, which is not part of this ABI.
    abidw --no-corpus-path --no-comp-dir-path --short-locs --no-elf-needed \
        --out-file "$abi" "$so"
fi
