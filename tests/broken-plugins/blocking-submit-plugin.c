/*
 * blocking-submit: the first write of each process waits 150 ms inside
 * aio_writev, as a plugin that takes a lock from its server synchronously
 * on the submitting thread would; then it goes on correctly.
 */
#include <stdatomic.h>
#include <time.h>

#include "ramdisk.h"

static atomic_bool bs_locked;

static int bs_aio_writev(void *handle, uint64_t offset,
                         const struct iovec *iov, int iovcnt, uint32_t flags,
                         qbp_completion_fn *cb, void *opaque)
{
    /* The fault: a round trip on the caller's thread. */
    if (!atomic_exchange(&bs_locked, true)) {
        struct timespec ts = { .tv_nsec = 150 * 1000 * 1000 };

        while (nanosleep(&ts, &ts) != 0) {
            continue;
        }
    }
    return ram_aio_writev(handle, offset, iov, iovcnt, flags, cb, opaque);
}

static struct qbp_plugin bs_plugin = {
    .name = "blocking-submit",
    .description = "waits 150 ms in its first aio_writev",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = bs_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(bs_plugin)
