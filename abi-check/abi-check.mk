# abi-check/abi-check.mk: the ABI checks and what the tests of the loader
# and the ABI need, included by the top-level Makefile.
#
#   make abi-baseline   regenerate abi-check/qemu-block-plugin-M.m.abi

ABI_PROBE := $(B)/abi-check/abi-probe.so
OLD_RAM_PLUGIN := $(B)/abi-check/old-ram-plugin.so
QBP_LOAD := $(B)/tests/qbp-load
TEST_PLUGIN_SOS := $(patsubst tests/plugins/%.c,$(B)/tests/plugins/%.so,\
                     $(wildcard tests/plugins/*.c))

ABI_CHECK_DEPS := $(ABI_PROBE) $(OLD_RAM_PLUGIN) $(QBP_LOAD) $(TEST_PLUGIN_SOS)
CHECK_DEPS += $(ABI_CHECK_DEPS)

$(ABI_PROBE): abi-check/abi-probe.c abi-check/abi-dump.sh \
              plugin-api/qemu-block-plugin.h
	CC="$(CC)" abi-check/abi-dump.sh plugin-api $@

abi-baseline:
	CC="$(CC)" abi-check/make-baseline.sh $(B)

# Against the frozen 1.0 header only: drop the -I plugin-api of the usual
# plugin flags, so that nothing of a newer header can leak in.
$(OLD_RAM_PLUGIN): abi-check/compat/old-plugin.c \
                   abi-check/frozen/1.0/qemu-block-plugin.h config.mk
	@mkdir -p $(@D)
	$(CC) $(filter-out -I plugin-api,$(PLUGIN_CFLAGS)) -I abi-check/frozen/1.0 \
	    $(PLUGIN_LDFLAGS) -o $@ $<
	chmod 0755 $@

$(QBP_LOAD): tests/qbp-load.c $(TEST_HOST_SRCS) tests/host-lib/test-host.h $(B)/host/libqbp-loader.a
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -I tests/host-lib -o $@ $< $(TEST_HOST_SRCS) \
	    $(B)/host/libqbp-loader.a \
	    $(GLIB_LIBS) $(LTDL_LIBS) -ldl

# Seeded plugins, built like real ones.  bad-hostimport imports a host
# function on purpose, which -Wl,--no-undefined would refuse to link.
TEST_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS)
$(B)/tests/plugins/bad-hostimport-plugin.so: \
    TEST_PLUGIN_LDFLAGS = $(filter-out -Wl$(comma)--no-undefined,$(PLUGIN_LDFLAGS))
comma := ,

$(B)/tests/plugins/%.so: tests/plugins/%.c tests/plugins/seed.h \
                         plugin-api/qemu-block-plugin.h config.mk
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) $(TEST_PLUGIN_LDFLAGS) -o $@ $<
	chmod 0755 $@
