#!/usr/bin/env bash
# What goes wrong is said clearly: a missing pool, image or snapshot, an
# unreadable Ceph configuration, a write-open of an image with features the
# plugin cannot write, create options that cannot work, and malformed
# filenames each give one exact message and exit status 1 from qemu-img or
# qemu-io (an error, not a crash: a signal would give 128+N), and leave the
# cluster as it was.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 45
ceph_start

MiB=$((1 << 20))
rbd create --size 8M --image-feature layering img
random_file "$scratch/r8" $((8 * MiB)) 8
"$QEMU_IMG" convert -n -f raw -O raw "$scratch/r8" plugin:rbd:rbd/img
info() { "$QEMU_IMG" info -f raw "$@"; }
create() { "$QEMU_IMG" create -q -f raw "$@"; }
syntax="POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]"

# --- what is not there ------------------------------------------------------
check_fails_with "a missing pool" \
    "qemu-img: Could not open 'plugin:rbd:nopool/img': rbd: pool 'nopool' does not exist" \
    info plugin:rbd:nopool/img
check_fails_with "a missing image" \
    "qemu-img: Could not open 'plugin:rbd:rbd/nothere': rbd: image 'nothere' not found in pool 'rbd'" \
    info plugin:rbd:rbd/nothere
check_fails_with "a missing snapshot" \
    "qemu-img: Could not open 'plugin:rbd:rbd/img@nosnap': rbd: snapshot 'nosnap' of image 'rbd/img@nosnap' not found" \
    info plugin:rbd:rbd/img@nosnap
check_fails_with "qemu-io: a missing image" \
    "qemu-io: can't open device plugin:rbd:rbd/nothere: rbd: image 'nothere' not found in pool 'rbd'" \
    "$QEMU_IO" -f raw -c 'read 0 512' plugin:rbd:rbd/nothere
check_fails_with "create in a missing pool" \
    "qemu-img: plugin:rbd:nopool/new: rbd: pool 'nopool' does not exist" \
    create plugin:rbd:nopool/new 8M

# --- the Ceph configuration -------------------------------------------------
check_fails_with "a configuration file that does not exist" \
    "qemu-img: Could not open 'plugin:rbd:rbd/img:conf=$scratch/none.conf': rbd: cannot read the Ceph configuration '$scratch/none.conf': No such file or directory" \
    info "plugin:rbd:rbd/img:conf=$scratch/none.conf"
mkdir "$scratch/dir.conf"
out=$(info "plugin:rbd:rbd/img:conf=$scratch/dir.conf" 2>&1)
check_equal "a configuration that is a directory (exit status, message)" \
    "1 qemu-img: Could not open 'plugin:rbd:rbd/img:conf=$scratch/dir.conf': rbd: cannot read the Ceph configuration '$scratch/dir.conf': Is a directory" \
    "$? $out"
# A file that exists but may not be read: the message must say so, not
# "No such file or directory" (which is what librados' rados_conf_read_file
# returns for any file it cannot open).  As root, through an unprivileged
# user, for whom the file (mode 000, in the 0700 scratch directory) is
# unreadable as well.
locked=$scratch/locked.conf
cp "$CEPH_CONF" "$locked"
chmod 000 "$locked"
as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
check_fails_with "a configuration file that may not be read says 'Permission denied'" \
    "qemu-img: Could not open 'plugin:rbd:rbd/img:conf=$locked': rbd: cannot read the Ceph configuration '$locked': Permission denied" \
    "${as_user[@]}" "$QEMU_IMG" info -f raw "plugin:rbd:rbd/img:conf=$locked"
printf '[global\nmon_host = = =\n\001\002\n' >"$scratch/bad.conf"
check_fails_with "a configuration file that does not parse" \
    "qemu-img: Could not open 'plugin:rbd:rbd/img:conf=$scratch/bad.conf': rbd: cannot read the Ceph configuration '$scratch/bad.conf': Invalid argument" \
    info "plugin:rbd:rbd/img:conf=$scratch/bad.conf"
check_fails_with "the named option conf= says the same" \
    "qemu-io: can't open: rbd: cannot read the Ceph configuration '$scratch/bad.conf': Invalid argument" \
    "$QEMU_IO" -c 'read 0 512' --image-opts \
    "driver=plugin,module=rbd,pool=rbd,image=img,conf=$scratch/bad.conf"

# --- features the plugin cannot write ---------------------------------------
rbd create --size 8M --image-feature layering,exclusive-lock,journaling jimg
"$QEMU_IMG" convert -n -f raw -O raw "$scratch/r8" rbd:rbd/jimg
journal_msg="image 'rbd/jimg' uses features the rbd plugin cannot write yet: journaling; open it read-only or run \`rbd feature disable\`"
check_fails_with "qemu-io: a write-open of a journaling image is refused by feature name" \
    "qemu-io: can't open device plugin:rbd:rbd/jimg: $journal_msg" \
    "$QEMU_IO" -f raw -c 'write 0 512' plugin:rbd:rbd/jimg
check_fails_with "qemu-img convert -n into it: the same" \
    "qemu-img: Could not open 'plugin:rbd:rbd/jimg': $journal_msg" \
    "$QEMU_IMG" convert -n -f raw -O raw "$scratch/r8" plugin:rbd:rbd/jimg
check_fails_with "qemu-img resize of it: the same" \
    "qemu-img: Could not open 'plugin:rbd:rbd/jimg': $journal_msg" \
    "$QEMU_IMG" resize -f raw plugin:rbd:rbd/jimg 16M
check "...and, as the message says, it opens read-only" \
    qio -r -f raw -c 'read 0 8M' plugin:rbd:rbd/jimg
"$QEMU_IMG" convert -f raw -O raw plugin:rbd:rbd/jimg "$scratch/jimg.out" 2>&1
check_cmp "...with the right bytes" "$scratch/r8" "$scratch/jimg.out"

# --- create options that cannot work ----------------------------------------
check_fails_with "create: a feature the plugin cannot write" \
    "qemu-img: plugin:rbd:rbd/new: rbd: cannot create image 'new' with features the plugin cannot write yet: journaling" \
    create -o features=layering+exclusive-lock+journaling plugin:rbd:rbd/new 8M
check_fails_with "create: an unknown feature" \
    "qemu-img: plugin:rbd:rbd/new: rbd: unknown feature in 'layering+colour' (known: layering, striping, exclusive-lock, object-map, fast-diff, deep-flatten, journaling, data-pool)" \
    create -o features=layering+colour plugin:rbd:rbd/new 8M
check_fails_with "create: an object size that is not a power of two" \
    "qemu-img: plugin:rbd:rbd/new: rbd: object-size 3145728 is not a power of two from 4K to 32M" \
    create -o object-size=3M plugin:rbd:rbd/new 8M
check_fails_with "create: a stripe unit that does not divide the object size" \
    "qemu-img: plugin:rbd:rbd/new: rbd: cannot create image 'new': object size 1048576, stripe unit 49152 and stripe count 2 do not fit together (the stripe unit must divide the object size)" \
    create -o object-size=1M,stripe-unit=48K,stripe-count=2 plugin:rbd:rbd/new 8M
check_fails_with "create: a data pool that does not exist" \
    "qemu-img: plugin:rbd:rbd/new: rbd: data pool 'nodata' does not exist" \
    create -o data-pool=nodata plugin:rbd:rbd/new 8M
check_fails_with "create: a snapshot" \
    "qemu-img: plugin:rbd:rbd/img@s: rbd: cannot create a snapshot ('img@s'); use \`rbd snap create\`" \
    create plugin:rbd:rbd/img@s 8M
check_fails_with "create: an image that exists" \
    "qemu-img: plugin:rbd:rbd/img: rbd: image 'img' already exists in pool 'rbd'" \
    create plugin:rbd:rbd/img 16M
check_equal "the failed creates left nothing behind ('rbd ls', rbd_id objects)" \
    "img jimg | rbd_id.img rbd_id.jimg" \
    "$(rbd ls | sort | xargs) | $(rados -p rbd ls | grep '^rbd_id\.' | sort | xargs)"
check_export "...and the existing image is intact" img "$scratch/r8"

# --- malformed filenames ----------------------------------------------------
# bad_name DESCRIPTION REST MESSAGE: qemu-img info plugin:rbd:REST fails with
# "Could not open 'plugin:rbd:REST': MESSAGE".
bad_name() {
    check_fails_with "filename: $1" \
        "qemu-img: Could not open 'plugin:rbd:$2': $3" info "plugin:rbd:$2"
}
bad_name "nothing after plugin:rbd:" "" \
    "rbd filename has no pool or image name: expected $syntax"
bad_name "no image name" "rbd" \
    "rbd filename 'rbd' has no image name: expected $syntax"
bad_name "an empty pool name" "/img" "rbd filename '/img': empty pool name"
bad_name "an empty image name" "rbd/" "rbd filename 'rbd/': empty image name"
bad_name "an empty namespace" "rbd//img" "rbd filename 'rbd//img': empty namespace"
bad_name "an empty image name after a namespace" "rbd/ns/" \
    "rbd filename 'rbd/ns/': empty image name"
bad_name "too many '/'" "rbd/a/b/c" \
    "rbd filename 'rbd/a/b/c': too many '/' (Ceph names cannot contain '/' or '@')"
bad_name "an empty snapshot name" "rbd/img@" "rbd filename 'rbd/img@': empty snapshot name"
bad_name "two '@'" "rbd/img@s1@s2" \
    "rbd filename 'rbd/img@s1@s2': more than one '@' (Ceph names cannot contain '/' or '@')"
bad_name "'@' in the pool name" "rb@d/img" \
    "rbd filename 'rb@d/img': '@' in the pool name (Ceph names cannot contain '/' or '@')"
bad_name "'/' in the snapshot name" "rbd/img@s/x" \
    "rbd filename 'rbd/img@s/x': '/' in the snapshot name (Ceph names cannot contain '/' or '@')"
bad_name "an empty option" "rbd/img:" \
    "rbd filename: empty option after ':' (expected key=value)"
bad_name "an empty option between two" "rbd/img::id=admin" \
    "rbd filename: empty option after ':' (expected key=value)"
bad_name "an option without '='" "rbd/img:conf" "rbd filename: option 'conf' has no value"
bad_name "an option without a name" "rbd/img:=x" \
    "rbd filename: option with an empty name before '='"
bad_name "a repeated option" "rbd/img:id=a:id=b" "rbd filename: duplicate option 'id'"
bad_name "an empty conf" "rbd/img:conf=" "rbd filename: option 'conf' has an empty value"
bad_name "an empty mon_host" "rbd/img:mon_host=" \
    "rbd filename: option 'mon_host' has an empty value"
bad_name "a trailing lone backslash" 'rbd/img\' \
    "rbd filename: trailing backslash escapes nothing (write '\\\\' for a backslash)"
bad_name "an unknown Ceph setting" "rbd/img:no_such_setting=1" \
    "rbd: invalid Ceph setting no_such_setting=1: No such file or directory"
check_fails_with "filename: the messages never show an option's value (it may be a key)" \
    "qemu-io: can't open device plugin:rbd:rbd/img:key=AQBsecret:key=AQBsecret: rbd filename: duplicate option 'key'" \
    "$QEMU_IO" -f raw -c 'read 0 512' plugin:rbd:rbd/img:key=AQBsecret:key=AQBsecret
done_testing
