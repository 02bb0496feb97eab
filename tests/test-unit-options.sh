#!/usr/bin/env bash
# GTest unit tests of the loader's option handling (tests/unit/test-options.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-options --tap
