#!/usr/bin/env bash
# The rbd plugin's modules form layers without a loop (issue 15): no
# include or call cycle among them, and every include and call goes to a
# layer below or beside its own (scripts/rbd-layers.py, whose table names
# the layers).  The checker is tried on copies with one planted fault
# each, so that it cannot pass by finding nothing.
. tests/functions.sh
plan 5

out=$(python3 scripts/rbd-layers.py --layers plugins/rbd 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check_equal "plugins/rbd: no include or call cycle, every edge down or sideways" \
    "exit 0
include graph: no cycles
call graph: no cycles
layers: every edge goes down or sideways" "exit $rc
$out"

# An upward call: the image state asking the request layer for a read.
cp -r plugins/rbd "$scratch/up"
cat >>"$scratch/up/rbd-image.c" <<'C'
void rbd_image_planted(struct rbd_image *img)
{
    rbd_io_sync(img, RBD_IO_READ, 0, 0, 0);
}
C
out=$(python3 scripts/rbd-layers.py --layers "$scratch/up" 2>&1)
check_equal "a planted call from rbd-image up to rbd-io fails the check" \
    "1" "$?"
check_contains "...as a call cycle" "call cycle: {" "$out"
check_contains "...and as an edge that goes up, named with its place" \
    "layers: call edge rbd-image (L2) -> rbd-io (L5) goes up: rbd-image.c:" "$out"

# A module the layer table does not know.
cp -r plugins/rbd "$scratch/new"
printf 'int rbd_planted(void)\n{\n    return 0;\n}\n' >"$scratch/new/rbd-planted.c"
out=$(python3 scripts/rbd-layers.py --layers "$scratch/new" 2>&1)
check_contains "a module without a layer fails the check" \
    "layers: module rbd-planted has no layer" "$out"
done_testing
