#!/usr/bin/env bash
# GTest unit tests of the RBD header notifications, their replies and
# answers, and the class "lock" encoders, on bytes captured from a live
# Ceph 16 cluster (tests/unit/test-rbd-notify.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-notify --tap
