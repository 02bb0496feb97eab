/*
 * wrong-length: reads fill every iovec, but the completion reports the
 * length of the first one only.
 */
#include "ramdisk.h"

static int wl_aio_readv(void *handle, uint64_t offset,
                        const struct iovec *iov, int iovcnt, uint32_t flags,
                        qbp_completion_fn *cb, void *opaque)
{
    ram_copy_out(offset, iov, iovcnt);
    cb(opaque, iovcnt ? (int64_t)iov[0].iov_len : 0);   /* the fault */
    return 0;
}

static struct qbp_plugin wl_plugin = {
    .name = "wrong-length",
    .description = "completes reads with the length of their first iovec",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = wl_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(wl_plugin)
