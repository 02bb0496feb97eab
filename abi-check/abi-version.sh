#!/usr/bin/env bash
# abi-version.sh HEADER_DIR: print the ABI version "MAJOR.MINOR" that
# HEADER_DIR/qemu-block-plugin.h declares.
#
# The preprocessor evaluates the macros, so a version written as an
# expression or moved around in the header is still read right.
set -euo pipefail

dir=${1:?usage: abi-version.sh HEADER_DIR}
if [ ! -f "$dir/qemu-block-plugin.h" ]; then
    echo "abi-version: no qemu-block-plugin.h in $dir" >&2
    exit 1
fi
# Each macro on its own line with a marker, so nothing else the header
# expands to can be mistaken for the version.
printf '#include "qemu-block-plugin.h"\nqbp_version QBP_ABI_MAJOR.QBP_ABI_MINOR\n' |
    "${CC:-cc}" -E -P -I "$dir" -x c - |
    sed -n 's/^qbp_version \([0-9][0-9]*\) *\. *\([0-9][0-9]*\)$/\1.\2/p' |
    grep . || {
        echo "abi-version: cannot read QBP_ABI_MAJOR/QBP_ABI_MINOR from" \
             "$dir/qemu-block-plugin.h" >&2
        exit 1
    }
