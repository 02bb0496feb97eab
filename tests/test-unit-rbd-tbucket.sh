#!/usr/bin/env bash
# GTest unit tests of the QoS token bucket (tests/unit/test-rbd-tbucket.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-tbucket --tap
