#!/usr/bin/env bash
# cephx: the client key reaches the rbd plugin only through a QEMU secret
# object (--object secret,id=sec0,file=KEYFILE and key-secret=sec0), in
# qemu-io, qemu-img and qemu-system-x86_64 (-blockdev and -drive).  The
# right key gives I/O that Ceph's rbd tool sees; a wrong one, a malformed
# one or none gives a clear error; and the key is never on a command line,
# in an environment, in a message or in a log: the plugin's debug log
# (QBP_DEBUG=1), the Ceph client log at debug_auth=20, QEMU's stderr and
# the cluster's own logs are all searched for it.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
[ -x "$QEMU_IO" ] && [ -x "$QEMU_IMG" ] && [ -x "$QEMU_SYSTEM" ] ||
    skip_all "QEMU is not built yet (make qemu)"
plan 29
ceph_start 1 --cephx

KiB=1024
MiB=$((1 << 20))
# client.qemu's key, as a secret object's file holds it: base64, no newline.
key=$(sed -n 's/^[[:space:]]*key = //p' "$CEPH_DIR/ceph.client.qemu.keyring")
keyfile=$scratch/qemu.key
printf '%s' "$key" >"$keyfile"
chmod 0600 "$keyfile"
# A valid key of the same form that the cluster does not know.
wrongfile=$scratch/wrong.key
printf '%s' "$(ceph-authtool --gen-print-key)" >"$wrongfile"
badfile=$scratch/bad.key
printf '%s' "not-a-ceph-key" >"$badfile"

# The client's configuration names the monitors and cephx but no keyring,
# so the key can only have come from the secret.
conf=$scratch/client.conf
{
    echo "[global]"
    grep -E '^(mon_host|auth_client_required) ' "$CEPH_CONF"
    echo "keyring = $scratch/no-such-keyring"
} >"$conf"

rbd create --size 16M img
rbd create --size 16M img2
logs=$scratch/logs
mkdir "$logs"
export QBP_DEBUG=1
runs=0
# spec IMAGE: sets $SPEC to a filename through client.qemu and the secret
# sec0, with a Ceph client log of its own at the most verbose levels for
# authentication and monitor traffic.
spec() {
    runs=$((runs + 1))
    SPEC="plugin:rbd:rbd/$1:conf=$conf:id=qemu:key-secret=sec0"
    SPEC+=":log_file=$logs/ceph-client.$runs.log"
    SPEC+=":debug_auth=20:debug_monc=20:debug_ms=1:debug_rados=20"
}
# nodebug COMMAND...: without the plugin's debug log, for exact messages.
nodebug() { env -u QBP_DEBUG "$@"; }
# logged NAME COMMAND...: run it, its stdout and stderr kept in $logs/NAME.
logged() {
    local name=$1
    shift
    "$@" >"$logs/$name" 2>&1
}

# ---- the right key ----------------------------------------------------------
spec img
check "qemu-io writes and reads back with the key from the secret" \
    logged qemu-io.rw qio --object "secret,id=sec0,file=$keyfile" -f raw \
    -c "write -P 0x5a 0 1M" -c "read -P 0x5a 0 1M" "$SPEC"
fill_ref=$scratch/ref
truncate -s 16M "$fill_ref"
fill "$fill_ref" 0 $MiB 0x5a
check_export "rbd export (client.admin) sees qemu-io's write" rbd/img "$fill_ref"

random_file "$scratch/data" $((2 * MiB)) 7
spec img2
check "qemu-img convert writes through the secret" \
    logged qemu-img.convert "$QEMU_IMG" convert --object "secret,id=sec0,file=$keyfile" \
    -n -f raw -O raw "$scratch/data" "$SPEC"
cp "$scratch/data" "$scratch/ref2"
truncate -s 16M "$scratch/ref2"
check_export "rbd export sees qemu-img's data" rbd/img2 "$scratch/ref2"
spec img2
out=$("$QEMU_IMG" info --object "secret,id=sec0,file=$keyfile" -f raw \
      "$SPEC" 2>"$logs/qemu-img.info")
echo "$out" >>"$logs/qemu-img.info"
check_contains "qemu-img info through the secret" "virtual size: 16 MiB" "$out"

# A secret as QEMU's in-tree rbd driver (and libvirt) define it holds the
# key's bytes (format=base64 decodes the file); the plugin takes that too,
# and the in-tree driver, given the same secret, reads what it wrote.
spec img
check "a secret in the in-tree driver's form (format=base64) works too" \
    logged qemu-io.raw qio --object "secret,id=sec0,file=$keyfile,format=base64" \
    -f raw -c "write -P 0x77 1M 64k" "$SPEC"
check "QEMU's in-tree rbd driver reads it through the same secret" \
    logged qemu-io.intree qio --object "secret,id=sec0,file=$keyfile,format=base64" \
    -c "read -P 0x77 1M 64k" -c "read -P 0x5a 0 1M" --image-opts \
    "driver=raw,file.driver=rbd,file.pool=rbd,file.image=img,file.conf=$conf,file.user=qemu,file.password-secret=sec0"
fill "$fill_ref" $MiB $((64 * KiB)) 0x77
# A key file written by echo ends in a newline.
printf '%s\n' "$key" >"$scratch/echo.key"
spec img
check "a key file with a trailing newline works" \
    logged qemu-io.newline qio --object "secret,id=sec0,file=$scratch/echo.key" \
    -f raw -c "read -P 0x77 1M 64k" "$SPEC"

# Without the secret the configuration has no key: cephx refuses, which
# shows that the key of the runs above came from the secret.
check_fails "without key-secret, client.qemu has no key" \
    "$QEMU_IO" -f raw -c "read 0 4k" "plugin:rbd:rbd/img:conf=$conf:id=qemu"

# ---- qemu-system-x86_64: -blockdev with options.key-secret, and -drive ------
cat >"$scratch/qmp.py" <<'EOF'
import json, os, socket, sys, time
# qmp.py SOCKET COMMAND-JSON...: each reply's "return" or "error", a line each.
path = sys.argv[1]
deadline = time.time() + 120
while True:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("no QMP socket at " + path)
        time.sleep(0.2)
f = s.makefile("rw")
json.loads(f.readline())                       # the greeting
def call(cmd):
    f.write(json.dumps(cmd) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
call({"execute": "qmp_capabilities"})
for arg in sys.argv[2:]:
    r = call(json.loads(arg))
    print(json.dumps(r.get("return", r.get("error"))))
EOF
hmp() {  # hmp COMMAND: QMP's human-monitor-command, as JSON
    /usr/bin/python3 -c 'import json, sys
print(json.dumps({"execute": "human-monitor-command",
                  "arguments": {"command-line": sys.argv[1]}}))' "$1"
}
qmp() { timeout 300 /usr/bin/python3 "$scratch/qmp.py" "$sock" "$@"; }

sock=$scratch/qmp.sock
blockdev="driver=plugin,node-name=d0,module=rbd,options.pool=rbd,options.image=img"
blockdev+=",options.conf=$conf,options.user=qemu,options.key-secret=sec0"
runs=$((runs + 1))
blockdev+=",options.ceph.log_file=$logs/ceph-client.$runs.log,options.ceph.debug_auth=20"
blockdev+=",options.ceph.debug_monc=20,options.ceph.debug_ms=1"
spec img2
"$QEMU_SYSTEM" -M none -nodefaults -display none -S \
    -qmp "unix:$sock,server=on,wait=off" \
    -object "secret,id=sec0,file=$keyfile" \
    -blockdev "$blockdev" \
    -drive "file=$SPEC,format=raw,if=none,id=vd1" \
    >"$logs/qemu-system.stdout" 2>"$logs/qemu-system.stderr" &
qemu_pid=$!
at_exit "kill $qemu_pid 2>/dev/null"
out=$(qmp "$(hmp 'qemu-io d0 "write -P 0x33 64k 64k"')" \
          "$(hmp 'qemu-io d0 "read -P 0x33 64k 64k"')" \
          "$(hmp 'qemu-io vd1 "write -P 0x44 0 4k"')" \
          "$(hmp 'qemu-io vd1 "read -P 0x44 0 4k"')" 2>&1)
echo "$out" >"$logs/qmp.out"
check_equal "qemu-system: each HMP qemu-io command is accepted" \
    '"" "" "" ""' "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
# What another user of the machine can see of the running QEMU.
check_equal "qemu-system: the key is not on its command line" "" \
    "$(tr '\0' '\n' <"/proc/$qemu_pid/cmdline" | grep -F -e "$key")"
check_contains "...which names the secret object by its file" \
    "secret,id=sec0,file=$keyfile" "$(tr '\0' ' ' <"/proc/$qemu_pid/cmdline")"
check_equal "qemu-system: the key is not in its environment" "" \
    "$(tr '\0' '\n' <"/proc/$qemu_pid/environ" | grep -F -e "$key")"
qmp '{"execute": "quit"}' >/dev/null 2>&1
wait "$qemu_pid"
check_equal "qemu-system exits cleanly" 0 "$?"
# HMP's qemu-io prints to QEMU's standard output.
io=$(cat "$logs/qemu-system.stdout")
check_equal "qemu-system: I/O on the -blockdev and the -drive disk" \
    "wrote 65536/65536 bytes at offset 65536
read 65536/65536 bytes at offset 65536
wrote 4096/4096 bytes at offset 0
read 4096/4096 bytes at offset 0" "$(grep -E '^(wrote|read|Pattern)' <<<"$io")"
fill "$fill_ref" $((64 * KiB)) $((64 * KiB)) 0x33
check_export "rbd export sees the -blockdev disk's write" rbd/img "$fill_ref"
fill "$scratch/ref2" 0 $((4 * KiB)) 0x44
check_export "rbd export sees the -drive disk's write" rbd/img2 "$scratch/ref2"

# ---- a wrong key, a malformed key --------------------------------------------
authfail="rbd: cannot connect to the Ceph cluster of $conf as client.qemu: authentication failed (Permission denied): check the key in secret 'sec0'"
short="plugin:rbd:rbd/img:conf=$conf:id=qemu:key-secret=sec0"
check_fails_with "qemu-io, a wrong key: an authentication error" \
    "qemu-io: can't open device $short: $authfail" \
    nodebug "$QEMU_IO" --object "secret,id=sec0,file=$wrongfile" -f raw -c "read 0 4k" "$short"
check_fails_with "qemu-img, a wrong key: an authentication error" \
    "qemu-img: Could not open '$short': $authfail" \
    nodebug "$QEMU_IMG" info --object "secret,id=sec0,file=$wrongfile" -f raw "$short"
check_fails_with "qemu-system -blockdev, a wrong key: an authentication error" \
    "qemu-system-x86_64: -blockdev driver=plugin,node-name=d0,module=rbd,options.pool=rbd,options.image=img,options.conf=$conf,options.user=qemu,options.key-secret=sec0: $authfail" \
    nodebug timeout 300 "$QEMU_SYSTEM" -M none -nodefaults -display none -S \
    -object "secret,id=sec0,file=$wrongfile" \
    -blockdev "driver=plugin,node-name=d0,module=rbd,options.pool=rbd,options.image=img,options.conf=$conf,options.user=qemu,options.key-secret=sec0"
check_fails_with "a secret that is not a Ceph key" \
    "qemu-io: can't open device $short: rbd: the key in secret 'sec0' is not a valid Ceph key (expected the base64 text of a keyring's 'key =' line, or its 28 bytes)" \
    nodebug "$QEMU_IO" --object "secret,id=sec0,file=$badfile" -f raw -c "read 0 4k" "$short"
check_fails_with "a secret that does not exist" \
    "qemu-io: can't open device $short: No secret with id 'sec0'" \
    nodebug "$QEMU_IO" -f raw -c "read 0 4k" "$short"
# The same failures with every log on, for the search below.
spec img
logged qemu-io.wrong "$QEMU_IO" --object "secret,id=sec0,file=$wrongfile" -f raw \
    -c "read 0 4k" "$SPEC"
check_contains "the wrong key's run logged the failure" "$authfail" \
    "$(cat "$logs/qemu-io.wrong")"
# (A malformed key stops the open before librados opens its log.)
logged qemu-io.bad "$QEMU_IO" --object "secret,id=sec0,file=$badfile" -f raw \
    -c "read 0 4k" "$short"

# ---- the key in no log or message --------------------------------------------
# The search must be able to find the key: in the base64 form the secret
# file holds, and as the 16 bytes of the AES key inside it in hex, the form
# a hex dump would print (plain, and one byte at a time).
hex=$(/usr/bin/python3 -c 'import base64, sys
print(base64.b64decode(sys.argv[1])[-16:].hex())' "$key")
spaced=$(sed 's/\(..\)/\1 /g; s/ $//' <<<"$hex")
find_key() {  # find_key FILE...: the files that hold the key, in any form
    grep -l -F -i -e "$key" -e "$hex" -e "$spaced" "$@" 2>/dev/null
}
check_equal "the search finds the key where it is (the secret file)" \
    "$keyfile" "$(find_key "$keyfile")"
check_contains "the plugin's debug log was on and says where the key came from" \
    "rbd: using the key in secret 'sec0' (40 bytes)" "$(cat "$logs/qemu-io.rw")"
check_contains "the Ceph client log shows the cephx exchange" \
    "cephx" "$(cat "$logs"/ceph-client.*.log)"
check_equal "every run wrote a Ceph client log" "$runs" \
    "$(ls "$logs"/ceph-client.*.log | wc -l)"
check_equal "the key is in no log: QEMU's output, the plugin's, the Ceph client's" \
    "" "$(find_key "$logs"/*)"
check_equal "...nor in the cluster's own logs" "" "$(find_key "$CEPH_DIR"/log/*)"

done_testing
