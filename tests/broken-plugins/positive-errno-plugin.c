/*
 * positive-errno: with fail-requests=on its reads fail, but with EIO
 * where the contract says -EIO.
 */
#include <errno.h>

#include "ramdisk.h"

static int pe_aio_readv(void *handle, uint64_t offset,
                        const struct iovec *iov, int iovcnt, uint32_t flags,
                        qbp_completion_fn *cb, void *opaque)
{
    if (ram_failing(handle)) {
        cb(opaque, EIO);              /* the fault: not -EIO */
        return 0;
    }
    return ram_aio_readv(handle, offset, iov, iovcnt, flags, cb, opaque);
}

static struct qbp_plugin pe_plugin = {
    .name = "positive-errno",
    .description = "fails reads with a positive errno",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = pe_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(pe_plugin)
