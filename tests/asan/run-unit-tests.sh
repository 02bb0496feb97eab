#!/usr/bin/env bash
# The GTest unit tests of one build tree, through prove (TAP).
#
#   tests/asan/run-unit-tests.sh BUILD_DIR
#
# tests/test-unit-*.sh run build/'s unit tests whatever QBP_BUILD says, so
# `make check-asan` runs the sanitizer tree's own with this.
set -eu
tests=("$1"/tests/unit/test-*)
exec prove -f --exec '' "${tests[@]}" :: --tap
