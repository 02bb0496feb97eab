/*
 * exits: gives up on the whole process when a flush finds nothing to do,
 * as a command-line tool might.
 */
#include <stdlib.h>

#include "ramdisk.h"

static int ex_aio_flush(void *handle, qbp_completion_fn *cb, void *opaque)
{
    if (!ram_is_dirty(handle)) {
        exit(3);                      /* the fault */
    }
    return ram_aio_flush(handle, cb, opaque);
}

static struct qbp_plugin ex_plugin = {
    .name = "exits",
    .description = "calls exit() on a flush of a clean disk",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ex_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(ex_plugin)
