/*
 * status-length: block status completes with the number of bytes its
 * extents cover, as the data operations complete with their length,
 * instead of the number of extents it filled in.
 */
#include "ramdisk.h"

static int sl_aio_block_status(void *handle, uint64_t offset,
                               uint64_t length, uint32_t flags,
                               struct qbp_extent *extents,
                               uint32_t max_extents, qbp_completion_fn *cb,
                               void *opaque)
{
    uint32_t n = ram_extents(offset, length, extents, max_extents);
    uint64_t bytes = 0;

    for (uint32_t i = 0; i < n; i++) {
        bytes += extents[i].length;
    }
    cb(opaque, (int64_t)bytes);       /* the fault: bytes, not n */
    return 0;
}

static struct qbp_plugin sl_plugin = {
    .name = "status-length",
    .description = "completes a block status with bytes, not extents",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps_status,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
    .aio_block_status = sl_aio_block_status,
};

QBP_REGISTER_PLUGIN(sl_plugin)
