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
    ceph_out rbd info --format json "$img" | "$RBD_PY" -c 'import json, sys
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

# objmap_ok IMAGE: `rbd object-map check IMAGE` (which only says what it
# found by flagging the map invalid) passes and leaves no invalid flag.
objmap_ok() {
    local out
    out=$(rbd object-map check "$1" 2>&1) &&
        [ "$(rbd_info "$1" flags)" = "flags=" ] ||
        { printf '%s\n' "$out" | tail -n 5; rbd_info "$1" flags; return 1; }
}

# map_states IMAGE [SNAP_ID]: the head's (or a snapshot's) object map in
# pool rbd, one digit per object: 0 nonexistent, 1 exists, 2 pending,
# 3 exists-clean.
map_states() {
    "$RBD_PY" - "$CEPH_CONF" "$1" "${2-}" <<'PY'
import rados, struct, sys
c = rados.Rados(conffile=sys.argv[1]); c.connect()
io = c.open_ioctx('rbd')
iid = io.read('rbd_id.' + sys.argv[2])[4:].decode()
oid = 'rbd_object_map.' + iid
if sys.argv[3]:
    oid += '.%016x' % int(sys.argv[3])
try:
    out = io.execute(oid, 'rbd', 'object_map_load', b'')[1]
except rados.ObjectNotFound:
    print('(no map)')
    sys.exit(0)
count = struct.unpack('<Q', out[10:18])[0]
data = out[18:18 + (count + 3) // 4]
print(''.join(str((data[i // 4] >> (6 - 2 * (i % 4))) & 3)
              for i in range(count)))
PY
}

# snap_id IMAGE NAME: the id of IMAGE's snapshot NAME.
snap_id() {
    rbd snap ls --format json "$1" | "$RBD_PY" -c 'import json, sys
print(" ".join(str(s["id"]) for s in json.load(sys.stdin)
               if s["name"] == sys.argv[1]))' "$2"
}

# oracle_run DESCRIPTION FILENAME SCRIPT: a qemu-io script (one command a
# line, tests/rbd/oracle-gen.py) through qemu-io on stdin; every write,
# discard and read must complete, with no -P mismatch and exit status 0.
oracle_run() {
    local desc=$1 script=$3 out rc want got
    out=$(timeout 300 "$QEMU_IO" -f raw "$2" <"$script" 2>&1)
    rc=$?
    want="$(grep -cE '^(write|writev) ' "$script")/$(grep -c '^discard ' "$script")/$(grep -cE '^readv? ' "$script")"
    got="$(grep -cE 'wrote [0-9]+/[0-9]+ bytes at offset' <<<"$out")/$(grep -cE 'discard [0-9]+/[0-9]+ bytes at offset' <<<"$out")/$(grep -cE 'read [0-9]+/[0-9]+ bytes at offset' <<<"$out")"
    if [ $rc -eq 0 ] && [ "$want" = "$got" ] &&
        ! grep -qE 'failed|Pattern verification' <<<"$out"; then
        ok "$desc"
    else
        not_ok "$desc" "exit status $rc; writes/discards/reads done: $got of $want" \
            "$(grep -E -m 20 'failed|Pattern verification|error|rror' <<<"$out")"
    fi
}

# oracle_compare PREFIX PLUGIN_IMAGE INTREE_IMAGE SCRIPT EXPECT: SCRIPT
# through the plugin on PLUGIN_IMAGE and through QEMU's in-tree rbd driver
# on INTREE_IMAGE (pool rbd), then `rbd export` of both: they are equal,
# and each holds EXPECT (the generator's content).  Five checks.
oracle_compare() {
    local p=$1 a=$2 b=$3 script=$4 expect=$5 t0 t1 t2 i
    t0=$(now_ms)
    oracle_run "${p}the script passes through the plugin" "plugin:rbd:rbd/$a" "$script"
    t1=$(now_ms)
    oracle_run "${p}the script passes through the in-tree rbd driver" "rbd:rbd/$b" "$script"
    t2=$(now_ms)
    echo "# ${p}plugin $((t1 - t0)) ms, in-tree driver $((t2 - t1)) ms"
    for i in "$a" "$b"; do
        rbd export --no-progress "$i" "$scratch/$i.raw" >/dev/null 2>&1 ||
            echo "rbd export $i failed" >"$scratch/$i.raw"
    done
    check_cmp "${p}rbd export of the plugin's image equals the in-tree driver's" \
        "$scratch/$b.raw" "$scratch/$a.raw"
    check_cmp "${p}...and the content the generator expects" \
        "$expect" "$scratch/$a.raw"
    check_cmp "${p}(the in-tree driver's image has the expected content too)" \
        "$expect" "$scratch/$b.raw"
    rm -f "$scratch/$a.raw" "$scratch/$b.raw"
}

# A qemu-io kept open in the background, fed one command at a time:
#   qio_bg_open ARGS...   start it (ARGS as for qemu-io), wait for its prompt
#   qio_bg_do CMD         run CMD, wait for the next prompt; fails on a
#                         timeout (60 s), a failed command or a -P mismatch
#   qio_bg_close          end it (EOF on its stdin) and wait for it to exit
# One at a time per test; its output is in $scratch/qio_bg.out.
qio_bg_prompts() { grep -o 'qemu-io> ' "$scratch/qio_bg.out" | wc -l; }
qio_bg_open() {
    rm -f "$scratch/qio_bg.in"
    mkfifo "$scratch/qio_bg.in"
    "$QEMU_IO" "$@" <"$scratch/qio_bg.in" >"$scratch/qio_bg.out" 2>&1 &
    qio_bg_pid=$!
    exec 8>"$scratch/qio_bg.in"
    for _ in $(seq 600); do
        [ "$(qio_bg_prompts)" -gt 0 ] && return 0
        kill -0 "$qio_bg_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$scratch/qio_bg.out" >&2
    return 1
}
qio_bg_do() {
    local before errors
    before=$(qio_bg_prompts)
    errors=$(grep -c 'failed\|Pattern' "$scratch/qio_bg.out")
    echo "$1" >&8
    for _ in $(seq 600); do
        [ "$(qio_bg_prompts)" -gt "$before" ] && break
        sleep 0.1
    done
    [ "$(qio_bg_prompts)" -gt "$before" ] &&
        [ "$(grep -c 'failed\|Pattern' "$scratch/qio_bg.out")" -eq "$errors" ]
}
qio_bg_close() {
    exec 8>&-
    wait "$qio_bg_pid"
}

# rbd_watchers IMAGE: how many watchers `rbd status` lists on IMAGE.
rbd_watchers() {
    ceph_out rbd status --format json "$1" | "$RBD_PY" -c \
        'import json, sys; print(len(json.load(sys.stdin)["watchers"]))'
}

# rbd_holders IMAGE: who has IMAGE open and locked, from `rbd status`,
# `rbd lock ls` and the lock itself (`rados lock info` on the header):
# "watchers: N; locks: M[; lock: TYPE, tag TAG, cookie COOKIE, held by
# WHO]", where COOKIE reads "auto <watch>" when it is "auto " and the one
# watcher's watch cookie, and WHO "the watcher" when the locker's name and
# address are the watcher's (else "NAME at ADDR").
rbd_holders() {
    local pool=${1%/*} id
    [ "$pool" = "$1" ] && pool=rbd
    id=$(rbd_info "$1" id | sed 's/^id=//')
    "$RBD_PY" - "$(ceph_out rbd status --format json "$1")" \
        "$(ceph_out rbd lock ls --format json "$1")" \
        "$(ceph_out rados -p "$pool" lock info "rbd_header.$id" rbd_lock --format json)" <<'PY'
import json, sys
try:
    watchers = json.loads(sys.argv[1])["watchers"]
    locks = json.loads(sys.argv[2])
except (ValueError, KeyError):
    print("(rbd status or rbd lock ls failed: %s %s)" % (sys.argv[1], sys.argv[2]))
    sys.exit(0)
out = "watchers: %d; locks: %d" % (len(watchers), len(locks))
if len(locks) == 1:
    lock, w = locks[0], watchers[0] if len(watchers) == 1 else None
    try:
        info = json.loads(sys.argv[3])
    except ValueError:
        info = {"type": "?", "tag": "?"}
    cookie = lock["id"]
    if w and cookie == "auto %d" % w["cookie"]:
        cookie = "auto <watch>"
    who = "%s at %s" % (lock["locker"], lock["address"])
    if w and lock["locker"] == "client.%d" % w["client"] and \
            lock["address"] == w["address"]:
        who = "the watcher"
    out += "; lock: %s, tag %s, cookie %s, held by %s" % (
        info.get("type"), info.get("tag"), cookie, who)
print(out)
PY
}

# rbd_locker IMAGE FIELD: FIELD (id, locker, address) of each holder of
# IMAGE's lock, from `rbd lock ls`.
rbd_locker() {
    rbd lock ls --format json "$1" | "$RBD_PY" -c 'import json, sys
for l in json.load(sys.stdin):
    print(l[sys.argv[1]])' "$2"
}

# osd_caught_up: wait (up to 60 s) until osd.0 has the monitors' newest
# OSD map, so that it knows of a blocklisting just made.
osd_caught_up() {
    local want
    want=$(ceph osd dump --format json 2>/dev/null |
        "$RBD_PY" -c 'import json, sys; print(json.load(sys.stdin)["epoch"])')
    for _ in $(seq 600); do
        [ "$(ceph --admin-daemon "$CEPH_DIR/run/osd.0.asok" status 2>/dev/null |
            "$RBD_PY" -c 'import json, sys; print(json.load(sys.stdin)["newest_map"])' \
            2>/dev/null)" -ge "$want" ] 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
