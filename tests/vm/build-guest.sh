#!/usr/bin/env bash
# Build the test guest in DIR (build/vm): Debian's cloud kernel, taken out of
# its .deb (never installed into the host's /boot), and a busybox initramfs
# holding the virtio modules the kernel needs for a virtio-blk disk and
# tests/vm/init as /init.
#
#   tests/vm/build-guest.sh DIR HELPER
#
# HELPER is the static qbp-odirect (tests/vm/qbp-odirect.c) for /bin.
# Writes DIR/vmlinuz, DIR/initramfs.cpio.gz and DIR/kernel-version.  The
# kernel .deb is fetched once with `apt-get download` and kept in DIR/deb.
set -euo pipefail

dir=${1:?usage: $0 DIR HELPER}
helper=$(realpath "${2:?usage: $0 DIR HELPER}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
busybox=/bin/busybox
# Everything a virtio-blk disk on virtio-pci needs; their dependencies are
# found from the modules' own .modinfo.
want_modules=(virtio_pci virtio_blk)

die() { echo "build-guest.sh: $*" >&2; exit 1; }

[ -x "$busybox" ] && "$busybox" --list 2>/dev/null | grep -qx mke2fs ||
    die "$busybox is not busybox-static (scripts/install-deps.sh installs it)"
command -v objcopy >/dev/null || die "objcopy (binutils) is missing"
command -v cpio >/dev/null || die "cpio is missing (scripts/install-deps.sh installs it)"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

# apt_download PACKAGE: fetch PACKAGE's .deb into the current directory,
# refreshing apt's lists once if they do not know it (a fresh machine).
apt_download() {
    # The _apt sandbox user may not write to the build tree.
    if ! apt-get -q -o APT::Sandbox::User=root download "$1" >/dev/null 2>&1; then
        $sudo apt-get update -q >/dev/null
        apt-get -q -o APT::Sandbox::User=root download "$1" >/dev/null
    fi
}

mkdir -p "$dir/deb"
cd "$dir"

# The metapackage names the current kernel package; fetch that once.
image_deb=$(ls deb/linux-image-[0-9]*-cloud-amd64_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$image_deb" ]; then
    (
        cd deb
        apt_download linux-image-cloud-amd64
        meta=$(ls linux-image-cloud-amd64_*.deb | head -n 1)
        pkg=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed 's/ *(.*//; s/^ *//' |
              grep '^linux-image-[0-9].*-cloud-amd64$' | head -n 1)
        [ -n "$pkg" ] || die "cannot tell the kernel package from $meta"
        apt_download "$pkg"
    )
    image_deb=$(ls deb/linux-image-[0-9]*-cloud-amd64_*.deb | head -n 1)
fi

rm -rf kernel-root initramfs-root
dpkg-deb -x "$image_deb" kernel-root
kver=$(ls kernel-root/lib/modules | head -n 1)
[ -n "$kver" ] || die "$image_deb holds no modules"
cp "kernel-root/boot/vmlinuz-$kver" vmlinuz.new
mdir=kernel-root/lib/modules/$kver

# module_file NAME: the .ko of module NAME, whose file may spell _ as -.
module_file() {
    local ko
    ko=$(find "$mdir/kernel" \( -name "$1.ko" -o -name "${1//_/-}.ko" \) | head -n 1)
    [ -n "$ko" ] || die "module $1 is not in $image_deb"
    echo "$ko"
}

# module_deps NAME: the modules NAME needs, from its .modinfo section.
module_deps() {
    local ko
    ko=$(module_file "$1")
    objcopy -O binary --only-section=.modinfo "$ko" modinfo.tmp
    tr '\0' '\n' <modinfo.tmp | sed -n 's/^depends=//p' | tr ',' ' '
    rm -f modinfo.tmp
}

# Dependencies first, each module once: the order insmod needs.
declare -A visited=()
order=()
visit() {
    local m=$1 d
    [ -z "${visited[$m]+x}" ] || return 0
    visited[$m]=1
    if grep -qE "/($m|${m//_/-})\.ko\$" "$mdir/modules.builtin"; then
        return 0
    fi
    for d in $(module_deps "$m"); do
        visit "$d"
    done
    order+=("$m")
}
for m in "${want_modules[@]}"; do
    visit "$m"
done

root=initramfs-root
mkdir -p "$root"/{bin,dev,proc,sys,mnt,tmp,modules}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
: >"$root/modules/order"
for m in "${order[@]}"; do
    cp "$(module_file "$m")" "$root/modules/$m.ko"
    echo "$m" >>"$root/modules/order"
done
install -m 0755 "$here/init" "$root/init"
install -m 0755 "$helper" "$root/bin/qbp-odirect"

(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
    gzip -1 >initramfs.cpio.gz.new
mv vmlinuz.new vmlinuz
mv initramfs.cpio.gz.new initramfs.cpio.gz
echo "$kver" >kernel-version
rm -rf kernel-root
echo "guest: kernel $kver, modules ${order[*]}"
