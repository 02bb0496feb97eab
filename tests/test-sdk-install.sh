#!/usr/bin/env bash
# `make install` into a temporary prefix installs the whole SDK: header,
# pkg-config file, plugins, qbp-check, man pages and docs.  Out of tree,
# with nothing but pkg-config pointed at that prefix, plugins/null and the
# tutorial's memdisk build, pass the installed qbp-check and load in the
# built QEMU with --module.  The man pages render without warnings, say
# the header's version and document every identifier it declares.  With
# DESTDIR, everything lands under DESTDIR and the .pc file names PREFIX.
. tests/functions.sh
export LC_ALL=C.UTF-8
plan 19

abi=$(abi-check/abi-version.sh plugin-api)
# A make of its own, not a part of the make that may be running the tests,
# in a build tree of its own: the loader bakes PREFIX in, and the tests
# after this one must still find what build/ has.
mk=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory
    "B=$scratch/build")

prefix=$scratch/prefix
out=$("${mk[@]}" install "PREFIX=$prefix" 2>&1)
check_equal "make install PREFIX=... succeeds" "0" "$?${out:+: $out}"

# missing FILE...: those of the files that were not installed.
missing() {
    local f
    for f in "$@"; do
        [ -e "$f" ] || printf '%s ' "${f#"$prefix"/}"
    done
}
doc=$prefix/share/doc/qemu-block-plugin
check_equal "it installs the header, the .pc file and the plugins" "" \
    "$(missing "$prefix/include/qemu-block-plugin.h" \
        "$prefix/lib/pkgconfig/qemu-block-plugin.pc" \
        "$prefix"/lib/qemu-block-plugins/{null,file,rbd}-plugin.so)"
check_equal "...qbp-check, the man pages and the docs (install needs install-sdk)" "" \
    "$(missing "$prefix/bin/qbp-check" "$prefix/share/man/man1/qbp-check.1" \
        "$prefix/share/man/man7/qemu-block-plugin.7" \
        "$doc"/{tutorial.md,versioning.md,CONTRACT.md} \
        "$doc"/example/{memdisk.c,Makefile})"

# Only this prefix's pkg-config files: PKG_CONFIG_LIBDIR replaces the
# default search path, so an SDK installed in /usr/local cannot help.
export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig PKG_CONFIG_PATH=
check_equal "pkg-config finds it in the prefix" \
    "$abi: -I$prefix/include -fvisibility=hidden" \
    "$(pkg-config --modversion qemu-block-plugin): $(echo $(pkg-config --cflags qemu-block-plugin))"

# The installed qbp-check and QEMU may only find plugins through --module.
export QEMU_BLOCK_PLUGIN_PATH=$scratch/empty
QBP_CHECK=$prefix/bin/qbp-check

# plugins/null, copied away from the source tree and its header.
oot=$scratch/out-of-tree/null
mkdir -p "$oot"
cp plugins/null/null.c "$oot/"
out=$(cd "$oot" && ${CC:-cc} -std=c11 -O2 -Wall -fPIC \
      $(pkg-config --cflags qemu-block-plugin) -o null-plugin.so null.c \
      $(pkg-config --libs qemu-block-plugin) 2>&1 && chmod 0755 null-plugin.so)
check_equal "plugins/null builds out of tree with pkg-config alone" "0" \
    "$?${out:+: $out}"
out=$("$QBP_CHECK" --tap "$oot/null-plugin.so" size=64M 2>&1)
check_equal "...passes the installed qbp-check" "exit 0, failures: none" \
    "exit $?, failures: $(printf '%s\n' "$out" | grep '^not ok' || echo none)"
check "...and loads in QEMU with --module" \
    qio --module "$oot/null-plugin.so" -f raw -c 'read -P 0 0 1M' \
        "plugin:null:64M"

# The tutorial's plugin, with the Makefile that comes with it.
cp -r "$doc/example" "$scratch/memdisk"
out=$("${mk[@]}" -C "$scratch/memdisk" 2>&1)
check_equal "the tutorial's memdisk builds with its Makefile" "0" \
    "$?${out:+: $out}"
out=$("${mk[@]}" -C "$scratch/memdisk" check "QBP_CHECK=$QBP_CHECK" 2>&1)
check_equal "...passes qbp-check as the tutorial runs it (make check)" \
    "exit 0, failures: none" \
    "exit $?, failures: $(printf '%s\n' "$out" | grep '^FAIL' || echo none)"
memdisk=$scratch/memdisk/memdisk-plugin.so
check "...qemu-io --module writes and reads it back" \
    qio --module "$memdisk" -f raw -c 'write -P 0x5a 0 1M' \
        -c 'read -P 0x5a 0 1M' "plugin:memdisk:64M"
qmp=$(printf '%s\n' '{"execute":"qmp_capabilities"}' \
    '{"execute":"query-named-block-nodes"}' '{"execute":"quit"}' |
    timeout 60 "$QEMU_SYSTEM" -module "$memdisk" -M none -nodefaults \
        -display none -S -qmp stdio \
        -blockdev driver=plugin,node-name=md0,module=memdisk,options.size=64M 2>&1)
check_contains "...and qemu-system-x86_64 -module opens a disk on it" \
    '"node-name": "md0"' "$qmp"

# The man pages.
man1=$prefix/share/man/man1/qbp-check.1
man7=$prefix/share/man/man7/qemu-block-plugin.7
check_equal "the man pages render without a warning" "" \
    "$(groff -man -Tutf8 -ww -z "$man1" "$man7" 2>&1)"
check_equal "...and are of the header's version" \
    "qemu-block-plugin $abi qemu-block-plugin $abi" \
    "$(sed -n 's/^\.TH .* "\(qemu-block-plugin [0-9.]*\)" .*/\1/p' "$man1" "$man7" 2>&1 |
       paste -sd' ')"

# Every identifier of the installed header: macros and enum constants,
# structs, callback types, and the members of every struct.
h=$prefix/include/qemu-block-plugin.h
ids=$( {
    grep -oE '^#define QBP_[A-Z0-9_]+' "$h" | sed 's/#define //'
    grep -oE '^ +QBP_[A-Z0-9_]+ =' "$h" | tr -d ' ='
    grep -oE 'struct qbp_[a-z_]+' "$h" | sed 's/struct //'
    grep -oE 'qbp_[a-z_]+_fn' "$h"
    awk '/^struct qbp_[a-z_]+ \{/ { inside = 1; next }
         /^\};/ { inside = 0 }
         inside && /^    [a-z]/ {
             if (match($0, /\(\*[a-z_0-9]+\)/)) {
                 print substr($0, RSTART + 2, RLENGTH - 3)
             } else if (match($0, /[a-z_0-9]+(\[[^]]*\])?;/)) {
                 s = substr($0, RSTART, RLENGTH); sub(/[[;].*/, "", s); print s
             }
         }' "$h"
    echo qbp_plugin_init
    echo qbp_host
} | sort -u)
text=$(sed 's/\\f[BIRP]//g' "$man7" 2>&1)
undocumented=$(for id in $ids; do
    grep -qw -- "$id" <<< "$text" || printf '%s ' "$id"
done)
check_equal "qemu-block-plugin(7) documents all $(wc -w <<< "$ids") identifiers of the header" \
    "" "$undocumented"

# The example of qemu-block-plugin(7), as printed, is a working plugin.
mkdir -p "$scratch/zero"
awk '/^\.SH EXAMPLE/ { ex = 1 }
     ex && /^\.nf/ && !done { code = 1; next }
     code && /^\.RE/ { code = 0; done = 1 }
     code && !/^\.RS/ { print }' "$man7" > "$scratch/zero/zero.c" 2>&1
build_zero() {
    cd "$scratch/zero" &&
    ${CC:-cc} -std=c11 -fPIC $(pkg-config --cflags qemu-block-plugin) \
        -o zero-plugin.so zero.c $(pkg-config --libs qemu-block-plugin) &&
    chmod 0755 zero-plugin.so &&
    "$QBP_CHECK" ./zero-plugin.so
}
check "the man page's example plugin builds and passes qbp-check" build_zero

# DESTDIR: staged under it, for /usr/local; the same build tree, so the
# loader is rebuilt for the new PREFIX.
stage=$scratch/stage
out=$("${mk[@]}" install "DESTDIR=$stage" PREFIX=/usr/local 2>&1)
check_equal "make install DESTDIR=... PREFIX=/usr/local succeeds" "0" \
    "$?${out:+: $out}"
check_equal "...everything lands under DESTDIR/usr/local" \
    "usr" "$(ls "$stage")"
check_contains "...and the .pc file names the real prefix" \
    "prefix=/usr/local" "$(cat "$stage/usr/local/lib/pkgconfig/qemu-block-plugin.pc")"
check_equal "...and its qbp-check searches the real prefix's plugin directory, not the first install's" \
    "1 0" \
    "$(strings "$stage/usr/local/bin/qbp-check" | grep -cx /usr/local/lib/qemu-block-plugins) $(strings "$stage/usr/local/bin/qbp-check" | grep -c "$prefix")"
done_testing
