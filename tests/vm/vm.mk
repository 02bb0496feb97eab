# tests/vm/vm.mk: `make check-vm`, a Linux guest on plugin disks, included by
# the top-level Makefile.  The guest (kernel, busybox initramfs, a static
# O_DIRECT helper) is built into build/vm; the kernel .deb is fetched once
# with apt-get download and unpacked there, never installed.
#
#   make check-vm                          every tests/vm/test-*.sh
#   make check-vm VM_TESTS=tests/vm/test-vm-file.sh

VM_DIR := $(B)/vm
VM_HELPER := $(VM_DIR)/qbp-odirect
VM_GUEST := $(VM_DIR)/initramfs.cpio.gz
VM_TESTS ?= $(sort $(wildcard tests/vm/test-*.sh))

.PHONY: check-vm vm-guest

vm-guest: $(VM_GUEST)

# Static: the initramfs has no C library.
$(VM_HELPER): tests/vm/qbp-odirect.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -static -pthread -o $@ $<

# Also writes $(VM_DIR)/vmlinuz.
$(VM_GUEST): tests/vm/build-guest.sh tests/vm/init $(VM_HELPER)
	tests/vm/build-guest.sh $(VM_DIR) $(VM_HELPER)

check-vm: all $(VM_GUEST)
	prove -f -e bash $(VM_TESTS)
