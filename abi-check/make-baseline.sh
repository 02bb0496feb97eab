#!/usr/bin/env bash
# make-baseline.sh BUILD_DIR: write abi-check/qemu-block-plugin-M.m.abi, the
# ABI baseline of plugin-api/qemu-block-plugin.h at the version it
# declares (`make abi-baseline`).
#
# A baseline records a released ABI, so it is only (re)written when the
# header passes check-abi.sh against the baselines already committed, or
# starts a new major.  ABI_BASELINE_FORCE=1 overrides that, for an ABI
# that was never released.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:?usage: make-baseline.sh BUILD_DIR}
api=$top/plugin-api

version=$("$here/abi-version.sh" "$api")
major=${version%%.*}
out=$here/qemu-block-plugin-$version.abi

if [ "${ABI_BASELINE_FORCE:-}" != 1 ] &&
   ls "$here"/qemu-block-plugin-"$major".*.abi > /dev/null 2>&1; then
    if ! "$here/check-abi.sh" "$api"; then
        echo "make-baseline: not writing $(basename "$out"): the header" \
             "breaks a committed baseline (ABI_BASELINE_FORCE=1 overrides," \
             "for an ABI that was never released)" >&2
        exit 1
    fi
fi
"$here/abi-dump.sh" "$api" "$build/abi-check/abi-probe.so" "$out"
echo "make-baseline: wrote abi-check/$(basename "$out") for ABI $version"
