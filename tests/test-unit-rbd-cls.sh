#!/usr/bin/env bash
# GTest unit tests of the RBD class-method encoders/decoders and feature
# names, on replies captured from a live Ceph 16 cluster
# (tests/unit/test-rbd-cls.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-cls --tap
