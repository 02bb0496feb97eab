# Benchmarks (issue 6, docs/performance.md): the RBD plugin against QEMU's
# in-tree rbd driver, plugin:null: against null-co, many disks in one QEMU,
# qemu-img convert of a sparse image (block status).
#   make bench          every case, 5 alternating runs each (~10 min);
#                       writes bench/results/ and the table in docs/performance.md
#   make bench-quick    the same cases, fewer and shorter runs (~1 min, < 3), for CI:
#                       writes bench/results/quick/table.md
#   make bench-profile [BENCH_CASE=layering/rw4k-d32]
#                       perf profile of one case (default: the plugin's worst row)
# CEPH_CONF=... uses an existing cluster instead of starting one.
.PHONY: bench bench-quick bench-profile

bench: all
	bench/bench.sh full

bench-quick: all
	bench/bench.sh quick

bench-profile: all
	bench/bench.sh profile $(BENCH_CASE)
