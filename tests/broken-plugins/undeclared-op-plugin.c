/*
 * undeclared-op: get_caps promises discard, but the table has no
 * aio_discard (it was left out, "discard is only a hint").  Hosts go by
 * the table and never call it, so the promised discards never happen.
 */
#include "ramdisk.h"

static struct qbp_plugin uo_plugin = {
    .name = "undeclared-op",
    .description = "declares discard in get_caps without aio_discard",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,         /* includes QBP_CAP_DISCARD */
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_write_zeroes = ram_aio_write_zeroes,
    /* the fault: no .aio_discard */
};

QBP_REGISTER_PLUGIN(uo_plugin)
