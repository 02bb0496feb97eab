#!/usr/bin/env bash
# The exclusive lock on an image with Ceph's default features (0x3d),
# shared with Ceph's own clients: a qemu-io through the plugin, kept open,
# takes the lock at its first write and hands it over in turns to `rbd
# snap create`, `rbd resize`, QEMU's in-tree driver and `rbd bench`,
# taking it back at its next write; nothing is lost and `rbd lock ls` /
# `rbd status` show the expected owner throughout.  With exclusive=on the
# plugin keeps the lock and the others fail cleanly.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
plan 25
ceph_start

rbd create --size 64M img

MiB=$((1 << 20))

# The lock's owner and the image's watchers, as "client cookie address".
lock_owner() {
    rbd lock ls --format json "$1" | /usr/bin/python3 -c '
import json, sys
for l in json.load(sys.stdin):
    print(l["locker"], l["id"], l["address"])'
}
watchers() {
    rbd status --format json "$1" | /usr/bin/python3 -c '
import json, sys
for w in json.load(sys.stdin)["watchers"]:
    print("client.%d auto %d %s" % (w["client"], w["cookie"], w["address"]))'
}
# The lock's owner is the image's only watcher, the plugin (whose watch
# handle, and so its cookie, changes if the watch has to be set up again).
plugin_owns() {
    local owner watcher
    owner=$(lock_owner img)
    watcher=$(watchers img)
    echo "owner: $owner; watchers: $watcher"
    [ -n "$owner" ] && [ "$owner" = "$watcher" ]
}
# The expected image: starts as zeroes; fill OFF LEN BYTE.
head -c $((64 * MiB)) /dev/zero > "$scratch/expect"
fill() {
    head -c "$2" /dev/zero | tr '\0' "\\$(printf '%03o' "$3")" |
        dd of="$scratch/expect" bs=64k seek="$1" oflag=seek_bytes \
           conv=notrunc status=none
}

qio_bg_open -f raw plugin:rbd:rbd/img
sleep 1
check_equal "an open without writes holds no lock" "" "$(lock_owner img)"
check "the plugin's first write takes the lock" qio_bg_do "write -P 0x11 0 $((8 * MiB))"
fill 0 $((8 * MiB)) 0x11
check "rbd lock ls shows the plugin (the only watcher) as owner" plugin_owns

check "rbd snap create works while the plugin holds the lock" \
    timeout 60 rbd snap create img@s1
check "rbd resize works while the plugin holds the lock" \
    timeout 60 rbd resize --size 96M img
head -c $((32 * MiB)) /dev/zero >> "$scratch/expect"

check "QEMU's in-tree driver writes while the plugin holds the lock" \
    qio -f raw -c "write -P 0x22 $((8 * MiB)) $((4 * MiB))" rbd:rbd/img
fill $((8 * MiB)) $((4 * MiB)) 0x22
check_equal "it released the lock when done" "" "$(lock_owner img)"
check "the plugin writes again" qio_bg_do "write -P 0x33 $((2 * MiB)) $MiB"
fill $((2 * MiB)) $MiB 0x33
check "...and has taken the lock back" plugin_owns
check "the plugin reads what the in-tree driver wrote" \
    qio_bg_do "read -P 0x22 $((8 * MiB)) $((4 * MiB))"

# Turns with rbd bench: each run takes the lock from the plugin, and the
# plugin's next write takes it back.
for turn in 1 2; do
    out=$(timeout 60 rbd bench --io-type write --io-size 64K --io-total 4M \
          --io-pattern seq img 2>&1)
    rc=$?
    [ $rc -eq 0 ] || echo "$out" | sed 's/^/# /'
    rbd export img "$scratch/after-bench" > /dev/null 2>&1
    # rbd bench writes io-total bytes of one value, spread over the image.
    changed=$(cmp -l "$scratch/expect" "$scratch/after-bench" |
              awk '{ print $3 }' | sort | uniq -c)
    [ $turn -eq 1 ] && first_bench=$changed
    cp "$scratch/after-bench" "$scratch/expect"
    off=$(( (turn * 5 + 1) * MiB + 512 ))
    qio_bg_do "write -P 0x4$turn $off 100000" && ok=1 || ok=0
    fill $off 100000 0x4$turn
    check "turn $turn: rbd bench and then the plugin wrote" \
        test $rc -eq 0 -a $ok -eq 1
done
check "the plugin owns the lock after its last write" plugin_owns
echo "# rbd bench changed (bytes, octal value): $first_bench"
check "rbd bench's 4 MiB of one value landed" \
    test "$(echo "$first_bench" | wc -l)" -eq 1 -a \
         "$(echo "$first_bench" | awk '{ print $1 }')" -gt $((3 * MiB))
qio_bg_close
check_equal "after close: no lock" "" "$(lock_owner img)"
check_equal "after close: no watcher" "" "$(watchers img)"
rbd export img "$scratch/final" > /dev/null 2>&1
check "the image is the replay of all the writers' writes" \
    cmp "$scratch/final" "$scratch/expect"
rbd export img@s1 "$scratch/s1" > /dev/null 2>&1
check "the snapshot taken while the plugin held the lock is intact" \
    cmp "$scratch/s1" <(head -c $((8 * MiB)) /dev/zero | tr '\0' '\021';
                       head -c $((56 * MiB)) /dev/zero)
check "rbd object-map check finds nothing wrong" objmap_ok img
check "...nor for the snapshot" objmap_ok img@s1

# exclusive=on: the lock from open to close, never handed over.
qio_bg_open --image-opts \
    driver=plugin,module=rbd,options.pool=rbd,options.image=img,options.exclusive=on
sleep 1
check "exclusive=on takes the lock at open" plugin_owns
out=$(timeout 60 rbd bench --io-type write --io-size 64K --io-total 1M img 2>&1)
check_contains "rbd bench fails cleanly: the owner keeps the lock" \
    "Read-only file system" "$out"
out=$(timeout 60 "$QEMU_IO" -f raw -c 'write 0 4k' rbd:rbd/img 2>&1)
check_contains "so does a write through QEMU's in-tree driver" \
    "write failed: Read-only file system" "$out"
check "the plugin still writes" qio_bg_do "write -P 0x55 0 $MiB"
qio_bg_close
check_equal "and lets go at close" "" "$(lock_owner img)"
done_testing
