# host/qbp-check/qbp-check.mk: qbp-check, the seeded broken plugins it is
# tested against, and `install-sdk` (qbp-check, man pages, docs).
# Included by the top-level Makefile.

QBP_CHECK := $(B)/host/qbp-check
QBP_CHECK_SRCS := $(wildcard host/qbp-check/*.c)
QBP_CHECK_OBJS := $(patsubst host/qbp-check/%.c,$(B)/host/qbp-check-objs/%.o,\
                    $(QBP_CHECK_SRCS))

$(B)/host/qbp-check-objs/%.o: host/qbp-check/%.c $(wildcard host/qbp-check/*.h) \
                              $(wildcard host/loader/*.h) \
                              plugin-api/qemu-block-plugin.h config.mk
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -pthread -c -o $@ $<

$(QBP_CHECK): $(QBP_CHECK_OBJS) $(B)/host/libqbp-loader.a
	$(CC) $(HOST_CFLAGS) -pthread -o $@ $(QBP_CHECK_OBJS) \
	    $(B)/host/libqbp-loader.a $(GLIB_LIBS) $(LTDL_LIBS) -ldl

# Seeded broken plugins: each is the ram disk of ramdisk.c with one fault,
# named by its file.  control-plugin.so is the same disk without a fault.
BROKEN_DIR := tests/broken-plugins
BROKEN_SOS := $(patsubst $(BROKEN_DIR)/%.c,$(B)/tests/broken-plugins/%.so,\
                $(wildcard $(BROKEN_DIR)/*-plugin.c))
BROKEN_CFLAGS = $(PLUGIN_CFLAGS)
# This one shows what building without -fvisibility=hidden does.
$(B)/tests/broken-plugins/exports-all-plugin.so: \
    BROKEN_CFLAGS = $(filter-out -fvisibility=hidden,$(PLUGIN_CFLAGS))

$(B)/tests/broken-plugins/%.so: $(BROKEN_DIR)/%.c $(BROKEN_DIR)/ramdisk.c \
                                $(BROKEN_DIR)/ramdisk.h \
                                plugin-api/qemu-block-plugin.h config.mk
	@mkdir -p $(@D)
	$(CC) $(BROKEN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(BROKEN_DIR)/ramdisk.c
	chmod 0755 $@

CHECK_DEPS += $(QBP_CHECK) $(BROKEN_SOS)

.PHONY: qbp-check install-sdk
qbp-check: $(QBP_CHECK)
all: $(QBP_CHECK)

# The SDK beyond what `install` puts in place (header, .pc, plugins).
SDK_DOCDIR = $(PREFIX)/share/doc/qemu-block-plugin
SDK_MANDIR = $(PREFIX)/share/man
SDK_DOCS = $(wildcard docs/*.md) \
           plugin-api/CONTRACT.md

install-sdk: $(QBP_CHECK)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SDK_MANDIR)/man1 \
	    $(DESTDIR)$(SDK_MANDIR)/man7 $(DESTDIR)$(SDK_DOCDIR)/example
	install -m 0755 $(QBP_CHECK) $(DESTDIR)$(PREFIX)/bin/qbp-check
	install -m 0644 docs/qbp-check.1 $(DESTDIR)$(SDK_MANDIR)/man1/
	install -m 0644 docs/qemu-block-plugin.7 $(DESTDIR)$(SDK_MANDIR)/man7/
	install -m 0644 $(SDK_DOCS) $(DESTDIR)$(SDK_DOCDIR)/
	install -m 0644 docs/example/* $(DESTDIR)$(SDK_DOCDIR)/example/
