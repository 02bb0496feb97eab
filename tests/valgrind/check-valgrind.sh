#!/usr/bin/env bash
# `make check-valgrind`: the tests that load plugins without QEMU, under
# valgrind's memcheck (tests/valgrind/valgrind.sh: errors and leaks fail).
#
#   tests/valgrind/check-valgrind.sh BUILD_DIR
#
# - the GTest unit tests, BUILD_DIR/tests/unit/test-*;
# - the tests that load plugins through qbp-load
#   (tests/test-loader-messages.sh, tests/test-abi-compat.sh), run against
#   BUILD_DIR/valgrind/tree, a copy of the build tree (symbolic links)
#   whose tests/qbp-load runs the real one under valgrind; their QEMU
#   parts run QEMU as usual;
# - tests/valgrind/test-plugins.sh: qbp-drive through every callback of
#   the null and file plugins, and of rbd (on a test cluster when Ceph is
#   installed).
# Each process's report is BUILD_DIR/valgrind/logs/PROGRAM.PID.log; any
# report that is not empty fails the run and is printed.
set -u
top=$(pwd)
b=$(cd "$1" && pwd)
logs=$b/valgrind/logs
tree=$b/valgrind/tree

rm -rf "$logs" "$tree"
mkdir -p "$logs" "$tree/tests"
for d in plugins abi-check qemu; do
    [ -e "$b/$d" ] && ln -s "$b/$d" "$tree/$d"
done
ln -s "$b/tests/plugins" "$tree/tests/plugins"
for prog in qbp-load valgrind/qbp-drive; do
    mkdir -p "$(dirname "$tree/tests/$prog")"
    printf '#!/bin/sh\nexec %q %q "$@"\n' "$top/tests/valgrind/valgrind.sh" \
        "$b/tests/$prog" > "$tree/tests/$prog"
    chmod +x "$tree/tests/$prog"
done
export QBP_VALGRIND_LOGS=$logs

status=0
QBP_BUILD=$tree prove -f -e bash tests/test-loader-messages.sh \
    tests/test-abi-compat.sh tests/valgrind/test-plugins.sh || status=1
prove -f --exec "$top/tests/valgrind/valgrind.sh" "$b"/tests/unit/test-* \
    :: --tap || status=1

processes=$(find "$logs" -name '*.log' | wc -l)
bad=$(find "$logs" -name '*.log' -size +0 | sort)
if [ -n "$bad" ]; then
    status=1
    for f in $bad; do
        echo "==== valgrind: $f"
        grep -v '^==[0-9]*== *$' "$f" | sed -n '1,60p'
    done
fi
echo "valgrind: $processes processes checked, $(echo "$bad" | grep -c .) with errors or leaks (reports: $logs)"
exit $status
