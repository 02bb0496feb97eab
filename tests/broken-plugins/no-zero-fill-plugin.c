/*
 * no-zero-fill: a read copies the chunks that were ever written and skips
 * the others, leaving whatever the host's buffer held.
 */
#include "ramdisk.h"

static int nz_aio_readv(void *handle, uint64_t offset,
                        const struct iovec *iov, int iovcnt, uint32_t flags,
                        qbp_completion_fn *cb, void *opaque)
{
    uint64_t total = ram_iov_length(iov, iovcnt);

    for (int i = 0; i < iovcnt; i++) {
        uint64_t at = offset;

        for (size_t done = 0; done < iov[i].iov_len;) {
            size_t n = RAM_CHUNK - at % RAM_CHUNK;
            struct iovec piece;

            n = n < iov[i].iov_len - done ? n : iov[i].iov_len - done;
            piece.iov_base = (uint8_t *)iov[i].iov_base + done;
            piece.iov_len = n;
            if (ram_chunk_written(at / RAM_CHUNK)) {
                ram_copy_out(at, &piece, 1);
            }                         /* the fault: no else memset(0) */
            done += n;
            at += n;
        }
        offset += iov[i].iov_len;
    }
    cb(opaque, (int64_t)total);
    return 0;
}

static struct qbp_plugin nz_plugin = {
    .name = "no-zero-fill",
    .description = "leaves the buffer alone where nothing was written",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = nz_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(nz_plugin)
