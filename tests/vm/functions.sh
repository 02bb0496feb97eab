# Helpers for tests/vm/test-*.sh: boot the test guest (tests/vm/init, built
# by tests/vm/build-guest.sh into build/vm) under TCG, talk QMP to it and
# read what it prints on its serial console.  Source after tests/functions.sh.

VM_DIR=$build/vm
VM_KERNEL=$VM_DIR/vmlinuz
VM_INITRD=$VM_DIR/initramfs.cpio.gz
# Seconds one boot may take before the test gives up on it.  A boot takes a
# few seconds under TCG; this only bounds a hung guest on a slow machine.
VM_TIMEOUT=${VM_TIMEOUT:-600}

# The layout of the test disk; tests/vm/init writes the same places.
VM_DISK_MIB=64
VM_FS_MIB=16
VM_PATTERN_AT_MIB=32
VM_PATTERN_MIB=4
VM_HOTPLUG_DISK_MIB=16
VM_HOTPLUG_AT_MIB=1
VM_HOTPLUG_MIB=2
VM_SCATTER_AT_MIB=16
VM_SCATTER_MIB=32
VM_STREAM_AT_MIB=16
VM_STREAM_COUNT=400
VM_STREAM_BLOCK=65536

# TAP-skip the whole test unless the guest and the firmware are there.
vm_skip_unless_available() {
    [ -f "$VM_KERNEL" ] && [ -f "$VM_INITRD" ] ||
        skip_all "no test guest in $VM_DIR; 'make check-vm' builds it"
    [ -f /usr/share/seabios/bios-256k.bin ] && [ -f /usr/share/qemu/linuxboot_dma.bin ] ||
        skip_all "seabios or qemu-system-data is not installed (scripts/install-deps.sh)"
}

# vm_cmdline NAME MODE: the QEMU command line of a guest run, minus disks.
# The serial console goes to $scratch/NAME.serial.
vm_cmdline() {
    vm_cmd=("$QEMU_SYSTEM" -L /usr/share/qemu -L /usr/share/seabios
        -M pc -accel tcg -m 256 -nodefaults -display none -no-reboot
        -serial "file:$scratch/$1.serial"
        -kernel "$VM_KERNEL" -initrd "$VM_INITRD"
        -append "console=ttyS0 quiet panic=-1 qbpmode=$2")
}

# vm_run NAME MODE QEMU-ARGS...: boot the guest in MODE and wait until it
# powers off.  Returns QEMU's exit status; QEMU's stderr is in
# $scratch/NAME.err.
vm_run() {
    local name=$1 mode=$2
    shift 2
    vm_cmdline "$name" "$mode"
    timeout -k 10 "$VM_TIMEOUT" "${vm_cmd[@]}" "$@" </dev/null \
        >"$scratch/$name.out" 2>"$scratch/$name.err"
}

# vm_start NAME MODE QEMU-ARGS...: boot the guest in the background with
# QMP on a pipe.  Sets vm_pid (to wait for) and vm_qemu_pid (QEMU's own);
# vm_qmp sends, the replies and events go to $scratch/NAME.qmp.
vm_start() {
    local name=$1 mode=$2
    shift 2
    vm_cmdline "$name" "$mode"
    vm_name=$name
    mkfifo "$scratch/$name.qmpin"
    timeout -k 10 "$VM_TIMEOUT" "${vm_cmd[@]}" -qmp stdio \
        -pidfile "$scratch/$name.pid" "$@" \
        <"$scratch/$name.qmpin" >"$scratch/$name.qmp" 2>"$scratch/$name.err" &
    vm_pid=$!
    at_exit "kill $vm_pid 2>/dev/null"
    exec {vm_qmp_fd}>"$scratch/$name.qmpin"
    vm_qmp_n=0
    vm_qmp '{"execute":"qmp_capabilities"}'
    # QEMU writes its pid file before it serves QMP.
    vm_qemu_pid=$(cat "$scratch/$name.pid" 2>/dev/null)
}

# vm_qmp JSON: send one command with a fresh id and wait for its answer,
# which goes to vm_reply (empty when QEMU is gone or the time is up).  Not
# in a subshell: the ids count up in this shell.
vm_qmp() {
    local id
    vm_qmp_n=$((vm_qmp_n + 1))
    id="c$vm_qmp_n"
    # A QEMU that is gone must fail the write, not kill the test (SIGPIPE).
    (trap '' PIPE; printf '%s\n' "${1%\}},\"id\":\"$id\"}" >&"$vm_qmp_fd") 2>/dev/null
    vm_reply=
    vm_wait_file "$scratch/$vm_name.qmp" "\"id\": \"$id\"" || return 1
    vm_reply=$(grep -F "\"id\": \"$id\"" "$scratch/$vm_name.qmp" | head -n 1)
}

# vm_wait_file FILE STRING: until FILE holds STRING, while QEMU runs.
vm_wait_file() {
    local i
    for ((i = 0; i < VM_TIMEOUT * 5; i++)); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        if ! kill -0 "$vm_pid" 2>/dev/null; then
            grep -qF -- "$2" "$1" 2>/dev/null
            return
        fi
        sleep 0.2
    done
    return 1
}

# vm_wait_serial STRING: until the running guest printed STRING.
vm_wait_serial() {
    vm_wait_file "$scratch/$vm_name.serial" "$1"
}

# vm_quit: QMP quit, then vm_wait_exit.
vm_quit() {
    vm_qmp '{"execute":"quit"}'
    vm_wait_exit
}

# vm_wait_exit: the running QEMU's exit status, once it has exited.
vm_wait_exit() {
    local rc=0
    exec {vm_qmp_fd}>&-
    wait "$vm_pid" || rc=$?
    return $rc
}

# vm_value NAME KEY: what the guest of run NAME printed as "QBP KEY VALUE".
vm_value() {
    tr -d '\r' <"$scratch/$1.serial" | sed -n "s/^QBP $2 //p" | head -n 1
}

# vm_console NAME: the serial console of run NAME and QEMU's stderr, for a
# failure's details.
vm_console() {
    tr -d '\r' <"$scratch/$1.serial" 2>/dev/null | tail -n 30
    cat "$scratch/$1.err" 2>/dev/null
}

# check_guest NAME DESCRIPTION: pass if the guest of run NAME finished its
# work ("QBP finished") without a "QBP FAIL" line.
check_guest() {
    local fail
    fail=$(vm_value "$1" FAIL)
    if [ -z "$fail" ] && [ -n "$(vm_value "$1" finished)" ]; then
        ok "$2"
    else
        not_ok "$2" "guest: ${fail:-did not finish}" "$(vm_console "$1")"
    fi
}

# sha256_range FILE AT_MIB MIB: the checksum of MIB MiB of FILE at AT_MIB.
sha256_range() {
    dd if="$1" bs=1M skip="$2" count="$3" 2>/dev/null | sha256sum | cut -d ' ' -f 1
}
