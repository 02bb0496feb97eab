/*
 * crashes: asserts that discards are small, and a failed assert aborts the
 * whole host.  qbp-check runs each check in a process of its own, so it
 * reports the crash and goes on.
 */
#include <assert.h>

#include "ramdisk.h"

static int cr_aio_discard(void *handle, uint64_t offset, uint64_t length,
                          uint32_t flags, qbp_completion_fn *cb, void *opaque)
{
    assert(length <= RAM_CHUNK);      /* the fault: a host dies of this */
    return ram_aio_discard(handle, offset, length, flags, cb, opaque);
}

static struct qbp_plugin cr_plugin = {
    .name = "crashes",
    .description = "aborts on a discard of more than 4 KiB",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = cr_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(cr_plugin)
