/*
 * missing-completion: a flush with nothing written since the last one has
 * nothing to do, so it returns 0 at once, and forgets that accepting a
 * request means completing it.
 */
#include "ramdisk.h"

static int mc_aio_flush(void *handle, qbp_completion_fn *cb, void *opaque)
{
    if (!ram_is_dirty(handle)) {
        return 0;                     /* the fault: accepted, never completed */
    }
    return ram_aio_flush(handle, cb, opaque);
}

static struct qbp_plugin mc_plugin = {
    .name = "missing-completion",
    .description = "never completes a flush of a clean disk",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = mc_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(mc_plugin)
