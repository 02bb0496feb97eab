# Helpers for tests/test-rbd-*.sh.  Source after tests/functions.sh and
# tests/ceph/functions.sh:
#   . tests/functions.sh
#   . tests/ceph/functions.sh
#   . tests/rbd/functions.sh

# Debian's python3 (the one with python3-rados), never the pyenv one first
# on PATH.
RBD_PY=/usr/bin/python3

# random_file PATH SIZE SEED: SIZE pseudo-random bytes, the same for a seed.
random_file() {
    "$RBD_PY" -c 'import random, sys
r = random.Random(int(sys.argv[3]))
with open(sys.argv[1], "wb") as f:
    left = int(sys.argv[2])
    while left:
        n = min(left, 1 << 22)
        f.write(r.randbytes(n))
        left -= n' "$1" "$2" "$3"
}

# fill FILE OFFSET LENGTH BYTE: overwrite LENGTH bytes of FILE at OFFSET with
# BYTE (0x..), as a write -P does on the disk.
fill() {
    "$RBD_PY" -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    f.write(bytes([int(sys.argv[4], 0)]) * int(sys.argv[3]))' "$1" "$2" "$3" "$4"
}

# rbd_info IMAGE FIELD...: "FIELD=VALUE ..." from `rbd info --format json`;
# lists are comma-joined, a missing field is empty.
rbd_info() {
    local img=$1
    shift
    rbd info --format json "$img" 2>&1 | "$RBD_PY" -c 'import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    print("(rbd info failed)")
    sys.exit(0)
out = []
for k in sys.argv[1:]:
    v = d.get(k, "")
    out.append("%s=%s" % (k, ",".join(v) if isinstance(v, list) else v))
print(" ".join(out))' "$@"
}

# rbd_prefix IMAGE: the image's data object prefix (block_name_prefix).
rbd_prefix() {
    rbd_info "$1" block_name_prefix | sed 's/^block_name_prefix=//'
}

# rbd_objects POOL[/NAMESPACE] PREFIX: "OBJNO SIZE" of each data object of
# an image, sorted by object number.
rbd_objects() {
    local pool=${1%%/*} ns="" o
    [ "$pool" != "$1" ] && ns=${1#*/}
    rados -p "$pool" -N "$ns" ls 2>/dev/null | grep "^$2\." | sort |
        while read -r o; do
            echo "${o##*.} $(rados -p "$pool" -N "$ns" stat "$o" | sed 's/.* size //')"
        done
}

# check_cmp DESCRIPTION FILE1 FILE2: pass if the files are byte-equal.
check_cmp() {
    local out
    if out=$(cmp "$2" "$3" 2>&1); then
        ok "$1"
    else
        not_ok "$1" "$out"
    fi
}

# check_export DESCRIPTION IMAGE FILE: `rbd export IMAGE` equals FILE.
check_export() {
    local f=$scratch/export.$$.$RANDOM out
    rm -f "$f"
    if ! out=$(rbd export --no-progress "$2" "$f" 2>&1); then
        not_ok "$1" "rbd export $2 failed" "$out"
        return
    fi
    check_cmp "$1" "$3" "$f"
    rm -f "$f"
}

# check_fails_with DESCRIPTION EXPECTED COMMAND...: the command fails with
# exit status 1 (an error, not a crash: a signal would give 128+N) and
# prints exactly EXPECTED.
check_fails_with() {
    local desc=$1 expected=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && [ "$out" = "$expected" ]; then
        ok "$desc"
    else
        not_ok "$desc" "command: $*" "exit status: $rc (expected 1)" \
            "expected: $expected" "actual:   $out"
    fi
}

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
