/*
 * ignores-flags: keeps a flag of its own in a high bit of the host's
 * request flags ("the caller holds the lock already", as the rbd plugin
 * once did), so a request with that bit set, which no host defines, is
 * accepted and carried out.
 */
#include "ramdisk.h"

#define IF_OWN_FLAGS ((1u << 30) | (1u << 31))

static int if_aio_writev(void *handle, uint64_t offset,
                         const struct iovec *iov, int iovcnt, uint32_t flags,
                         qbp_completion_fn *cb, void *opaque)
{
    /* The fault: the bits are taken for the plugin's own, not refused. */
    return ram_aio_writev(handle, offset, iov, iovcnt,
                          flags & ~IF_OWN_FLAGS, cb, opaque);
}

static struct qbp_plugin if_plugin = {
    .name = "ignores-flags",
    .description = "takes request flag bits 30 and 31 for its own",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = if_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(if_plugin)
