#!/usr/bin/env bash
# GTest unit tests of the conf_ settings in metadata (tests/unit/test-rbd-meta.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-meta --tap
