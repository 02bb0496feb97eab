#!/usr/bin/env bash
# Writing to clones: the seeded oracle workload (writes, writev, discard,
# write-zeroes; tests/rbd/oracle-gen.py) runs on two clones of the same
# parent, one through the plugin and one through QEMU's in-tree driver;
# their exports must be equal, so the plugin copies objects up from the
# parent before partial writes and never lets the parent's data reappear.
# Clone formats 2 and 1, a clone with a snapshot of its own (deep
# copy-up), a chain of three clones and a striped clone; parents stay
# untouched, the object maps stay right, `rbd flatten` changes nothing.
. tests/functions.sh
. tests/ceph/functions.sh
ceph_skip_unless_available
plan 20
ceph_start

MiB=$((1 << 20))

# rbd object-map check IMAGE, which only says what it found by flagging
# the map invalid: passes if the map is still valid afterwards.
objmap_ok() {
    local out
    out=$(rbd object-map check "$1" 2>&1) &&
        ! rbd info "$1" | grep -q 'flags:.*invalid' ||
        { printf '%s\n' "$out" | tail -n 5; rbd info "$1" | grep flags; return 1; }
}
export_of() {   # rbd export IMAGE into a file of scratch; prints its path
    rm -f "$scratch/$1.exp"
    rbd export "$1" "$scratch/$1.exp" > /dev/null 2>&1 && echo "$scratch/$1.exp"
}

# workload SEED: the oracle script without its reads (which expect an
# image that started as zeroes; a clone starts as its parent).
workload() {
    mkdir -p "$scratch/w$1"
    /usr/bin/python3 tests/rbd/oracle-gen.py "$1" $((64 * MiB)) 150 "$scratch/w$1"
    grep -v '^read' "$scratch/w$1/script" > "$scratch/w$1/writes"
}
# same SEED PLUGIN_IMAGE INTREE_IMAGE: the workload through each; equal?
same() {
    local out
    workload "$1"
    out=$("$QEMU_IO" -f raw "plugin:rbd:rbd/$2" < "$scratch/w$1/writes" 2>&1)
    if printf '%s' "$out" | grep -q 'failed'; then
        printf '%s\n' "$out" | grep failed | head -n 5
        return 1
    fi
    "$QEMU_IO" -f raw "rbd:rbd/$3" < "$scratch/w$1/writes" > /dev/null 2>&1
    cmp "$(export_of "$2")" "$(export_of "$3")"
}

head -c $((64 * MiB)) /dev/urandom > "$scratch/parent"
rbd import "$scratch/parent" p > /dev/null 2>&1
rbd snap create p@s > /dev/null 2>&1 && rbd snap protect p@s

# Clone format 2 (the default), Ceph's default features.
rbd clone p@s c2p && rbd clone p@s c2i
check "clone v2: the plugin's workload equals the in-tree driver's" \
    same 11 c2p c2i
check "clone v2: the object map is right" objmap_ok c2p
check "the parent's snapshot is untouched" cmp "$(export_of p@s)" "$scratch/parent"
cp "$scratch/c2p.exp" "$scratch/c2p.before"
rbd flatten c2p > /dev/null 2>&1
check "rbd flatten of the plugin-written clone changes nothing" \
    cmp "$(export_of c2p)" "$scratch/c2p.before"

# Clone format 1, with a snapshot of the clone taken before the workload:
# copy-up must put the parent's data under that snapshot too.
for c in c1p c1i; do
    rbd clone --rbd-default-clone-format 1 p@s $c
    "$QEMU_IO" -f raw -c "write -P 0x5c $((5 * MiB)) 4096" "rbd:rbd/$c" > /dev/null
    rbd snap create $c@base > /dev/null 2>&1
done
check_contains "clone v1: a clone of the old format" "parent: rbd/p@s" \
    "$(rbd info c1p)"
check_equal "...without format 2's clone-child op feature" "" \
    "$(rbd info c1p | grep -o clone-child)"
check "clone v1 with a snapshot: the workloads' heads are equal" \
    same 12 c1p c1i
check "...and so are the snapshots" \
    cmp "$(export_of c1p@base)" "$(export_of c1i@base)"
check "...which still read the parent and the write before them" \
    cmp <(head -c $((5 * MiB)) "$scratch/parent"; head -c 4096 /dev/zero | tr '\0' '\134';
          tail -c +$((5 * MiB + 4097)) "$scratch/parent") "$scratch/c1p@base.exp"
check "the object maps are right, head and snapshot" \
    eval 'objmap_ok c1p && objmap_ok c1p@base'
check "rbd flatten of a clone with snapshots changes nothing" \
    eval 'cp "$scratch/c1p.exp" "$scratch/c1p.before" &&
          rbd flatten c1p > /dev/null 2>&1 &&
          cmp "$(export_of c1p)" "$scratch/c1p.before" &&
          cmp "$(export_of c1p@base)" "$scratch/c1i@base.exp"'

# A chain of three clones, each layer written by the in-tree driver.
prev=p@s
for l in l1 l2; do
    rbd clone $prev $l
    "$QEMU_IO" -f raw -c "write -P 0x${l#l}1 $(( ${l#l} * 9 * MiB + 12345 )) $((3 * MiB))" \
        "rbd:rbd/$l" > /dev/null
    rbd snap create $l@s > /dev/null 2>&1 && rbd snap protect $l@s
    cp "$(export_of $l@s)" "$scratch/$l.orig"
    prev=$l@s
done
rbd clone l2@s l3p && rbd clone l2@s l3i
check_contains "the third clone's parent is a clone's snapshot" \
    "parent: rbd/l2@s" "$(rbd info l3p)"
check "chain of 3: the plugin's workload equals the in-tree driver's" \
    same 13 l3p l3i
check "chain of 3: the object map is right" objmap_ok l3p
check "chain of 3: every parent snapshot is untouched" \
    eval 'cmp "$(export_of p@s)" "$scratch/parent" &&
          cmp "$(export_of l1@s)" "$scratch/l1.orig" &&
          cmp "$(export_of l2@s)" "$scratch/l2.orig"'

# A striped clone (--stripe-unit 64K --stripe-count 4): an object's
# parent data comes from 16 stripe units spread over 16 MiB.
rbd import --stripe-unit 64K --stripe-count 4 "$scratch/parent" sp > /dev/null 2>&1
rbd snap create sp@s > /dev/null 2>&1 && rbd snap protect sp@s
rbd clone sp@s scp && rbd clone sp@s sci
check_contains "the striped clone keeps its parent's striping" \
    "stripe count: 4" "$(rbd info scp)"
check "striped clone: the plugin's workload equals the in-tree driver's" \
    same 14 scp sci
check "striped clone: the object map is right" objmap_ok scp

# A discard of whole objects inside the overlap must not bring the
# parent's data back, on a clone without any object map.
rbd clone --image-feature layering p@s nm
check "a whole-object discard in a clone without object map reads zeroes" \
    qio -f raw -c "write -P 0x66 $((16 * MiB)) 4096" \
        -c "discard $((16 * MiB)) $((8 * MiB))" \
        -c "read -P 0 $((16 * MiB)) $((8 * MiB))" \
        -c "write -P 0x67 $((33 * MiB)) 512" \
        -c "read -P 0x67 $((33 * MiB)) 512" plugin:rbd:rbd/nm
check "...and the rest of the partly written object is the parent's" \
    cmp <(tail -c +$((32 * MiB + 1)) "$scratch/parent" | head -c $((1 * MiB))) \
        <(rbd export nm - 2>/dev/null | tail -c +$((32 * MiB + 1)) | head -c $((1 * MiB)))
done_testing
