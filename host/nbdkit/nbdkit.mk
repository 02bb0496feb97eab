# host/nbdkit/nbdkit.mk: the nbdkit host of our plugins, included by the
# top-level Makefile.  `make nbdkit-host` builds it; `make check` too.
#
#   nbdkit --unix SOCK build/host/nbdkit/qbp-host.so module=rbd pool=rbd image=vm1

NBDKIT_HOST := $(B)/host/nbdkit/qbp-host.so
CHECK_DEPS += $(NBDKIT_HOST)

.PHONY: nbdkit-host
nbdkit-host: $(NBDKIT_HOST)

# Hidden symbols everywhere: the .so exports nbdkit's plugin_init alone.
# nbdkit_* come from the nbdkit executable at load time, so no
# --no-undefined here.
$(NBDKIT_HOST): host/nbdkit/qbp-host.c $(B)/host/libqbp-loader.a \
                host/loader/qbp-loader.h plugin-api/qemu-block-plugin.h config.mk
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -fPIC -fvisibility=hidden -shared -Wl,-z,now \
	    -pthread -o $@ $< $(B)/host/libqbp-loader.a $(GLIB_LIBS) $(LTDL_LIBS) -ldl
