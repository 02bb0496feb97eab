# Tests: `make check` builds everything, then runs every tests/test-*.sh
# through prove (TAP).  TESTS=tests/test-foo.sh runs a subset; QEMU=10.0
# runs them under QEMU 10.0 (the plugins are the same files).
TESTS ?= $(sort $(wildcard tests/test-*.sh))

# GTest unit tests for pure logic: tests/unit/test-NAME.c links the loader.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/test-*.c))
CHECK_DEPS += $(UNIT_TESTS)

$(B)/tests/unit/%: tests/unit/%.c $(B)/host/libqbp-loader.a
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(B)/host/libqbp-loader.a $(GLIB_LIBS) $(LTDL_LIBS) -ldl

.PHONY: check-build
check-build: all $(CHECK_DEPS)

check: check-build
	prove -f --timer -e bash $(TESTS)

# CI's second QEMU: `make check` runs every test under QEMU 7.2, this runs
# under QEMU 10.0 the tests that start a QEMU program, less those where the
# shim is not what is tested (QEMU10_SKIPPED_IN_CI: the cluster script,
# QEMU as an NBD client of nbdkit, and the plugin's own op timeouts, 45 s
# of waiting), which `make check QEMU=10.0` runs with the rest.  The tests
# that need no QEMU are the same under both and run once.
QEMU10_SKIPPED_IN_CI := $(addprefix tests/test-,$(addsuffix .sh, \
    ceph-cluster nbdkit-block-status nbdkit-file nbdkit-kill nbdkit-rbd \
    rbd-no-hang))
QEMU_LEVEL_TESTS = $(shell grep -lE 'QEMU_(IO|IMG|NBD|SYSTEM|STORAGE_DAEMON)|\bqio\b|oracle_compare' $(wildcard tests/test-*.sh))
.PHONY: check-qemu-10.0
check-qemu-10.0:
	$(MAKE) check QEMU=10.0 TESTS="$(sort $(filter-out $(QEMU10_SKIPPED_IN_CI),$(QEMU_LEVEL_TESTS)))"


# The rbd plugin's pure logic (encodings, striping, filenames) links no RADOS.
RBD_PURE_SRCS := $(addprefix plugins/rbd/,rbd-buf.c rbd-cls.c rbd-layout.c rbd-spec.c rbd-notify.c rbd-objmap.c rbd-hint.c rbd-meta.c rbd-tbucket.c rbd-xts.c rbd-luks.c)
$(B)/tests/unit/test-rbd-%: tests/unit/test-rbd-%.c $(RBD_PURE_SRCS) tests/unit/unhex.c $(wildcard plugins/rbd/*.h)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -I plugins/rbd -o $@ $< $(RBD_PURE_SRCS) tests/unit/unhex.c $(GLIB_LIBS) $(CRYPT_LIBS)
