#!/usr/bin/env bash
# Build QEMU from Debian's source package with the block plugin shim.
#
#   host/qemu/build-qemu.sh BUILD_DIR PLUGINDIR [SANITIZERS=yes|no] [VERSION]
#
# VERSION is 7.2 (Debian 12's QEMU, the default) or 10.0 (Debian 13's,
# which builds on Debian 12 with meson from bookworm-backports).  The source
# is fetched once and patched with qemu-VERSION.patch (the few lines QEMU's
# own files need); the shim and the loader are symlinked into the tree so
# editing them here rebuilds QEMU incrementally.  Binaries end up in
# BUILD_DIR/qemu/ for 7.2 and BUILD_DIR/qemu-10.0/ for 10.0.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath -m "${1:-build}")
plugindir=${2:-/usr/local/lib/qemu-block-plugins}
sanitizers=${3:-no}
version=${4:-7.2}

case "$version" in
7.2)
    suite=bookworm
    name=qemu
    extra_conf=()
    ;;
10.0)
    suite=trixie
    name=qemu-10.0
    # Debian's python3: QEMU 10.0's configure builds a venv from it.
    extra_conf=(--python=/usr/bin/python3)
    ;;
*)
    echo "build-qemu: QEMU '$version' is not one the shim is built for" \
         "(7.2 or 10.0)" >&2
    exit 1
    ;;
esac
src=$build/$name-src
obj=$build/$name-build
out=$build/$name
dl=$build/$name-dl
patch=$top/host/qemu/qemu-$version.patch
# QBP_QEMU_TARGETS builds fewer programs (make check-asan builds two).
read -r -a targets <<<"${QBP_QEMU_TARGETS:-qemu-img qemu-io qemu-nbd storage-daemon/qemu-storage-daemon qemu-system-x86_64}"

# Debian's python3, not whatever python3 comes first on PATH; ccache's
# compiler wrappers first so a rebuild of the same tree takes a minute.
export PATH=/usr/lib/ccache:/usr/bin:/bin:/usr/sbin:/sbin

want=$(sha256sum "$patch" | cut -d' ' -f1)
if [ "$(cat "$src/.qbp-patch" 2>/dev/null)" != "$want" ]; then
    echo "build-qemu: fetching and patching Debian's QEMU $version source"
    rm -rf "$src" "$obj" "$dl"
    mkdir -p "$dl"
    (cd "$dl" && apt-get source -q --download-only "qemu/$suite")
    dpkg-source -q -x "$dl"/qemu_*.dsc "$src"
    patch -s -d "$src" -p1 < "$patch"
    echo "$want" > "$src/.qbp-patch"
fi

mkdir -p "$src/block/plugin"
ln -sfn "$top/host/qemu/block-plugin.c" "$src/block/plugin/block-plugin.c"
ln -sfn "$top/host/qemu/qemu-compat.h" "$src/block/plugin/qemu-compat.h"
ln -sfn "$top/host/qemu/plugin.h" "$src/include/block/plugin.h"
ln -sfn "$top/plugin-api/qemu-block-plugin.h" "$src/block/plugin/"
for f in "$top"/host/loader/*.[ch]; do
    ln -sfn "$f" "$src/block/plugin/"
done
config="#define QBP_PLUGINDIR \"$plugindir\""
if [ "$(cat "$src/block/plugin/qbp-config.h" 2>/dev/null)" != "$config" ]; then
    echo "$config" > "$src/block/plugin/qbp-config.h"
fi

conf_args=(--target-list=x86_64-softmmu --without-default-features
           --enable-tools --enable-tcg --enable-rbd --enable-fdt=system
           --enable-vhost-user --enable-vhost-user-blk-server --enable-fuse
           --disable-docs --disable-werror --disable-install-blobs
           "${extra_conf[@]}")
if [ "$sanitizers" = yes ]; then
    conf_args+=(--enable-sanitizers)
fi
if [ "$(cat "$obj/.qbp-configure" 2>/dev/null)" != "${conf_args[*]}" ]; then
    echo "build-qemu: configuring QEMU $version"
    rm -rf "$obj"
    mkdir -p "$obj"
    (cd "$obj" && "$src/configure" "${conf_args[@]}" > configure.log 2>&1) || {
        tail -30 "$obj/configure.log"
        exit 1
    }
    echo "${conf_args[*]}" > "$obj/.qbp-configure"
fi

echo "build-qemu: building QEMU $version: ${targets[*]}"
if ! ninja -C "$obj" "${targets[@]}" > "$obj/ninja.log" 2>&1; then
    grep -E -A12 'error:|FAILED:' "$obj/ninja.log" | cut -c1-300 | head -80
    exit 1
fi
# QEMU builds without -Werror, but a warning in the shim is a bug: on
# QEMU 10.0 an undeclared qemu_try_blockalign() once truncated a pointer.
if grep -E '^[^ ]*block/plugin/[^ ]*: warning:' "$obj/ninja.log"; then
    echo "build-qemu: the shim must compile without warnings on QEMU $version" >&2
    find "$obj" -name "*block_plugin_*.o" -delete    # the next build shows them again
    exit 1
fi

mkdir -p "$out"
for t in "${targets[@]}"; do
    ln -sfn "$obj/$t" "$out/${t##*/}"
done
