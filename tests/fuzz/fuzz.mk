# tests/fuzz/fuzz.mk: libFuzzer targets for the parsers and decoders of
# untrusted input, included by the top-level Makefile.
#
#   make fuzz                      build every target into $(B)/fuzz/
#   make check-fuzz                fuzz each for FUZZ_SECONDS (default 60)
#   make -j2 check-fuzz            ...two at a time
#   make check-fuzz-rbd-spec       one target
#
# It also brings in `make check-asan` (tests/asan/asan.mk) and
# `make check-valgrind` (tests/valgrind/valgrind.mk).
#
# A target is tests/fuzz/fuzz-NAME.c; its committed seed corpus is
# tests/fuzz/corpus/NAME/ and its dictionary, if any, tests/fuzz/NAME.dict.
# `make check` runs each target once over its corpus
# (tests/test-fuzz-corpus.sh).  New inputs found while fuzzing go to
# $(B)/fuzz/work/NAME/, crashes to $(B)/fuzz/artifacts/.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_ALL := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BINS := $(patsubst %,$(B)/fuzz/fuzz-%,$(FUZZ_ALL))

# Whatever the build's SANITIZERS: fuzzing is only useful with them.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I plugin-api -I plugins/rbd -I host/loader

# What each target links: the code it fuzzes, never RADOS.
FUZZ_SRCS_rbd-spec := plugins/rbd/rbd-spec.c
FUZZ_SRCS_rbd-buf := plugins/rbd/rbd-buf.c
FUZZ_SRCS_rbd-cls := plugins/rbd/rbd-cls.c plugins/rbd/rbd-buf.c
FUZZ_SRCS_rbd-features := plugins/rbd/rbd-cls.c plugins/rbd/rbd-buf.c
FUZZ_SRCS_rbd-layout := plugins/rbd/rbd-layout.c plugins/rbd/rbd-cls.c \
    plugins/rbd/rbd-buf.c
FUZZ_SRCS_rbd-notify := plugins/rbd/rbd-notify.c plugins/rbd/rbd-buf.c
FUZZ_SRCS_rbd-objmap := plugins/rbd/rbd-objmap.c plugins/rbd/rbd-buf.c
FUZZ_SRCS_host-options := host/loader/qbp-options.c
FUZZ_FLAGS_host-options = $(GLIB_CFLAGS)
FUZZ_LIBS_host-options = $(GLIB_LIBS)

CHECK_DEPS += $(FUZZ_BINS)

.PHONY: fuzz check-fuzz
fuzz: $(FUZZ_BINS)

$(B)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $$(FUZZ_SRCS_$$*) \
                  $$(wildcard plugins/rbd/*.h host/loader/*.h) \
                  plugin-api/qemu-block-plugin.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS_$*) -o $@ $< $(FUZZ_SRCS_$*) \
	    $(FUZZ_LIBS_$*)

check-fuzz: $(patsubst %,check-fuzz-%,$(FUZZ_TARGETS))

check-fuzz-%: $(B)/fuzz/fuzz-%
	tests/fuzz/run-fuzz.sh $(B)/fuzz $* $(FUZZ_SECONDS)

# The other two checks of bad input: sanitizers and valgrind.
include tests/asan/asan.mk tests/valgrind/valgrind.mk
