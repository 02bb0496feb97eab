#!/usr/bin/env bash
# Format-specific information (ABI 1.3): what a plugin's get_info reports
# is what `qemu-img info` shows under "Format specific information" and
# what QMP returns, with each fact's type kept; a fact QEMU cannot show
# fails the query with a message naming it; a plugin without get_info (one
# built against 1.0 included) shows no such section.
. tests/functions.sh
. tests/qmp-functions.sh
plan 7

BP=$build/tests/broken-plugins
control="driver=plugin,module=$BP/control-plugin.so"

# The section's lines, sorted: QEMU keeps the facts in a dictionary.
specific() {
    sed -n '/^Format specific information:$/,$p' | sed 1d | sort
}

out=$("$QEMU_IMG" info --image-opts "$control" 2>&1)
check_equal "qemu-img info shows each fact as QEMU shows its own" \
    "    chunk size: 4096
    read only: true
    storage: memory" \
    "$(printf '%s\n' "$out" | specific)"

out=$("$QEMU_IMG" info --output=json --image-opts "$control" 2>&1)
check_equal "...and in JSON each keeps its type: string, number, boolean" \
    '{"data": {"chunk-size": 4096, "read-only": true, "storage": "memory"}, "type": "plugin"}' \
    "$(printf '%s\n' "$out" | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin).get("format-specific"), sort_keys=True))' 2>&1)"

# Through the monitor of a running QEMU, on a writable node: the value
# comes from the open handle.
qmp_start -blockdev "$control,node-name=d0"
qmp_call '{"execute":"query-named-block-nodes"}'
check_equal "query-named-block-nodes in qemu-system-x86_64: the writable node's facts" \
    '{"data": {"chunk-size": 4096, "read-only": false, "storage": "memory"}, "type": "plugin"}' \
    "$(printf '%s\n' "$qmp_line" | python3 -c '
import json, sys
node = json.load(sys.stdin)["return"][0]
print(json.dumps(node["image"].get("format-specific"), sort_keys=True))' 2>&1)"
qmp_quit

out=$("$QEMU_IMG" info --image-opts "driver=plugin,module=$BP/info-key-plugin.so" 2>&1)
rc=$?
check_equal "a fact named as QEMU cannot show it fails the query, naming it" \
    "exit 1: qemu-img: block plugin 'info-key' reported a fact named 'Chunk Size': a name is lower-case words of letters and digits joined by '-'" \
    "exit $rc: $out"

out=$("$QEMU_IMG" info --image-opts "driver=plugin,module=$PLUGINS/null-plugin.so" 2>&1)
rc=$?
check_equal "a plugin without get_info: no section, and info still works" \
    "exit 0, virtual size: 1 GiB (1073741824 bytes), sections: 0" \
    "exit $rc, $(printf '%s\n' "$out" | grep '^virtual size'), sections: $(printf '%s\n' "$out" | grep -c 'Format specific')"

old=$build/abi-check/old-ram-plugin.so
out=$("$QEMU_IMG" info --image-opts "driver=plugin,module=$old" 2>&1)
rc=$?
check_equal "a 1.0 plugin, whose table has no get_info slot: no section" \
    "exit 0, virtual size: 1 MiB (1048576 bytes), sections: 0" \
    "exit $rc, $(printf '%s\n' "$out" | grep '^virtual size'), sections: $(printf '%s\n' "$out" | grep -c 'Format specific')"

# The protocol node under a format: 7.2's qemu-img info shows the top node
# only, 10.0's its children as well, as for the in-tree protocol drivers.
out=$("$QEMU_IMG" info --image-opts "driver=raw,file.driver=plugin,file.module=$BP/control-plugin.so" 2>&1)
rc=$?
shown="exit $rc, child: $(printf '%s\n' "$out" | grep -c "^Child node '/file':"), facts: $(printf '%s\n' "$out" | grep -c 'storage: memory')"
case $("$QEMU_IMG" --version | sed -n '1s/^qemu-img version \([0-9]*\)\..*/\1/p') in
7)
    check_equal "under raw, QEMU 7.2 shows the top node's section only (none)" \
        "exit 0, child: 0, facts: 0" "$shown"
    ;;
*)
    check_equal "under raw, QEMU 10.0 shows the plugin node's facts as a child's" \
        "exit 0, child: 1, facts: 1" "$shown"
    ;;
esac
