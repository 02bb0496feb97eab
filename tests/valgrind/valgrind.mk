# tests/valgrind/valgrind.mk: `make check-valgrind`, the tests that load
# plugins without QEMU under valgrind's memcheck (included from
# tests/fuzz/fuzz.mk).  See tests/valgrind/check-valgrind.sh.

QBP_DRIVE := $(B)/tests/valgrind/qbp-drive

.PHONY: check-valgrind

$(QBP_DRIVE): tests/valgrind/qbp-drive.c $(TEST_HOST_SRCS) tests/host-lib/test-host.h $(B)/host/libqbp-loader.a
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -I tests/host-lib -o $@ $< $(TEST_HOST_SRCS) \
	    $(B)/host/libqbp-loader.a \
	    $(GLIB_LIBS) $(LTDL_LIBS) -ldl

check-valgrind: check-build $(QBP_DRIVE)
	tests/valgrind/check-valgrind.sh $(B)
