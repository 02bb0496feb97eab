#!/usr/bin/env bash
# GTest unit tests of the object map bit vector, on maps captured from a
# live Ceph 16 cluster (tests/unit/test-rbd-objmap.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-objmap --tap
