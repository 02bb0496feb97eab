# tests/faults/faults.mk: `make check-faults`, the fault tests, included by
# the top-level Makefile.  Not part of `make check`: they need a 3-OSD
# cluster and take about 9 minutes (CI runs them on their own).
#
#   make check-faults                                  every tests/faults/test-*.sh
#   make check-faults FAULT_TESTS=tests/faults/test-fault-osd-kill.sh
#   make check-faults FAULT_SECONDS=300                longer workloads
#
# See docs/reliability.md.

FAULT_TESTS ?= $(sort $(wildcard tests/faults/test-*.sh))
FAULT_SECONDS ?= 120

.PHONY: check-faults

check-faults: all $(VM_GUEST)
	FAULT_SECONDS=$(FAULT_SECONDS) prove -f -e bash $(FAULT_TESTS)
