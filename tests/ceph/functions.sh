# Ceph helpers for tests/test-*.sh.  Source after tests/functions.sh:
#   . tests/functions.sh
#   . tests/ceph/functions.sh
#   ceph_skip_unless_available      # before plan
#   plan 5
#   ceph_start                      # or: ceph_start 3, ceph_start 1 --cephx
#   rbd create --size 16M img       # CEPH_CONF is exported
# See tests/ceph/README.md.

CEPH_CLUSTER_SH=$top/tests/ceph/cluster.sh
ceph_clusters=0

# TAP-skip the whole test unless the Ceph daemons and tools are installed.
ceph_skip_unless_available() {
    local c missing=()
    for c in ceph-mon ceph-mgr ceph-osd ceph-authtool monmaptool ceph rbd rados; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    /usr/bin/python3 -c 'import rados, rbd' 2>/dev/null ||
        missing+=("python3-rados/python3-rbd")
    [ ${#missing[@]} -eq 0 ] ||
        skip_all "Ceph is not installed (missing ${missing[*]}); bash scripts/install-deps.sh installs it"
}

# ceph_start [N] [--cephx]: start a cluster with N OSDs (default 1) in a new
# directory under $scratch, stopped by the at_exit hook.  Sets CEPH_DIR and
# exports CEPH_CONF=$CEPH_DIR/ceph.conf.  Bails out of the test on failure
# (the daemons' log tails go to stderr).
ceph_start() {
    local osds=1 out
    case ${1-} in [1-9]*) osds=$1; shift ;; esac
    ceph_clusters=$((ceph_clusters + 1))
    CEPH_DIR=$scratch/ceph$ceph_clusters
    at_exit "$(printf '%q ' "$CEPH_CLUSTER_SH" stop "$CEPH_DIR") >/dev/null 2>&1"
    if ! out=$("$CEPH_CLUSTER_SH" start "$CEPH_DIR" --osds "$osds" "$@" 2>&1); then
        printf '%s\n' "$out" >&2
        echo "Bail out! the Ceph test cluster in $CEPH_DIR did not start"
        exit 1
    fi
    printf '%s\n' "$out" | sed 's/^/# /'
    export CEPH_CONF=$CEPH_DIR/ceph.conf
}

# ceph_stop [DIR]: stop the cluster in DIR (default $CEPH_DIR) now.
ceph_stop() {
    "$CEPH_CLUSTER_SH" stop "${1:-$CEPH_DIR}" >/dev/null
}

# ceph_daemons DIR: the pids of all processes that run with DIR/ceph.conf as
# their configuration (the daemons of that cluster), one a line.
ceph_daemons() {
    local dir p cmd
    dir=$(cd "$1" && pwd -P) || return 0
    for p in /proc/[0-9]*; do
        cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
        case " $cmd" in
            *" -c $dir/ceph.conf "*) echo "${p#/proc/}" ;;
        esac
    done
}

# ceph_out COMMAND...: the command's stdout alone, and its stderr only when
# it fails.  Ceph's tools may print a harmless line on stderr at any time
# (monclient's "get_auth_request but no auth handler is set up" after a
# reconnect), which must not end up in output that is parsed or compared.
ceph_out() {
    local err rc=0
    err=$(mktemp)
    "$@" 2>"$err" || rc=$?
    [ "$rc" -eq 0 ] || cat "$err"
    rm -f "$err"
    return "$rc"
}
