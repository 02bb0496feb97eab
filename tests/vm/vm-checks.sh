# The checks of a real guest on a plugin disk, for one backend.  Sourced by
# tests/vm/test-vm-*.sh after they define:
#
#   backend_module               the plugin file given to -module
#   backend_create IMAGE MIB     make an empty disk IMAGE of MIB MiB
#   backend_drive IMAGE          the file= of a -drive on IMAGE
#   backend_blockdev NODE IMAGE  the JSON arguments of blockdev-add on IMAGE
#   backend_export IMAGE FILE    copy IMAGE's bytes to FILE with a tool that
#                                is not ours
#   backend_holders IMAGE PID    who holds IMAGE open (PID is QEMU's); no
#                                output when nobody does
#
# and, for a disk that is not QEMU's own block node, may redefine (the
# defaults below are the plugin in process, for backend_module):
#
#   backend_vm_args IMAGE        set vm_args: QEMU's arguments for a boot
#                                with IMAGE as its disk (vm_args=() for none)
#   backend_plug NODE IMAGE      make IMAGE ready for device_add (one check)
#   backend_device NODE          the arguments of device_add for it
#   backend_release NODE IMAGE   once the guest released the device, what
#                                is left to let IMAGE go (one check)
#
# Three boots: the guest writes a pattern and a file system with O_DIRECT;
# a second boot mounts the file system; a third gets a disk hot-plugged over
# QMP, uses it and sees it unplugged.
plan 25

if ! declare -F backend_vm_args >/dev/null; then
    backend_vm_args() {
        vm_args=(-module "$backend_module")
        [ -z "$1" ] ||
            vm_args+=(-drive "file=$(backend_drive "$1"),format=raw,if=virtio,cache=none")
    }
    backend_plug() {
        vm_qmp "{\"execute\":\"blockdev-add\",\"arguments\":$(backend_blockdev "$1" "$2")}"
        check_contains "hot-plug: blockdev-add driver=plugin succeeds" '"return": {}' "$vm_reply"
    }
    backend_device() {
        printf '{"driver":"virtio-blk-pci","id":"hpdisk","drive":"%s"}' "$1"
    }
    backend_release() {
        vm_qmp "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"$1\"}}"
        check_contains "hot-plug: blockdev-del succeeds" '"return": {}' "$vm_reply"
    }
fi

backend_create vm "$VM_DISK_MIB"
backend_create hot "$VM_HOTPLUG_DISK_MIB"
# Only -module may find the plugin.
unset QEMU_BLOCK_PLUGIN_PATH
backend_vm_args vm
disk_args=("${vm_args[@]}")

# ---- boot 1: a pattern and a file system, written with O_DIRECT ----
rc=0
vm_run write write "${disk_args[@]}" || rc=$?
check_equal "boot 1: QEMU exited normally after the guest powered off" 0 "$rc"
check_guest write "boot 1: the guest wrote the pattern and the file system"
check_equal "boot 1: the guest sees a disk of $VM_DISK_MIB MiB" \
    $((VM_DISK_MIB * 2048)) "$(vm_value write size)"
check_equal "boot 1: the guest's dd really uses O_DIRECT" \
    refuses-unaligned "$(vm_value write odirect)"
source_sum=$(vm_value write pattern-source)
check_equal "boot 1: the guest reads back the pattern it wrote" \
    "$source_sum" "$(vm_value write pattern-readback)"

backend_export vm "$scratch/export1.raw"
check_equal "boot 1: the exported image holds the guest's pattern" \
    "$source_sum" "$(sha256_range "$scratch/export1.raw" "$VM_PATTERN_AT_MIB" "$VM_PATTERN_MIB")"
check_equal "boot 1: the exported image holds the guest's file system" \
    "$(vm_value write fs-image)" "$(sha256_range "$scratch/export1.raw" 0 "$VM_FS_MIB")"
check_equal "boot 1: the exported image is $VM_DISK_MIB MiB" \
    $((VM_DISK_MIB << 20)) "$(stat -c %s "$scratch/export1.raw" 2>&1)"

# ---- boot 2: the file system survives ----
rc=0
vm_run mount mount "${disk_args[@]}" || rc=$?
check_equal "boot 2: QEMU exited normally" 0 "$rc"
check_guest mount "boot 2: the guest mounted the file system"
check_equal "boot 2: the guest finds the file with the bytes it wrote" \
    "$(vm_value write file-source)" "$(vm_value mount file-found)"
check_equal "boot 2: ...and the text file" \
    "written by the qbp test guest" "$(vm_value mount hello)"
check_equal "boot 2: the pattern is still on the disk" \
    "$source_sum" "$(vm_value mount pattern-readback)"

# ---- boot 3: hot-plug over QMP ----
backend_vm_args ""
vm_start hotplug hotplug "${vm_args[@]}"
if ! vm_wait_serial "QBP ready-for-hotplug"; then
    echo "Bail out! the hot-plug guest did not come up"
    vm_console hotplug | sed 's/^/# /'
    exit 1
fi
backend_plug hp0 hot
holders=$(backend_holders hot "$vm_qemu_pid")
printf '%s\n' "$holders" | sed 's/^/# holder: /'
check "hot-plug: the open image has a holder" test -n "$holders"
vm_qmp "{\"execute\":\"device_add\",\"arguments\":$(backend_device hp0)}"
check_contains "hot-plug: device_add succeeds" '"return": {}' "$vm_reply"
vm_wait_serial "QBP hotplug-used"
check_equal "hot-plug: the guest sees the $VM_HOTPLUG_DISK_MIB MiB disk" \
    $((VM_HOTPLUG_DISK_MIB * 2048)) "$(vm_value hotplug hotplug-size)"
hot_sum=$(vm_value hotplug hotplug-source)
check_equal "hot-plug: the guest reads back what it wrote to the new disk" \
    "$hot_sum" "$(vm_value hotplug hotplug-readback)"
vm_qmp '{"execute":"device_del","arguments":{"id":"hpdisk"}}'
check_contains "hot-plug: device_del succeeds" '"return": {}' "$vm_reply"
# The guest ejects the device; QEMU says so with DEVICE_DELETED.
check "hot-plug: the guest released the device (DEVICE_DELETED)" \
    vm_wait_file "$scratch/hotplug.qmp" '"device": "hpdisk"'
backend_release hp0 hot
holders=$(backend_holders hot "$vm_qemu_pid")
check_equal "hot-plug: once released nothing holds the image" "" "$holders"
vm_wait_serial "QBP finished hotplug"
check_guest hotplug "hot-plug: the guest saw the disk come and go"
rc=0
vm_quit || rc=$?
check_equal "hot-plug: QEMU quit normally" 0 "$rc"
backend_export hot "$scratch/export3.raw"
check_equal "hot-plug: the exported image holds what the guest wrote" \
    "$hot_sum" "$(sha256_range "$scratch/export3.raw" "$VM_HOTPLUG_AT_MIB" "$VM_HOTPLUG_MIB")"
done_testing
