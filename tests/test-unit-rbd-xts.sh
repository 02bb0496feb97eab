#!/usr/bin/env bash
# GTest unit tests of the AES-XTS units of encrypted images (tests/unit/test-rbd-xts.c).
exec "${QBP_BUILD:-build}"/tests/unit/test-rbd-xts --tap
