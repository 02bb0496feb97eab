#!/usr/bin/env bash
# Install the Debian 12 packages the project needs to build and test (the
# lists in scripts/deps/), enable deb-src so the QEMU source packages can be
# fetched, and install meson from bookworm-backports for QEMU 10.0.  Idempotent: packages already present are not reinstalled.
set -euo pipefail

# One list a concern, scripts/deps/*.txt: words are packages, '#' comments.
packages=($(sed 's/#.*//' "$(dirname "$0")"/deps/*.txt))

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$p")
    fi
done

# deb-src for the QEMU source packages and bookworm-backports for meson,
# from this machine's own apt source for Debian 12 (scripts/apt-sources.sh).
src_list=/etc/apt/sources.list.d/qemu-block-plugin-src.sources
want_src=$("$(dirname "$0")"/apt-sources.sh)
need_src=0
if [ "$(cat "$src_list" 2>/dev/null)" != "$want_src" ]; then
    printf '%s\n' "$want_src" | $sudo tee "$src_list" >/dev/null
    need_src=1
fi

# QEMU 10.0 needs meson 1.5 or later: Debian 12 has it in bookworm-backports.
need_meson=0
if ! meson_version=$(meson --version 2>/dev/null) ||
   ! printf '1.5.0\n%s\n' "$meson_version" | sort -V -C; then
    need_meson=1
fi

if [ "${#missing[@]}" -gt 0 ] || [ "$need_src" -eq 1 ] ||
   [ "$need_meson" -eq 1 ]; then
    $sudo apt-get update -q
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ "$need_meson" -eq 1 ]; then
    echo "installing: meson from bookworm-backports (QEMU 10.0 needs 1.5 or later)"
    $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends -t bookworm-backports meson
fi
