#!/usr/bin/env bash
# GTest unit tests of the RBD plugin's Ceph encoding primitives
# (tests/unit/test-rbd-buf.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-buf --tap
