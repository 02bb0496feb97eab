#!/usr/bin/env bash
# How a disk runs in production (host/storage-daemon/): the systemd unit
# qemu-block-plugin-disk@.service, made for this build as `make
# install-storage-daemon` makes it, passes `systemd-analyze verify` without
# a word, has the hardening issue 17 asks for, and runs as the user the
# sysusers file creates.  The libvirt example validates and names the
# socket the unit makes for vm1-root.  Then the unit's ExecStart, expanded
# as systemd expands it (%i, %t, the Environment= defaults and the disk's
# EnvironmentFile), serves an rbd image as vhost-user-blk, connecting as a
# cephx user of its own whose key comes from a secret object in
# DAEMON_ARGS, as example-disk.conf shows: the socket appears,
# group-accessible under the unit's UMask, `rbd status` shows the daemon's
# watch, and SIGTERM (systemctl stop) ends it with status 0 and no watcher
# left.  PID 1 here need not be systemd: nothing is started through it.
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
ceph_skip_unless_available
[ -x "$QEMU_STORAGE_DAEMON" ] || skip_all "no $QEMU_STORAGE_DAEMON; 'make qemu' builds it"
for tool in systemd-analyze systemd-sysusers virt-xml-validate; do
    command -v "$tool" >/dev/null ||
        skip_all "no $tool (packages systemd and libvirt-clients; scripts/install-deps.sh)"
done
plan 17

sd=$top/host/storage-daemon
xml=$sd/libvirt-vhostuser-disk.xml
# The unit as make install-storage-daemon writes it, for this build's
# daemon and a scratch configuration directory, under an instance's name.
etc=$scratch/etc
confdir=$etc/qemu-block-plugin/disks
mkdir -p "$confdir"
unit=$scratch/qemu-block-plugin-disk@test.service
sed -e "s|@BINDIR@|$qemu_dir|g" -e "s|@SYSCONFDIR@|$etc|g" \
    -e "s|@DOCDIR@|$top/docs|g" "$sd/qemu-block-plugin-disk@.service.in" >"$unit"

# unit_value KEY: the value of KEY's last assignment in the unit, the one
# systemd keeps.
unit_value() {
    sed -n "s/^$1=//p" "$unit" | tail -n 1
}

# unit_argv INSTANCE RUNTIME-DIR: ExecStart's words, NUL-terminated, as
# systemd would pass them to the daemon: continuation lines joined, %i and
# %t replaced, then Environment= and, overriding it, the EnvironmentFile
# (if there is one) expanded: ${VAR} inside a word, $VAR alone split at
# whitespace into as many words.
unit_argv() {
    /usr/bin/python3 - "$unit" "$1" "$2" <<'EOF'
import re, shlex, sys

unit, instance, runtime = sys.argv[1:]
text = re.sub(r'\\\n', ' ', open(unit).read())

def specifiers(s):
    def one(m):
        spec = {'i': instance, 'I': instance, 't': runtime, '%': '%'}
        if m[1] not in spec:
            sys.exit('unit_argv: specifier %%%s is not handled here' % m[1])
        return spec[m[1]]
    return re.sub(r'%(.)', one, s)

env, env_files, exec_start, section = {}, [], None, None
for line in text.splitlines():
    line = line.strip()
    if not line or line[0] in '#;':
        continue
    if line.startswith('['):
        section = line
        continue
    key, _, value = line.partition('=')
    if section != '[Service]':
        continue
    if key == 'Environment':
        for assignment in shlex.split(specifiers(value)):
            k, _, v = assignment.partition('=')
            env[k] = v
    elif key == 'EnvironmentFile':
        env_files.append(specifiers(value))
    elif key == 'ExecStart':
        exec_start = value
for path in env_files:
    optional = path.startswith('-')
    try:
        lines = open(path.lstrip('-')).read().splitlines()
    except FileNotFoundError:
        if optional:
            continue
        lines = []     # systemd would refuse to start; the caller sees it
    for line in lines:
        line = line.strip()
        if not line or line[0] in '#;' or '=' not in line:
            continue
        k, _, v = line.partition('=')
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in '"\'':
            v = v[1:-1]
        env[k.strip()] = v

argv = []
for word in shlex.split(specifiers(exec_start.lstrip('-@:+!'))):
    alone = re.fullmatch(r'\$([A-Za-z_][A-Za-z0-9_]*)', word)
    if alone:
        argv.extend(env.get(alone[1], '').split())
    else:
        argv.append(re.sub(r'\$\{([A-Za-z_][A-Za-z0-9_]*)\}',
                           lambda m: env.get(m[1], ''), word))
sys.stdout.write(''.join(a + '\0' for a in argv))
EOF
}

# socket_of ARGV...: the vhost-user-blk export's socket path.
socket_of() {
    local w p
    for w in "$@"; do
        case $w in
            *type=vhost-user-blk*addr.path=*)
                p=${w#*addr.path=}
                echo "${p%%,*}"
                return 0 ;;
        esac
    done
    return 1
}

# ---- the unit, as systemd reads it ----
out=$(systemd-analyze verify "$unit" 2>&1)
rc=$?
check_equal "systemd-analyze verify: status 0 and nothing to say" \
    "status 0, output: " "status $rc, output: $out"

sysroot=$scratch/sysroot
mkdir -p "$sysroot/etc"
systemd-sysusers --root="$sysroot" - <"$sd/qemu-block-plugin.sysusers" >/dev/null 2>&1
user=$(unit_value User)
entry=$(grep "^$user:" "$sysroot/etc/passwd" 2>&1 | cut -d: -f1,6,7)
check_equal "systemd-sysusers creates the unit's user ($user), with no home and no shell" \
    "$user:/:/usr/sbin/nologin" "$entry"
check "...and the unit's group $(unit_value Group) exists with it" \
    grep -q "^$(unit_value Group):" "$sysroot/etc/group"

case $user in
    '' | root | 0) not_ok "User= names a user other than root" "User=$user" ;;
    *) ok "User= names a user other than root ($user)" ;;
esac
check_equal "NoNewPrivileges=yes" yes "$(unit_value NoNewPrivileges)"
check_equal "ProtectSystem=strict: only the runtime directory is writable" \
    strict "$(unit_value ProtectSystem)"
check_equal "Restart=on-failure" on-failure "$(unit_value Restart)"
out=$(systemd-analyze security --offline=yes "$unit" 2>&1)
check_contains "systemd-analyze security: a static non-root user" \
    "Service runs under a static non-root user identity" "$out"
check_contains "...with no capabilities to override file permissions" \
    "Service cannot override UNIX file/IPC permission checks" "$out"

# ---- the libvirt example ----
check "virt-xml-validate accepts the libvirt example" virt-xml-validate "$xml" domain
mapfile -d '' argv < <(unit_argv vm1-root /run)
xml_disk=$(/usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
disk = ET.parse(sys.argv[1]).find("devices/disk[@type=\"vhostuser\"]")
print(disk.find("source").get("path"), disk.find("driver").get("queues"))' "$xml" 2>&1)
check_equal "the example's disk is the socket the unit makes for vm1-root" \
    "$(socket_of "${argv[@]}")" "${xml_disk% *}"
example_queues=$(sed -n 's/^QUEUES=//p' "$sd/example-disk.conf")
check "the example asks for no more queues (${xml_disk##* }) than the example disk offers ($example_queues)" \
    test "${xml_disk##* }" -le "$example_queues"

# ---- the unit's ExecStart, run as systemd would run it ----
ceph_start 1 --cephx
rbd create --size 64M --image-feature layering,exclusive-lock,object-map,fast-diff img

# client.qemu's key in a file of its own, and a ceph.conf that names no
# keyring: the daemon can only have the key from the secret object, which
# must exist before the --blockdev that names it.
keyfile=$scratch/client.qemu.key
sed -n 's/^[[:space:]]*key = //p' "$CEPH_DIR/ceph.client.qemu.keyring" | tr -d '\n' >"$keyfile"
client_conf=$scratch/client.conf
{
    echo "[global]"
    grep -E '^(mon_host|auth_client_required) ' "$CEPH_CONF"
    echo "keyring = $scratch/no-such-keyring"
} >"$client_conf"
# No QUEUES: the unit's default must make a valid command line.  The
# plugin is found by name through QEMU_BLOCK_PLUGIN_PATH, as an installed
# one is found in the plugin directory.
cat >"$confdir/test.conf" <<EOF
# written by $0
PLUGIN=rbd
PLUGIN_OPTIONS=options.pool=rbd,options.image=img,options.user=qemu,options.key-secret=cephkey,options.conf=$client_conf
DAEMON_ARGS=--object secret,id=cephkey,file=$keyfile
EOF
run=$scratch/run
mapfile -d '' argv < <(unit_argv test "$run")
sock=$(socket_of "${argv[@]}")
# What systemd does before it starts the daemon: the runtime directory with
# its mode, and the unit's umask.
runtime_dir=$(unit_value RuntimeDirectory)
mkdir -p "$run"
mkdir -m "$(unit_value RuntimeDirectoryMode)" -p "$run/${runtime_dir//%i/test}"
echo "# ${argv[*]}"
(umask "$(unit_value UMask)" && exec "${argv[@]}") \
    </dev/null >"$scratch/unit.out" 2>"$scratch/unit.err" &
pid=$!
at_exit "kill -9 $pid 2>/dev/null"
for ((i = 0; i < 600; i++)); do
    [ -S "$sock" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -S "$sock" ]; then
    ok "the daemon serves the disk on $sock, as client.qemu with the key from DAEMON_ARGS"
else
    not_ok "the daemon serves the disk on $sock, as client.qemu with the key from DAEMON_ARGS" \
        "$(cat "$scratch/unit.err")"
    echo "Bail out! the daemon did not start"
    exit 1
fi
check_equal "the socket is the group's, none of the world's (UMask=$(unit_value UMask))" \
    srwxrwx--- "$(stat -c %A "$sock")"
check_equal "rbd status shows the daemon's watch on the image" 1 "$(rbd_watchers img)"

kill -TERM "$pid"
for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -9 "$pid" 2>/dev/null
rc=0
wait "$pid" || rc=$?
check_equal "SIGTERM (systemctl stop): the daemon exits with status 0" 0 "$rc"
check_equal "...and nobody watches the image any more" 0 "$(rbd_watchers img)"
done_testing
