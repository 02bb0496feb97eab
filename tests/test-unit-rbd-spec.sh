#!/usr/bin/env bash
# GTest unit tests of the rbd plugin's filename parser (tests/unit/test-rbd-spec.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-spec --tap
