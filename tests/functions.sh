# Shared helpers for tests/test-*.sh: TAP output, paths, scratch space.
# Source it from the repository root:  . tests/functions.sh

set -u

top=$(pwd)
# QBP_BUILD selects another build tree, e.g. a sanitizer build.
build=${QBP_BUILD:-$top/build}
# QBP_QEMU_DIR selects the QEMU build (`make check QEMU=10.0` sets it to
# build/qemu-10.0); build/qemu is QEMU 7.2.
qemu_dir=${QBP_QEMU_DIR:-$build/qemu}
QEMU_IMG=$qemu_dir/qemu-img
QEMU_IO=$qemu_dir/qemu-io
QEMU_NBD=$qemu_dir/qemu-nbd
QEMU_SYSTEM=$qemu_dir/qemu-system-x86_64
QEMU_STORAGE_DAEMON=$qemu_dir/qemu-storage-daemon
# Debian's own QEMU (packages qemu-utils and qemu-system-x86), never
# patched: the client of a plugin that runs in another process.
STOCK_QEMU_IO=/usr/bin/qemu-io
STOCK_QEMU_IMG=/usr/bin/qemu-img
STOCK_QEMU_SYSTEM=/usr/bin/qemu-system-x86_64
PLUGINS=$build/plugins
# Plugins are found by name in the build tree, never in an installed copy.
export QEMU_BLOCK_PLUGIN_PATH=$PLUGINS

scratch=$(mktemp -d "${TMPDIR:-/tmp}/qbp-test.XXXXXX")
cleanup_hooks=()
at_exit() { cleanup_hooks+=("$*"); }
run_cleanup() {
    local h
    for h in "${cleanup_hooks[@]+"${cleanup_hooks[@]}"}"; do
        eval "$h" || true
    done
    rm -rf "$scratch"
}
trap run_cleanup EXIT

tap_n=0
tap_failed=0
plan() { echo "1..$1"; }
ok() {      # ok DESCRIPTION: record a pass
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $*"
}
not_ok() {  # not_ok DESCRIPTION [DETAILS...]: record a failure
    tap_n=$((tap_n + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $1"
    shift
    local line
    # On stderr too: prove shows a test's stderr, so CI logs say why.
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/# /' | tee /dev/stderr
    done
}
check() {   # check DESCRIPTION COMMAND...: pass if the command succeeds
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$desc"
    else
        not_ok "$desc" "command: $*" "$out"
    fi
}
check_fails() {  # check_fails DESCRIPTION COMMAND...: pass if it fails
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        not_ok "$desc" "command succeeded but should have failed: $*" "$out"
    else
        ok "$desc"
    fi
}
check_equal() {  # check_equal DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected: $2" "actual:   $3"
    fi
}
check_contains() {  # check_contains DESCRIPTION NEEDLE HAYSTACK
    case "$3" in
        *"$2"*) ok "$1" ;;
        *) not_ok "$1" "expected to contain: $2" "actual: $3" ;;
    esac
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { [ "$tap_failed" -eq 0 ]; }

# qemu-io on a plugin disk; prints qemu-io's output, fails if a command did.
qio() {
    local out
    out=$("$QEMU_IO" "$@" 2>&1)
    local rc=$?
    printf '%s\n' "$out"
    if [ $rc -ne 0 ] || printf '%s' "$out" | grep -qE 'failed|Pattern verification'; then
        return 1
    fi
}
