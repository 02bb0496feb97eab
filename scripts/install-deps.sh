#!/usr/bin/env bash
# Install the Debian 12 packages the project needs to build and test (the
# lists in scripts/deps/), and enable deb-src so the QEMU source package
# can be fetched.  Idempotent: packages already present are not reinstalled.
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

src_list=/etc/apt/sources.list.d/qemu-block-plugin-src.sources
need_src=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
    need_src=1
fi

if [ "$need_src" -eq 1 ]; then
    $sudo tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

if [ "${#missing[@]}" -gt 0 ] || [ "$need_src" -eq 1 ]; then
    $sudo apt-get update -q
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
