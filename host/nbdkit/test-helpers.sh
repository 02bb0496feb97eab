# Helpers for tests/test-nbdkit-*.sh: run the nbdkit host of our plugins and
# reach it with Debian's own, unmodified qemu-img and qemu-io (package
# qemu-utils), never the project's QEMU build.  Source after
# tests/functions.sh.

NBDKIT_HOST=$build/host/nbdkit/qbp-host.so
# qio (tests/functions.sh) runs $QEMU_IO: make it the stock one.
QEMU_IMG=/usr/bin/qemu-img
QEMU_IO=/usr/bin/qemu-io
# Seconds to wait for nbdkit to serve, or for a client to finish.
NBDKIT_TIMEOUT=${NBDKIT_TIMEOUT:-120}

# TAP-skip the whole test unless nbdkit, the stock tools and the host exist.
nbdkit_skip_unless_available() {
    local c
    for c in nbdkit nbdinfo "$QEMU_IMG" "$QEMU_IO"; do
        command -v "$c" >/dev/null 2>&1 ||
            skip_all "$c is missing (scripts/install-deps.sh installs nbdkit, libnbd-bin and qemu-utils)"
    done
    [ -f "$NBDKIT_HOST" ] || skip_all "no $NBDKIT_HOST ('make check' builds it)"
    # Debian's nbdkit is not built with ASan, so it cannot load an ASan host.
    [ "${QBP_SANITIZERS:-no}" != yes ] ||
        skip_all "nbdkit cannot load a sanitizer build of the host"
}

# nbdkit_start NAME [NBDKIT-OPTIONS... --] HOST-ARGS...: serve the host on
# $scratch/NAME.sock in the foreground mode of nbdkit, in the background,
# with its log (-v) in $scratch/NAME.log.  Sets nbd_uri and nbdkit_pid.
# Fails, with the log on stderr, if nbdkit does not come up.
nbdkit_start() {
    local name=$1 opts=() i
    shift
    if printf '%s\n' "$@" | grep -qx -- --; then
        while [ "$1" != -- ]; do
            opts+=("$1")
            shift
        done
        shift
    fi
    nbd_sock=$scratch/$name.sock
    nbd_uri="nbd+unix:///?socket=$nbd_sock"
    rm -f "$scratch/$name.pid"
    nbdkit -f -v "${opts[@]}" --unix "$nbd_sock" --pidfile "$scratch/$name.pid" \
        "$NBDKIT_HOST" "$@" </dev/null >"$scratch/$name.log" 2>&1 &
    nbdkit_pid=$!
    at_exit "kill $nbdkit_pid 2>/dev/null"
    # nbdkit writes the pid file once it accepts connections.
    for ((i = 0; i < NBDKIT_TIMEOUT * 10; i++)); do
        [ -s "$scratch/$name.pid" ] && return 0
        kill -0 "$nbdkit_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$scratch/$name.log" >&2
    return 1
}

# nbdkit_stop: stop the last nbdkit started, and wait for it.
nbdkit_stop() {
    kill "$nbdkit_pid" 2>/dev/null
    wait "$nbdkit_pid" 2>/dev/null
    return 0
}

# nbd_info KEY: KEY's value in nbdinfo --json for $nbd_uri (true, 512, ...).
nbd_info() {
    nbdinfo --json "$nbd_uri" 2>&1 |
        sed -n "s/^[[:space:]]*\"$1\": \\([^,]*\\),\\{0,1\\}\$/\\1/p" | head -n 1
}
