#!/usr/bin/env bash
# GTest unit tests of encrypted images' LUKS headers (tests/unit/test-rbd-luks.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-luks --tap
