/*
 * zero-status: block status reports every range as one ZERO extent, as if
 * nothing had ever been written: a copy that trusts it skips the data.
 */
#include "ramdisk.h"

static int zs_aio_block_status(void *handle, uint64_t offset,
                               uint64_t length, uint32_t flags,
                               struct qbp_extent *extents,
                               uint32_t max_extents, qbp_completion_fn *cb,
                               void *opaque)
{
    /* The fault: the chunks written are not looked at. */
    extents[0] = (struct qbp_extent){ .length = length,
                                      .type = QBP_EXTENT_ZERO };
    cb(opaque, 1);
    return 0;
}

static struct qbp_plugin zs_plugin = {
    .name = "zero-status",
    .description = "reports written data as ZERO",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps_status,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
    .aio_block_status = zs_aio_block_status,
};

QBP_REGISTER_PLUGIN(zs_plugin)
