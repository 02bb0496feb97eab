# Every refusal of the loader, word for word, through qbp-load (a host
# titled "this host") and, for some, through qemu-io ("this QEMU").  The
# seeded plugins are in tests/plugins/; their file names say what is wrong.
. tests/functions.sh
# glibc translates dlerror(); the messages below are the C locale's.
export LC_ALL=C

QBP_LOAD=$build/tests/qbp-load
TP=$build/tests/plugins
# The loader searches the PLUGINDIR it was built with, which config.mk may
# define through other make variables.
plugindir=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -f config.mk \
    --eval='qbp-print-plugindir: ; @echo $(PLUGINDIR)' qbp-print-plugindir)
abi=$(abi-check/abi-version.sh plugin-api)
# What a host built from this header says it provides (1.0, or 1.0-1.N).
if [ "${abi#*.}" = 0 ]; then
    provides=1.0
else
    provides=1.0-$abi
fi

# load_is DESCRIPTION STATUS STDOUT STDERR ARGS...: qbp-load ARGS exits
# with STATUS printing exactly STDOUT and STDERR.
load_is() {
    local desc=$1 want="exit $2, stdout [$3], stderr [$4]" out err rc
    shift 4
    out=$("$QBP_LOAD" "$@" 2>"$scratch/stderr")
    rc=$?
    err=$(cat "$scratch/stderr")
    check_equal "$desc" "$want" "exit $rc, stdout [$out], stderr [$err]"
}
# refused DESCRIPTION MESSAGE ARGS...: qbp-load ARGS loads nothing and
# exits 1 with MESSAGE as its one line on stderr.
refused() {
    local desc=$1 msg=$2
    shift 2
    load_is "$desc" 1 "" "$msg" "$@"
}

# ---- found, or not, by name and by path ----
load_is "a plugin loads by name" 0 "loaded null ABI $abi" "" null
export QEMU_BLOCK_PLUGIN_PATH=$TP::$PLUGINS
load_is "a plugin loads by path" 0 "loaded good ABI $abi" "" "$TP/good-plugin.so"
load_is "the same file by name and by path is one plugin" 0 \
    "loaded good ABI $abi
loaded good ABI $abi" "" good "$TP/good-plugin.so"
refused "unknown name: names the file and every directory searched" \
    "block plugin 'nosuch' not found: no nosuch-plugin.so in $TP:$PLUGINS:$plugindir" \
    nosuch
QEMU_BLOCK_PLUGIN_PATH=$PLUGINS refused "unknown name, one directory in the path" \
    "block plugin 'good' not found: no good-plugin.so in $PLUGINS:$plugindir" \
    good
refused "invalid name" \
    "invalid block plugin name 'bad.name': use letters, digits, '-' and '_', or a path containing '/'" \
    bad.name
refused "unknown path" \
    "block plugin file '$scratch/none/x-plugin.so' not found" \
    "$scratch/none/x-plugin.so"

# ---- the file ----
mkdir -p "$scratch/w"
cp "$TP/good-plugin.so" "$scratch/w/good-plugin.so"
chmod 0775 "$scratch/w/good-plugin.so"
refused "writable by group" \
    "$scratch/w/good-plugin.so: refusing to load a block plugin that is writable by group or others (mode 0775)" \
    "$scratch/w/good-plugin.so"
chmod 0757 "$scratch/w/good-plugin.so"
refused "writable by others" \
    "$scratch/w/good-plugin.so: refusing to load a block plugin that is writable by group or others (mode 0757)" \
    "$scratch/w/good-plugin.so"
chmod 0755 "$scratch/w/good-plugin.so"
load_is "the same copy loads once only its owner can write it" 0 \
    "loaded good ABI $abi" "" "$scratch/w/good-plugin.so"

# ---- who can change the file or the directories above it ----
# The directory holding the plugin, and every one above it up to '/', must
# be writable by its owner alone; above the plugin's own directory a
# sticky one (like /tmp) is accepted.  Everything must be owned by root or
# by the user running the host.
mkdir -p "$scratch/dirs/wd" "$scratch/dirs/up/sub"
cp -p "$TP/good-plugin.so" "$scratch/dirs/wd/good-plugin.so"
chmod 0775 "$scratch/dirs/wd"
refused "plugin directory writable by group" \
    "$scratch/dirs/wd/good-plugin.so: refusing to load a block plugin from directory '$scratch/dirs/wd', which is writable by group or others (mode 0775)" \
    "$scratch/dirs/wd/good-plugin.so"
chmod 1777 "$scratch/dirs/wd"
refused "plugin directory writable by others, even when sticky" \
    "$scratch/dirs/wd/good-plugin.so: refusing to load a block plugin from directory '$scratch/dirs/wd', which is writable by group or others (mode 1777)" \
    "$scratch/dirs/wd/good-plugin.so"
QEMU_BLOCK_PLUGIN_PATH=$scratch/dirs/wd refused "found by name in a writable directory of the search path" \
    "$scratch/dirs/wd/good-plugin.so: refusing to load a block plugin from directory '$scratch/dirs/wd', which is writable by group or others (mode 1777)" \
    good
cp -p "$TP/good-plugin.so" "$scratch/dirs/up/sub/good-plugin.so"
chmod 0757 "$scratch/dirs/up"
refused "a directory further up writable by others" \
    "$scratch/dirs/up/sub/good-plugin.so: refusing to load a block plugin from directory '$scratch/dirs/up', which is writable by group or others (mode 0757)" \
    "$scratch/dirs/up/sub/good-plugin.so"
chmod 1777 "$scratch/dirs/up"
load_is "a sticky directory further up, as /tmp is, is accepted" 0 \
    "loaded good ABI $abi" "" "$scratch/dirs/up/sub/good-plugin.so"
mkdir -p "$scratch/dirs/links"
chmod 0777 "$scratch/dirs/links"
ln -s "$TP/good-plugin.so" "$scratch/dirs/links/good-plugin.so"
refused "a symbolic link in a writable directory, to a good file" \
    "$scratch/dirs/links/good-plugin.so: refusing to load a block plugin from directory '$scratch/dirs/links', which is writable by group or others (mode 0777)" \
    "$scratch/dirs/links/good-plugin.so"
mkdir -p "$scratch/dirs/tmpdir"
chmod 1777 "$scratch/dirs/tmpdir"
mkdir -p "$scratch/dirs/tmpdir/mine"
cp -p "$TP/good-plugin.so" "$scratch/dirs/tmpdir/mine/good-plugin.so"
load_is "a directory of ours inside a sticky one loads" 0 \
    "loaded good ABI $abi" "" "$scratch/dirs/tmpdir/mine/good-plugin.so"
if [ "$(id -u)" -eq 0 ]; then
    mine="only root may own it"
    chown 4242 "$scratch/dirs/tmpdir/mine/good-plugin.so"
    refused "a file owned by another user" \
        "$scratch/dirs/tmpdir/mine/good-plugin.so: refusing to load a block plugin owned by uid 4242 ($mine)" \
        "$scratch/dirs/tmpdir/mine/good-plugin.so"
    chown 0 "$scratch/dirs/tmpdir/mine/good-plugin.so"
    chown 4242 "$scratch/dirs/tmpdir/mine"
    refused "a directory owned by another user (who could swap the file)" \
        "$scratch/dirs/tmpdir/mine/good-plugin.so: refusing to load a block plugin from directory '$scratch/dirs/tmpdir/mine', which is owned by uid 4242 ($mine)" \
        "$scratch/dirs/tmpdir/mine/good-plugin.so"
    chown 0 "$scratch/dirs/tmpdir/mine"
else
    ok "a file owned by another user # SKIP needs root to chown"
    ok "a directory owned by another user # SKIP needs root to chown"
fi
refused "a host-only symbol: cannot load" \
    "$TP/bad-hostimport-plugin.so: cannot load: undefined symbol: qbp_loader_setup" \
    bad-hostimport
refused "no entry point" \
    "$TP/bad-nosymbol-plugin.so: not a block plugin (no qbp_plugin_init symbol)" \
    bad-nosymbol

# ---- the table ----
refused "entry point returns no table" \
    "bad-notable-plugin.so: plugin initialisation failed: qbp_plugin_init returned no table" \
    bad-notable
refused "entry point returns a table on the heap" \
    "bad-heaptable-plugin.so: plugin initialisation failed: qbp_plugin_init returned a table outside the plugin file (it is in no loaded file)" \
    bad-heaptable
refused "entry point returns another library's table" \
    "bad-foreigntable-plugin.so: plugin initialisation failed: qbp_plugin_init returned a table outside the plugin file (it is in $TP/good-plugin.so)" \
    bad-foreigntable
refused "table larger than the plugin file maps" \
    "bad-hugetable-plugin.so: plugin table is 1073741824 bytes, more than the plugin file holds at its address; please contact the plugin's author" \
    bad-hugetable
refused "table too small for its version" \
    "bad-tiny-plugin.so: plugin table is 4 bytes, too small to hold its version; please contact the plugin's author" \
    bad-tiny
refused "future major: names versions on both sides and the contact" \
    "bad-future-plugin.so: needs block plugin ABI 2.1, this host provides $provides; please contact future-plugin@example.org" \
    bad-future
refused "table smaller than its ABI needs" \
    "bad-small-plugin.so: plugin table is 136 bytes, but ABI 1.0 needs at least 176; please contact qbp-tests@example.org" \
    bad-small
refused "invalid plugin name in the table" \
    "bad-noname-plugin.so: plugin has no valid name; please contact qbp-tests@example.org" \
    bad-noname
refused "required callback missing" \
    "bad-nocallback-plugin.so: required callback 'get_length' is missing; please contact qbp-tests@example.org" \
    bad-nocallback
refused "file name and plugin name differ" \
    "$TP/bad-misnamed-plugin.so: file is named for plugin 'bad-misnamed' but the plugin calls itself 'other'; please contact qbp-tests@example.org" \
    bad-misnamed
mkdir -p "$scratch/dup"
cp -p "$TP/good-plugin.so" "$scratch/dup/good-plugin.so"
load_is "a second plugin of the same name" 1 "loaded good ABI $abi" \
    "$scratch/dup/good-plugin.so: a block plugin named 'good' is already loaded from $TP/good-plugin.so" \
    "$TP/good-plugin.so" "$scratch/dup/good-plugin.so"
refused "load() fails: the plugin's own message" \
    "bad-initfail-plugin.so: plugin initialisation failed: cannot reach the license server at 192.0.2.1" \
    bad-initfail

# ---- the same messages inside QEMU ----
# qemu-io --module preloads a plugin file and stops at a refusal, through
# QEMU's error_report ("qemu-io: " prefix).
qemu_refuses() {  # qemu_refuses DESCRIPTION MESSAGE PLUGIN_FILE
    local out rc
    if [ ! -x "$QEMU_IO" ]; then
        ok "$1 # SKIP $QEMU_IO does not exist yet"
        return
    fi
    out=$("$QEMU_IO" --module "$3" -c 'read 0 512' "plugin:null:" 2>&1)
    rc=$?
    check_equal "$1" "exit 1: qemu-io: $2" "exit $rc: $out"
}
qemu_refuses "qemu-io: future major, unchanged but for the host title" \
    "bad-future-plugin.so: needs block plugin ABI 2.1, this QEMU provides $provides; please contact future-plugin@example.org" \
    "$TP/bad-future-plugin.so"
qemu_refuses "qemu-io: load() fails: the plugin's own message" \
    "bad-initfail-plugin.so: plugin initialisation failed: cannot reach the license server at 192.0.2.1" \
    "$TP/bad-initfail-plugin.so"
chmod 0775 "$scratch/w/good-plugin.so"
qemu_refuses "qemu-io: writable by group" \
    "$scratch/w/good-plugin.so: refusing to load a block plugin that is writable by group or others (mode 0775)" \
    "$scratch/w/good-plugin.so"
qemu_refuses "qemu-io: a table outside the plugin file" \
    "bad-heaptable-plugin.so: plugin initialisation failed: qbp_plugin_init returned a table outside the plugin file (it is in no loaded file)" \
    "$TP/bad-heaptable-plugin.so"
chmod 0777 "$scratch/dirs/up"
qemu_refuses "qemu-io: -module from under a writable directory" \
    "$scratch/dirs/up/sub/good-plugin.so: refusing to load a block plugin from directory '$scratch/dirs/up', which is writable by group or others (mode 0777)" \
    "$scratch/dirs/up/sub/good-plugin.so"

plan "$tap_n"
done_testing
