# Top-level build.  `make` builds the loader, the plugins and QEMU with the
# plugin shim; `make check` runs every test; `make demo` shows a disk going
# through a plugin inside the built QEMU.

# CONFIG_MK selects another configuration (make check-asan uses its own).
CONFIG_MK ?= config.mk
-include $(CONFIG_MK)

# Without config.mk, install what is missing and configure with defaults.
config.mk: configure
	scripts/install-deps.sh
	./configure

B ?= build
WARN := -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes
OPT := -O2 -g
ifeq ($(SANITIZERS),yes)
OPT += -fsanitize=address,undefined -fno-omit-frame-pointer
endif
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) -I plugin-api
PLUGIN_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden
# -z now: an unresolved symbol fails the load, not a request later.
PLUGIN_LDFLAGS := -shared -Wl,-z,now -Wl,--no-undefined -pthread
HOST_CFLAGS := $(BASE_CFLAGS) -I host/loader $(GLIB_CFLAGS)

# The ABI version, read from the header so it is said in one place.
ABI_VERSION := $(shell sed -n 's/^\#define QBP_ABI_MAJOR \([0-9]*\)$$/\1/p' plugin-api/qemu-block-plugin.h).$(shell sed -n 's/^\#define QBP_ABI_MINOR \([0-9]*\)$$/\1/p' plugin-api/qemu-block-plugin.h)

PLUGINS := null file rbd
PLUGIN_EXTRA_LIBS_rbd = $(RADOS_LIBS) $(CRYPT_LIBS)
PLUGIN_SOS := $(patsubst %,$(B)/plugins/%-plugin.so,$(PLUGINS))

LOADER_SRCS := $(wildcard host/loader/*.c)
# What the test programs that drive plugins without QEMU share.
TEST_HOST_SRCS := tests/host-lib/test-host.c
LOADER_OBJS := $(patsubst host/loader/%.c,$(B)/host/%.o,$(LOADER_SRCS))

.PHONY: all deps plugins qemu $(addprefix qemu-,$(QEMU_VERSIONS)) check demo bench-null install install-storage-daemon clean distclean abi-baseline

all: deps plugins $(B)/host/libqbp-loader.a qemu

# Installs only what is missing; quick when nothing is.
deps:
	@scripts/install-deps.sh

plugins: $(PLUGIN_SOS)

# A plugin is every .c file in its directory.
.SECONDEXPANSION:
$(B)/plugins/%-plugin.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) plugin-api/qemu-block-plugin.h config.mk
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $(filter %.c,$^) $(PLUGIN_EXTRA_LIBS_$*)
	chmod 0755 $@

# The loader bakes PLUGINDIR in: a build for another PREFIX rebuilds it.
$(B)/host/plugindir: FORCE
	@mkdir -p $(@D)
	@echo '$(PLUGINDIR)' | cmp -s - $@ || echo '$(PLUGINDIR)' > $@
.PHONY: FORCE
FORCE:

# Position-independent and hidden, so the same archive links into programs
# and into shared objects such as the nbdkit host.
$(B)/host/%.o: host/loader/%.c $(wildcard host/loader/*.h) plugin-api/qemu-block-plugin.h config.mk $(B)/host/plugindir
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -fPIC -fvisibility=hidden -DQBP_PLUGINDIR='"$(PLUGINDIR)"' -c -o $@ $<

$(B)/host/libqbp-loader.a: $(LOADER_OBJS)
	rm -f $@
	ar rcs $@ $^

# QEMU from Debian's source packages with the plugin shim added: 7.2
# (Debian 12's) in $(B)/qemu/, 10.0 (Debian 13's) in $(B)/qemu-10.0/.  QEMU
# names the one `make`, `make check`, `make check-vm` and the benchmarks use
# (`make check QEMU=10.0`); the plugins are the same files for both.
QEMU_VERSIONS := 7.2 10.0
QEMU ?= 7.2
ifeq ($(filter $(QEMU),$(QEMU_VERSIONS)),)
$(error QEMU=$(QEMU) (from the $(origin QEMU)): the shim is built for QEMU $(QEMU_VERSIONS))
endif
qemu_dir = $(abspath $(B))/$(if $(filter 7.2,$(1)),qemu,qemu-$(1))
export QBP_QEMU_DIR := $(call qemu_dir,$(QEMU))

qemu: qemu-$(QEMU)
# QEMU_TARGETS="qemu-img qemu-io" builds only those programs.
$(addprefix qemu-,$(QEMU_VERSIONS)): qemu-%: $(B)/host/libqbp-loader.a
	QBP_QEMU_TARGETS="$(QEMU_TARGETS)" host/qemu/build-qemu.sh $(B) $(PLUGINDIR) $(SANITIZERS) $*

# Fragments that add to CHECK_DEPS come first: tests.mk's check target
# needs all of it.
-include abi-check/abi-check.mk
-include host/qbp-check/qbp-check.mk
-include host/nbdkit/nbdkit.mk
-include tests/fuzz/fuzz.mk
-include tests/vm/vm.mk
-include bench/bench.mk
-include tests/faults/faults.mk
-include tests/tests.mk

demo: all
	scripts/demo.sh

bench-null: all
	scripts/bench-null.sh

install: plugins install-sdk
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PLUGINDIR)
	install -m 0644 plugin-api/qemu-block-plugin.h $(DESTDIR)$(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' -e 's|@VERSION@|$(ABI_VERSION)|g' \
	    plugin-api/qemu-block-plugin.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/qemu-block-plugin.pc
	install -m 0755 $(PLUGIN_SOS) $(DESTDIR)$(PLUGINDIR)/

# qemu-storage-daemon with the shim, and what runs it as one systemd service
# a disk (docs/storage-daemon.md).  It builds nothing, so that it can run as
# root after `make`: the daemon is the one `make qemu` built (QEMU=10.0 for
# 10.0's), and it finds the plugins `make install` put in PLUGINDIR.
# sysusers.d reads only *.conf files.  The example goes under a name the
# unit never reads, so that a disk's own file is never replaced.  Packagers
# run ./configure --prefix=/usr (the plugin directory is compiled in) and
# install with SYSCONFDIR=/etc; the systemd directories follow PREFIX.
# After it: systemd-sysusers, systemctl daemon-reload.
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= $(PREFIX)/etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
QSD_BUILT = $(QBP_QEMU_DIR)/qemu-storage-daemon
DISKCONFDIR = $(SYSCONFDIR)/qemu-block-plugin/disks
QSD_UNIT = $(DESTDIR)$(SYSTEMDUNITDIR)/qemu-block-plugin-disk@.service

install-storage-daemon:
	@test -x $(QSD_BUILT) || { echo "no $(QSD_BUILT): 'make qemu' builds it" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(DISKCONFDIR) $(DESTDIR)$(SDK_DOCDIR)
	install -m 0755 "$$(readlink -f $(QSD_BUILT))" $(DESTDIR)$(BINDIR)/qemu-storage-daemon
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e 's|@DOCDIR@|$(SDK_DOCDIR)|g' \
	    host/storage-daemon/qemu-block-plugin-disk@.service.in > $(QSD_UNIT)
	chmod 0644 $(QSD_UNIT)
	install -m 0644 host/storage-daemon/qemu-block-plugin.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/qemu-block-plugin.conf
	install -m 0644 host/storage-daemon/example-disk.conf \
	    $(DESTDIR)$(DISKCONFDIR)/example.conf.example
	install -m 0644 docs/storage-daemon.md host/storage-daemon/libvirt-vhostuser-disk.xml \
	    $(DESTDIR)$(SDK_DOCDIR)/

clean:
	rm -rf $(B)/plugins $(B)/host $(B)/tests $(B)/abi-check

distclean:
	rm -rf $(B) config.mk
