#!/usr/bin/env bash
# Start and stop a throw-away single-node Ceph 16 cluster for tests and demos:
# one mon, one mgr and N memstore OSDs, bound to 127.0.0.1 only, everything
# (config, data, logs, pid files, admin sockets) under one directory.
#
#   tests/ceph/cluster.sh start DIR [--osds N] [--cephx]
#                               [--net ADDR/PREFIX [--osd-netns I:NETNS]...]
#   tests/ceph/cluster.sh stop DIR
#   tests/ceph/cluster.sh status DIR
#   tests/ceph/cluster.sh restart DIR NAME [--kill]
#
# --net (for the fault tests, tests/faults/): the mon listens on ADDR instead
# of 127.0.0.1 and every daemon binds to its own address in ADDR/PREFIX
# (Ceph's public_network), so a daemon can live in another network
# namespace; run cluster.sh itself where ADDR is configured (ip netns exec).
# --osd-netns I:NETNS starts osd.I inside the network namespace NETNS.
# restart stops daemon NAME (mon.a, mgr.x, osd.N) with TERM, or KILL, and
# starts it again as start did; an OSD comes back empty (memstore).
#
# Clients use DIR/ceph.conf:  CEPH_CONF=DIR/ceph.conf rbd ls
# See tests/ceph/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=/usr/bin/python3         # Debian's, which has python3-rados
mon_id=a
mgr_id=x
timeout=${CEPH_START_TIMEOUT:-60}
osd_bytes=${CEPH_OSD_BYTES:-$((3 << 30))}
port_lock=/tmp/qbp-ceph-ports.$(id -u).lock
# The caller's CEPH_CONF (often another test cluster's) and CEPH_ARGS must not
# reach the tools run here: ceph-authtool -n mgr.x would read that cluster's
# [mgr] section and touch its admin socket and log.  Every command that needs
# this cluster's configuration gets -c DIR/ceph.conf.
unset CEPH_ARGS CEPH_KEYRING
export CEPH_CONF=/dev/null

usage() {
    echo "usage: $0 start DIR [--osds N] [--cephx] [--net ADDR/PREFIX [--osd-netns I:NETNS]...]" \
        "| stop DIR | status DIR | restart DIR NAME [--kill]" >&2
    exit 2
}
die() { echo "cluster.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
authtool() { ceph-authtool "$@" >/dev/null; }

# Daemon names this script may have started, from their pid files.
daemon_names() {
    local f
    for f in "$dir"/run/*.pid; do
        [ -e "$f" ] || continue
        f=${f##*/}
        echo "${f%.pid}"
    done
}

# pid_of NAME: the pid of daemon NAME if it is alive and really is the daemon
# of this cluster (the pid file could be stale and the pid reused).
pid_of() {
    local pid
    pid=$(cat "$dir/run/$1.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && is_ours "$pid" || return 1
    echo "$pid"
}

# is_ours PID: PID runs (a zombie has no command line) with our ceph.conf.
is_ours() {
    local cmd
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
    [[ " $cmd" == *" -c $dir/ceph.conf "* ]]
}

# spawn NAME COMMAND...: start a daemon in the foreground mode of Ceph as a
# background job with no inherited descriptors but the log, record its pid.
spawn() {
    local name=$1
    shift
    (
        for fd in "/proc/$BASHPID"/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
        done
        exec "$@"
    ) </dev/null >>"$dir/log/$name.stdout" 2>&1 &
    echo $! >"$dir/run/$name.pid"
}

# spawn_daemon NAME: start daemon NAME (mon.ID, mgr.ID, osd.N) the one way
# start and restart both use; an OSD given a namespace (run/osd.N.netns)
# runs inside it.
spawn_daemon() {
    local name=$1 type=${1%%.*} id=${1#*.} wrap=()
    if [ -s "$dir/run/$name.netns" ]; then
        wrap=(ip netns exec "$(cat "$dir/run/$name.netns")")
    fi
    spawn "$name" "${wrap[@]+"${wrap[@]}"}" "ceph-$type" -f -c "$dir/ceph.conf" -i "$id"
}

log_tail() {   # log_tail NAME: the end of a daemon's log, on stderr
    local f
    for f in "$dir/log/$1.log" "$dir/log/$1.stdout"; do
        [ -s "$f" ] || continue
        echo "---- tail of $f" >&2
        grep -v -e 'log_channel(audit)' -e 'handle_command' "$f" | tail -n 30 >&2
    done
}

start_failed() {
    echo "cluster.sh: starting the cluster in $dir failed: $*" >&2
    log_tail "mon.$mon_id"
    local n
    for n in $(daemon_names); do
        [ "$n" = "mon.$mon_id" ] && continue
        if ! pid_of "$n" >/dev/null; then
            echo "cluster.sh: $n is not running" >&2
            log_tail "$n"
        fi
    done
    do_stop >/dev/null 2>&1 || true
    exit 1
}

# A free pair of ports on the mon's address (msgr v2, then v1), below the ephemeral
# range so outgoing connections do not take them meanwhile.
pick_ports() {
    "$python" - "$mon_addr" <<'PY'
import random, socket
import sys
def free(p):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((sys.argv[1], p))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(200):
    p = random.randrange(20000, 30000, 2)
    if free(p) and free(p + 1):
        print(p)
        break
PY
}

write_conf() {
    local auth=none
    [ "$cephx" -eq 1 ] && auth=cephx
    local size=1 min_size=1
    if [ "$osds" -ge 3 ]; then size=3; min_size=2
    elif [ "$osds" -eq 2 ]; then size=2; min_size=1
    fi
    local bind_conf="public_addr = 127.0.0.1
cluster_addr = 127.0.0.1"
    if [ -n "$network" ]; then
        bind_conf="public_network = $network
cluster_network = $network"
    fi
    cat >"$dir/ceph.conf" <<EOF
# Generated by tests/ceph/cluster.sh: a throw-away test cluster in $dir
[global]
fsid = $fsid
mon_host = [v2:$mon_addr:$port,v1:$mon_addr:$((port + 1))]
$bind_conf
ms_bind_ipv6 = false
auth_cluster_required = $auth
auth_service_required = $auth
auth_client_required = $auth
keyring = $dir/ceph.\$name.keyring
run_dir = $dir/run
crash_dir = $dir/crash
osd_pool_default_size = $size
osd_pool_default_min_size = $min_size
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_delete = true
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
auth_allow_insecure_global_id_reclaim = false
mgr_initial_modules =
# Do not even load the modules that are not always on (saves ~1.5 s).
mgr_disabled_modules = alerts influx insights iostat localpool mirroring nfs osd_support prometheus restful selftest snap_schedule stats telegraf test_orchestrator zabbix dashboard diskprediction_local k8sevents rook cephadm
mgr_stats_period = 1
mon_mgr_digest_period = 1
# Commit map changes (OSD boot, pool creation...) within 0.1 s, not 1 s.
paxos_propose_interval = 0.1

[client]
client_mount_timeout = 30

[mon]
mon_data = $dir/\$name
keyring = \$mon_data/keyring
log_file = $dir/log/\$name.log
mon_cluster_log_file = $dir/log/cluster.log
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid
mon_data_avail_warn = 2
mon_data_avail_crit = 1

[mgr]
mgr_data = $dir/\$name
keyring = \$mgr_data/keyring
log_file = $dir/log/\$name.log
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid

[osd]
osd_data = $dir/\$name
keyring = \$osd_data/keyring
log_file = $dir/log/\$name.log
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid
osd_objectstore = memstore
memstore_device_bytes = $osd_bytes
EOF
}

do_start() {
    local t0 i
    t0=$(now)
    [ -e "$dir/ceph.conf" ] && die "$dir already holds a cluster (stop it, remove it, use a new DIR)"
    command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null &&
        command -v ceph-mgr >/dev/null && command -v ceph >/dev/null ||
        die "the Ceph daemons are not installed (bash scripts/install-deps.sh)"
    # Admin sockets are Unix sockets: their path must fit in sun_path.
    [ ${#dir} -le 80 ] || die "DIR is too long for admin socket paths: $dir"
    mkdir -p "$dir/run" "$dir/log" "$dir/crash" "$dir/mon.$mon_id" "$dir/mgr.$mgr_id"
    local spec
    for spec in "${osd_netns[@]+"${osd_netns[@]}"}"; do
        [ "${spec%%:*}" -lt "$osds" ] || die "--osd-netns $spec: there is no osd.${spec%%:*}"
        printf '%s\n' "${spec#*:}" >"$dir/run/osd.${spec%%:*}.netns"
    done
    fsid=$("$python" -c 'import uuid; print(uuid.uuid4())')

    # Keys: mon. and (with cephx) client.admin, mgr.x and client.qemu go into
    # the initial auth database; OSD keys are registered by `osd new`.
    local kr=$dir/bootstrap.keyring
    authtool "$kr" --create-keyring --gen-key -n mon. --cap mon 'allow *'
    local osd_keys=()
    for ((i = 0; i < osds; i++)); do
        mkdir -p "$dir/osd.$i"
        osd_keys+=("$("$python" -c 'import uuid; print(uuid.uuid4())')")
    done
    if [ "$cephx" -eq 1 ]; then
        authtool "$dir/ceph.client.admin.keyring" --create-keyring --gen-key \
            -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
            --cap mgr 'allow *' --cap mds 'allow *'
        authtool "$dir/ceph.client.qemu.keyring" --create-keyring --gen-key \
            -n client.qemu --cap mon 'profile rbd' --cap osd 'profile rbd'
        authtool "$dir/mgr.$mgr_id/keyring" --create-keyring --gen-key \
            -n "mgr.$mgr_id" --cap mon 'allow profile mgr' --cap osd 'allow *' \
            --cap mds 'allow *'
        for f in ceph.client.admin.keyring ceph.client.qemu.keyring mgr.$mgr_id/keyring; do
            authtool "$kr" --import-keyring "$dir/$f"
        done
        for ((i = 0; i < osds; i++)); do
            local key
            key=$(ceph-authtool --gen-print-key)
            authtool "$dir/osd.$i/keyring" --create-keyring -n "osd.$i" --add-key "$key"
            osd_keys[i]+=":$key"
        done
    fi

    # Pick the mon's ports and bind them under a lock shared by all clusters
    # this script starts, so parallel tests cannot pick the same ones.
    local lockfd tries=0
    exec {lockfd}>>"$port_lock"
    flock -w 60 "$lockfd" || die "cannot lock $port_lock"
    port=$(pick_ports)
    [ -n "$port" ] || { exec {lockfd}>&-; die "no free port pair for the mon"; }
    write_conf
    monmaptool --create --enable-all-features --fsid "$fsid" \
        --addv "$mon_id" "[v2:$mon_addr:$port,v1:$mon_addr:$((port + 1))]" \
        "$dir/monmap" >/dev/null
    ceph-mon -c "$dir/ceph.conf" -i "$mon_id" --mkfs --monmap "$dir/monmap" \
        --keyring "$kr" >>"$dir/log/mon.$mon_id.stdout" 2>&1 ||
        { exec {lockfd}>&-; cat "$dir/log/mon.$mon_id.stdout" >&2; die "ceph-mon --mkfs failed"; }
    spawn_daemon "mon.$mon_id"
    until (exec 3<>"/dev/tcp/$mon_addr/$port") 2>/dev/null; do
        # kill -0, not pid_of: until the spawned subshell has exec'd
        # ceph-mon, its command line is still bash's.
        if ! kill -0 "$(cat "$dir/run/mon.$mon_id.pid")" 2>/dev/null ||
           [ $((tries += 1)) -gt 200 ]; then
            exec {lockfd}>&-
            start_failed "the mon does not listen on $mon_addr:$port"
        fi
        sleep 0.1
    done
    exec {lockfd}>&-

    # The mgr and the OSDs' mkfs need no running cluster: run them meanwhile.
    spawn_daemon "mgr.$mgr_id"
    local mkfs_pids=()
    for ((i = 0; i < osds; i++)); do
        ceph-osd -c "$dir/ceph.conf" -i "$i" --mkfs --no-mon-config \
            --osd-uuid "${osd_keys[i]%%:*}" >>"$dir/log/osd.$i.stdout" 2>&1 </dev/null &
        mkfs_pids+=($!)
    done
    "$python" "$here/admin.py" "$dir/ceph.conf" prepare rbd "${osd_keys[@]}" ||
        start_failed "registering the OSDs and creating the pool"
    for ((i = 0; i < osds; i++)); do
        wait "${mkfs_pids[i]}" || start_failed "ceph-osd --mkfs for osd.$i failed"
        spawn_daemon "osd.$i"
    done
    local left
    left=$(awk -v a="$t0" -v b="$(now)" -v t="$timeout" 'BEGIN { print t - (b - a) }')
    "$python" "$here/admin.py" "$dir/ceph.conf" ready rbd "$osds" "$left" ||
        start_failed "the cluster did not become ready within $timeout s"
    awk -v a="$t0" -v b="$(now)" -v d="$dir" -v p="$port" -v n="$osds" \
        -v m="$mon_addr" \
        'BEGIN { printf "ceph cluster up in %.1f s: %s/ceph.conf, mon %s:%d, %d OSD(s)\n", b - a, d, m, p, n }'
}

do_stop() {
    local n pid pids=() names=()
    [ -d "$dir/run" ] || return 0
    for n in $(daemon_names); do
        if pid=$(pid_of "$n"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("$n")
        fi
    done
    # TERM lets the daemons log why they stop, but a clean shutdown buys
    # nothing for a throw-away cluster (memstore keeps no data anyway, OSDs
    # exit at once with osd_fast_shutdown) and mon and mgr take ~2 s each:
    # KILL what is left after $CEPH_STOP_GRACE (default 1) seconds.
    local i tries=0 alive grace_ticks killed=0
    grace_ticks=$(awk -v g="${CEPH_STOP_GRACE:-1}" 'BEGIN { print int(g * 10) }')
    while :; do
        alive=0
        for i in "${!pids[@]}"; do
            [ -n "${pids[i]}" ] || continue
            if is_ours "${pids[i]}"; then
                alive=1
            else
                pids[i]=""
            fi
        done
        [ "$alive" -eq 0 ] && break
        if [ $((tries += 1)) -gt "$grace_ticks" ] && [ "$killed" -eq 0 ]; then
            killed=1
            for i in "${!pids[@]}"; do
                if [ -n "${pids[i]}" ]; then
                    kill -KILL "${pids[i]}" 2>/dev/null || true
                fi
            done
        fi
        sleep 0.1
    done
    rm -f "$dir"/run/*.pid
    for n in "${names[@]+"${names[@]}"}"; do echo "stopped $n"; done
}

# do_restart NAME: stop the daemon (TERM, or KILL with --kill), wait until
# it is gone, and start it again; one that was not running is just started.
do_restart() {
    local name=$1 pid tries=0
    [[ $name =~ ^(mon|mgr|osd)\.[a-z0-9]+$ ]] && [ -d "$dir/$name" ] ||
        die "restart: no daemon $name in $dir"
    if pid=$(pid_of "$name"); then
        kill "-$restart_signal" "$pid" 2>/dev/null || true
        while is_ours "$pid"; do
            if [ $((tries += 1)) -eq 300 ]; then
                kill -KILL "$pid" 2>/dev/null || true
            fi
            sleep 0.1
        done
    fi
    spawn_daemon "$name"
    echo "restarted $name"
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2
osds=1
cephx=0
mon_addr=127.0.0.1
network=""
osd_netns=()
restart_name=""
restart_signal=TERM
if [ "$cmd" = restart ]; then
    [ $# -ge 1 ] || usage
    restart_name=$1
    shift
fi
while [ $# -gt 0 ]; do
    case $1 in
        --net) [ $# -ge 2 ] && [[ $2 =~ ^[0-9.]+/[0-9]+$ ]] || usage
            mon_addr=${2%/*}
            network=$("$python" -c 'import ipaddress, sys
print(ipaddress.ip_interface(sys.argv[1]).network)' "$2") || usage
            shift 2 ;;
        --osd-netns) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+:[A-Za-z0-9_.-]+$ ]] || usage
            osd_netns+=("$2"); shift 2 ;;
        --kill) [ "$cmd" = restart ] || usage; restart_signal=KILL; shift ;;
        --osds) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || usage; osds=$2; shift 2 ;;
        --osds=*) osds=${1#--osds=}; [[ $osds =~ ^[1-9][0-9]*$ ]] || usage; shift ;;
        --cephx) cephx=1; shift ;;
        *) usage ;;
    esac
done

case $cmd in
    start)
        [ ${#osd_netns[@]} -eq 0 ] || [ -n "$network" ] ||
            die "--osd-netns needs --net: 127.0.0.1 is not reachable from another namespace"
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd -P)
        do_start
        ;;
    stop)
        [ -d "$dir" ] || exit 0
        dir=$(cd "$dir" && pwd -P)
        do_stop
        ;;
    status)
        dir=$(cd "$dir" && pwd -P)
        exec ceph -c "$dir/ceph.conf" -s
        ;;
    restart)
        dir=$(cd "$dir" && pwd -P)
        do_restart "$restart_name"
        ;;
    *) usage ;;
esac
