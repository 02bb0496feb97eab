#!/usr/bin/env bash
# Bad options reach the user as messages that name what was wrong, checked
# against the plugin's declared option table before the plugin sees them.
. tests/functions.sh
plan 7

disk=$scratch/disk.raw
truncate -s 1M "$disk"

# open_err OPTS: qemu-io's message for opening the plugin with --image-opts.
open_err() {
    "$QEMU_IO" --image-opts -c 'read 0 512' "$1" 2>&1
}

check_equal "an unknown option is refused with the list of valid ones" \
    "qemu-io: can't open: block plugin 'file' has no option 'colour' (its options: filename, workers, inject-error, inject-delay)" \
    "$(open_err "driver=plugin,module=file,filename=$disk,colour=red")"

check_equal "a missing required option is named, with its help" \
    "qemu-io: can't open: block plugin 'file' needs the option 'filename' (path of the file holding the disk)" \
    "$(open_err "driver=plugin,module=file")"

check_equal "a number option refuses a word" \
    "qemu-io: can't open: block plugin 'file': option 'workers' expects a whole number, not 'many'" \
    "$(open_err "driver=plugin,module=file,filename=$disk,workers=many")"

check_equal "driver=plugin without module says what to give" \
    "qemu-io: can't open: block driver 'plugin' needs the option 'module' (a plugin name such as 'file', or the path of its .so)" \
    "$(open_err "driver=plugin,filename=$disk")"

check_equal "a filename without a plugin name shows the expected form" \
    "qemu-io: can't open device plugin::x: 'plugin::x': expected plugin:NAME:REST, e.g. plugin:file:/var/lib/disk.raw" \
    "$("$QEMU_IO" -f raw -c 'read 0 512' plugin::x 2>&1)"

out=$("$QEMU_IO" -f raw -c 'read 0 512' "plugin:file:$scratch/missing.raw" 2>&1)
check_contains "the plugin's own open error names the file and the reason" \
    "$scratch/missing.raw" "$out"
check_contains "...and the reason" "No such file or directory" "$out"
done_testing
