# QMP over a coprocess, for tests that drive a qemu-system-x86_64 without
# a guest.  Source after tests/functions.sh:
#   qmp_start ARGS...       QEMU with -M none and QMP on stdio; capabilities
#   qmp '{"execute":...}'   send one command
#   qmp_until PATTERN       read until a line holds PATTERN (60 s at most)
#   qmp_call JSON           send, then wait for its "return" (or "error")
#   qmp_quit                quit and wait for QEMU
# Everything QEMU says on QMP goes to $qmp_log, its stderr to $scratch/qemu.err.

qmp_log=$scratch/qmp.log

qmp_start() {
    coproc QEMU {
        exec "$QEMU_SYSTEM" -M none -nodefaults -display none -qmp stdio "$@" \
            2>"$scratch/qemu.err"
    }
    qmp_pid=$QEMU_PID
    at_exit "kill $qmp_pid 2>/dev/null"
    qmp_until '"QMP"' && qmp_call '{"execute":"qmp_capabilities"}'
}

qmp() {
    printf '%s\n' "$1" >&"${QEMU[1]}"
}

qmp_until() {
    local line
    while IFS= read -r -t 60 line <&"${QEMU[0]}"; do
        printf '%s\n' "$line" >>"$qmp_log"
        qmp_line=$line
        case $line in
            *$1*) return 0 ;;
        esac
    done
    return 1
}

# The reply is in $qmp_line; fails on an error reply.
qmp_call() {
    qmp "$1"
    while qmp_until '"'; do
        case $qmp_line in
            *'"return"'*) return 0 ;;
            *'"error"'*) return 1 ;;
        esac
    done
    return 1
}

qmp_quit() {
    qmp '{"execute":"quit"}'
    wait "$qmp_pid" 2>/dev/null
}
