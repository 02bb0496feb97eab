#!/usr/bin/env bash
# GTest unit tests of the rbd plugin's striping mapper (tests/unit/test-rbd-layout.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-layout --tap
