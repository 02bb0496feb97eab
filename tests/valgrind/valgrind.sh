#!/usr/bin/env bash
# Run one program under valgrind's memcheck, the way `make check-valgrind`
# wants every plugin-only test to run:
#
#   QBP_VALGRIND_LOGS=DIR tests/valgrind/valgrind.sh PROGRAM ARGS...
#
# The program's stdout, stderr and exit status stay its own (tests compare
# them word for word); valgrind's report goes to DIR/PROGRAM.PID.log.  An
# invalid access, a use of uninitialised memory or a leak (definite,
# indirect or possible, after tests/valgrind/valgrind.supp) makes the exit
# status 99.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
logs=${QBP_VALGRIND_LOGS:?QBP_VALGRIND_LOGS must name a directory for the logs}
mkdir -p "$logs"
exec valgrind -q --tool=memcheck --error-exitcode=99 \
    --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --track-origins=yes --num-callers=40 \
    --suppressions="$top/tests/valgrind/valgrind.supp" --gen-suppressions=all \
    --log-file="$logs/$(basename "$1").%p.log" "$@"
