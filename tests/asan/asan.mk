# tests/asan/asan.mk: the tests under AddressSanitizer and
# UndefinedBehaviorSanitizer (included from tests/fuzz/fuzz.mk).
#
#   make check-asan     ./configure --enable-sanitizers in build-asan/ (its
#                       own config.mk), build there the loader, the plugins,
#                       the unit tests, the test programs and QEMU 7.2's
#                       qemu-img and qemu-io with the shim, and run the
#                       tests of ASAN_TESTS against them
#
# A tree of its own, so that the normal build/ survives: plugins built with
# ASan only load into hosts built with ASan.  The same works in one tree:
# `./configure --enable-sanitizers && make check asan-more-tests asan-logs`
# (every test, all of QEMU built with ASan: over an hour on two cores).
#
# In a build with SANITIZERS=yes, every sanitizer report goes to
# $(B)/sanitizer-logs/asan.PID, not to stderr (tests compare stderr word for
# word; the directory is writable by all, as some tests run QEMU as
# nobody), and `asan-logs` fails if any process reported an error or a leak
# (tests/asan/check-logs.sh).  LeakSanitizer checks at each exit, with whole
# allocation stacks (fast_unwind_on_malloc=0: glib has no frame pointers);
# tests/asan/lsan.supp may hold the libraries' own one-time allocations,
# never ours.  QBP_SANITIZERS=yes tells tests that a program not built with
# ASan (nbdkit, Debian's qemu-io) cannot load the plugins of this tree.

ASAN_B := build-asan

# The tests that run the plugins' code: without QEMU (qbp-check, the loader,
# the fuzz corpora) and through qemu-io and qemu-img, which drive the whole
# I/O path of the shim and the plugins.  The tests of qemu-system, qemu-nbd
# and nbdkit stay out: they run the same plugin code through other
# programs, and would cost a full ASan build of QEMU (CI's time is kept
# for QEMU 10.0).  `make check` runs every test without sanitizers.
# test-rbd-encryption stays out too: with fast_unwind_on_malloc=0 a LUKS1
# header's PBKDF2 (a malloc per iteration, two million of them) takes
# minutes per open; the rbd-xts and rbd-luks unit tests run under ASan.
ASAN_TESTS := $(addprefix tests/test-,$(addsuffix .sh, \
    loader-messages plugin-option-errors abi-compat fuzz-corpus \
    qbp-check-cli qbp-check-null qbp-check-file qbp-check-rbd \
    qbp-check-seeded-faults qbp-check-more-faults \
    file-qemu-io file-qemu-img file-cache-none file-drain-on-close \
    file-inject-error file-resize file-block-status \
    rbd-interop rbd-oracle rbd-oracle-default rbd-clone-read rbd-clone-write \
    rbd-objmap-write rbd-lock-share rbd-lock-dead rbd-writes-in-flight \
    rbd-snapshot-while-open rbd-blocklisted rbd-no-hang rbd-errors \
    rbd-create rbd-resize rbd-block-status))

ifeq ($(SANITIZERS),yes)
ASAN_LOGS := $(abspath $(B))/sanitizer-logs
$(shell mkdir -p $(ASAN_LOGS) && chmod 1777 $(ASAN_LOGS))
export QBP_BUILD := $(abspath $(B))
export QBP_SANITIZERS := yes
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0:log_path=$(ASAN_LOGS)/asan
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/asan/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$(ASAN_LOGS)/ubsan
endif

.PHONY: check-asan asan-more-tests asan-logs

$(ASAN_B)/config.mk: configure
	@mkdir -p $(@D)
	cd $(@D) && ../configure --enable-sanitizers

# The unit tests and the reports are looked at even when a test failed
# (the reports say why).
ASAN_MAKE := CONFIG_MK=$(ASAN_B)/config.mk B=$(ASAN_B) QEMU=7.2 \
    QEMU_TARGETS="qemu-img qemu-io" TESTS="$(ASAN_TESTS)"
check-asan: $(ASAN_B)/config.mk
	rm -rf $(ASAN_B)/sanitizer-logs
	status=0; \
	$(MAKE) $(ASAN_MAKE) check || status=1; \
	$(MAKE) $(ASAN_MAKE) asan-more-tests || status=1; \
	$(MAKE) $(ASAN_MAKE) asan-logs || status=1; \
	exit $$status

ASAN_ONLY = @test "$(SANITIZERS)" = yes || { echo "$@: not a sanitizer \
    build (./configure --enable-sanitizers, or make check-asan)"; exit 1; }

# This tree's unit tests (tests/test-unit-*.sh run build/'s), and every
# callback of the plugins without QEMU (tests/valgrind/test-plugins.sh).
asan-more-tests: $$(UNIT_TESTS) $$(QBP_DRIVE) plugins
	$(ASAN_ONLY)
	tests/asan/run-unit-tests.sh $(B)
	prove -f -e bash tests/valgrind/test-plugins.sh

asan-logs:
	$(ASAN_ONLY)
	tests/asan/check-logs.sh $(ASAN_LOGS)
