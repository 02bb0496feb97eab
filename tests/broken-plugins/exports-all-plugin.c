/*
 * exports-all: the control disk, built without -fvisibility=hidden (see
 * host/qbp-check/qbp-check.mk), so every ram_* function is exported.
 */
#include "ramdisk.h"

static struct qbp_plugin ea_plugin = {
    .name = "exports-all",
    .description = "built without -fvisibility=hidden",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(ea_plugin)
