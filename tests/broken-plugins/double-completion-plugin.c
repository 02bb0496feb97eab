/*
 * double-completion: acknowledges a write that fits in one 4 KiB chunk
 * at once ("it is only a small one"), and then the worker completes it as
 * usual: the host hears of it twice.
 */
#include "ramdisk.h"

static int dc_aio_writev(void *handle, uint64_t offset,
                         const struct iovec *iov, int iovcnt, uint32_t flags,
                         qbp_completion_fn *cb, void *opaque)
{
    uint64_t len = ram_iov_length(iov, iovcnt);
    int r = ram_aio_writev(handle, offset, iov, iovcnt, flags, cb, opaque);

    if (r == 0 && len && offset / RAM_CHUNK == (offset + len - 1) / RAM_CHUNK) {
        cb(opaque, (int64_t)len);     /* the fault: the worker completes too */
    }
    return r;
}

static struct qbp_plugin dc_plugin = {
    .name = "double-completion",
    .description = "completes small writes twice",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = dc_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(dc_plugin)
