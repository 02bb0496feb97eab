# qemu-storage-daemon, built with the shim, for tests that serve a plugin
# disk out of process.  Source after tests/functions.sh:
#   qsd_start NAME ARGS...   a daemon with QMP on $scratch/NAME.qmp; waits
#                            until QMP answers; its pid is $scratch/NAME.pid
#   qsd_qmp NAME CMD [ARGS]  one QMP command; the "return" on stdout
#   qsd_quit NAME            QMP quit; the daemon's exit status
#   qsd_kill NAME            SIGKILL, and wait until it is gone
# Its stdout and stderr go to $scratch/NAME.out and $scratch/NAME.err.

QSD=${QSD:-$QEMU_STORAGE_DAEMON}
QMP_PY=$top/tests/faults/qmp.py

# TAP-skip a test of a guest on our daemon's disk unless the daemon, the
# guest and Debian's stock QEMU (the VM) are there.
qsd_vm_skip_unless_available() {
    vm_skip_unless_available
    [ -x "$QSD" ] || skip_all "no $QSD; 'make qemu' builds it"
    [ -x "$STOCK_QEMU_SYSTEM" ] ||
        skip_all "Debian's qemu-system-x86 is not installed (scripts/install-deps.sh)"
}

qsd_start() {
    local name=$1 i
    shift
    rm -f "$scratch/$name.qmp" "$scratch/$name.pid"
    "$QSD" --chardev "socket,id=qmp,path=$scratch/$name.qmp,server=on,wait=off" \
        --monitor chardev=qmp --pidfile "$scratch/$name.pid" "$@" \
        </dev/null >"$scratch/$name.out" 2>"$scratch/$name.err" &
    local pid=$!
    eval "qsd_pid_$name=$pid"
    at_exit "qsd_kill $name"
    for ((i = 0; i < 600; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            return 1
        fi
        [ -S "$scratch/$name.qmp" ] && [ -s "$scratch/$name.pid" ] &&
            qsd_qmp "$name" query-version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

qsd_qmp() {
    local name=$1
    shift
    timeout 120 /usr/bin/python3 "$QMP_PY" "$scratch/$name.qmp" "$@" | grep -v '^# answered'
    return "${PIPESTATUS[0]}"
}

qsd_quit() {
    local pid_var=qsd_pid_$1 rc=0
    qsd_qmp "$1" quit >/dev/null 2>&1
    wait "${!pid_var}" || rc=$?
    return $rc
}

qsd_kill() {
    local pid_var=qsd_pid_$1
    kill -9 "${!pid_var}" 2>/dev/null
    # Reaped here, bash does not report the kill on the test's stderr.
    wait "${!pid_var}" 2>/dev/null
    return 0
}
