/*
 * ignored-alignment: declares request_alignment 512 (the ram disk's), but
 * addresses its data in 4 KiB blocks and rounds each request's offset down
 * to the start of its block, as if every request were 4 KiB-aligned.
 */
#include "ramdisk.h"

#define IA_BLOCK UINT64_C(4096)

static int ia_aio_readv(void *handle, uint64_t offset,
                        const struct iovec *iov, int iovcnt, uint32_t flags,
                        qbp_completion_fn *cb, void *opaque)
{
    return ram_aio_readv(handle, offset & ~(IA_BLOCK - 1), iov, iovcnt,
                         flags, cb, opaque);
}

static int ia_aio_writev(void *handle, uint64_t offset,
                         const struct iovec *iov, int iovcnt, uint32_t flags,
                         qbp_completion_fn *cb, void *opaque)
{
    return ram_aio_writev(handle, offset & ~(IA_BLOCK - 1), iov, iovcnt,
                          flags, cb, opaque);
}

static struct qbp_plugin ia_plugin = {
    .name = "ignored-alignment",
    .description = "works in 4 KiB blocks but declares 512-byte alignment",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ia_aio_readv,
    .aio_writev = ia_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(ia_plugin)
