#!/usr/bin/env bash
# Names and option values the rbd plugin refuses before it reaches any
# cluster, through qemu-img, qemu-io and qemu-system-x86_64: '/' or '@' in
# a pool, namespace, image or snapshot name (Ceph's rule), escaped or not,
# in the filename and as named options; values longer than their limit.
# Each message names the option or the name, never an option's value.
# The unit tests (tests/unit/test-rbd-spec.c) hold every limit.
. tests/functions.sh
[ -x "$QEMU_IO" ] && [ -x "$QEMU_IMG" ] && [ -x "$QEMU_SYSTEM" ] ||
    skip_all "QEMU is not built yet (make qemu)"
plan 9

why="(Ceph names cannot contain '/' or '@')"
# refused DESCRIPTION MESSAGE COMMAND...: exit status 1 and exactly MESSAGE.
refused() {
    local desc=$1 msg=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    check_equal "$desc" "1 $msg" "$rc $out"
}
# No monitor answers at port 9: a name that got through would time out.
srv=server=127.0.0.1:9,mon-op-timeout=1

refused "filename: an escaped '@' in the image name" \
    "qemu-img: Could not open 'plugin:rbd:rbd/vm\\@1': rbd filename 'rbd/vm\\@1': '@' in the image name $why" \
    "$QEMU_IMG" info -f raw 'plugin:rbd:rbd/vm\@1'
refused "filename: an escaped '/' in the pool name" \
    "qemu-io: can't open device plugin:rbd:r\\/b/vm: rbd filename 'r\\/b/vm': '/' in the pool name $why" \
    "$QEMU_IO" -f raw -c 'read 0 512' 'plugin:rbd:r\/b/vm'
refused "--image-opts: '@' in the image option" \
    "qemu-io: can't open: rbd: option 'image': '@' in the image name $why" \
    "$QEMU_IO" --image-opts "driver=plugin,module=rbd,pool=rbd,image=a@b,$srv" -c 'read 0 512'
refused "--image-opts: '/' in the pool option" \
    "qemu-io: can't open: rbd: option 'pool': '/' in the pool name $why" \
    "$QEMU_IO" --image-opts "driver=plugin,module=rbd,pool=r/b,image=vm,$srv" -c 'read 0 512'
refused "--image-opts: an empty snapshot option" \
    "qemu-io: can't open: rbd: option 'snapshot': empty snapshot name" \
    "$QEMU_IO" --image-opts "driver=plugin,module=rbd,pool=rbd,image=vm,snapshot=,$srv" -c 'read 0 512'
refused "-blockdev: '/' in the namespace option" \
    "qemu-system-x86_64: -blockdev driver=plugin,node-name=d0,module=rbd,options.pool=rbd,options.image=vm1,options.namespace=a/b: rbd: option 'namespace': '/' in the namespace name $why" \
    "$QEMU_SYSTEM" -M none -nodefaults -display none -S \
    -blockdev "driver=plugin,node-name=d0,module=rbd,options.pool=rbd,options.image=vm1,options.namespace=a/b"

long_image=$(printf 'i%.0s' $(seq 2042))
refused "--image-opts: an image name past Ceph's 2041 bytes" \
    "qemu-io: can't open: rbd: option 'image': image name is 2042 bytes, more than 2041" \
    "$QEMU_IO" --image-opts "driver=plugin,module=rbd,pool=rbd,image=$long_image,$srv" -c 'read 0 512'
long_user=$(printf 'u%.0s' $(seq 257))
refused "--image-opts: a user name past 256 bytes, not quoted" \
    "qemu-io: can't open: rbd: option 'user' is 257 bytes, more than 256" \
    "$QEMU_IO" --image-opts "driver=plugin,module=rbd,pool=rbd,image=vm,user=$long_user,$srv" -c 'read 0 512'
long_key=$(printf 'K%.0s' $(seq 4097))
refused "filename: a Ceph setting's value past 4096 bytes, not quoted" \
    "qemu-io: can't open device plugin:rbd:rbd/vm:key=$long_key: rbd filename: option 'key' is 4097 bytes, more than 4096" \
    "$QEMU_IO" -f raw -c 'read 0 512' "plugin:rbd:rbd/vm:key=$long_key"
done_testing
