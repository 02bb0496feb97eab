#!/usr/bin/env bash
# GTest unit tests of the rbd plugin's allocation hint settings (tests/unit/test-rbd-hint.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-hint --tap
