# Tests: `make check` builds everything, then runs every tests/test-*.sh
# through prove (TAP).  TESTS=tests/test-foo.sh runs a subset.
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
	prove -f -e bash $(TESTS)


# The rbd plugin's pure logic (encodings, striping, filenames) links no RADOS.
RBD_PURE_SRCS := $(addprefix plugins/rbd/,rbd-buf.c rbd-cls.c rbd-layout.c rbd-spec.c rbd-notify.c rbd-objmap.c rbd-hint.c)
$(B)/tests/unit/test-rbd-%: tests/unit/test-rbd-%.c $(RBD_PURE_SRCS) tests/unit/unhex.c $(wildcard plugins/rbd/*.h)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -I plugins/rbd -o $@ $< $(RBD_PURE_SRCS) tests/unit/unhex.c $(GLIB_LIBS)
