# Tests: `make check` builds everything, then runs every tests/test-*.sh
# through prove (TAP).  TESTS=tests/test-foo.sh runs a subset.
TESTS ?= $(sort $(wildcard tests/test-*.sh))

.PHONY: check-build
check-build: all $(CHECK_DEPS)

check: check-build
	prove -f -e bash $(TESTS)
