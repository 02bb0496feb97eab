/*
 * fd-leak: opens a descriptor for each disk (say, a lock file) and never
 * closes it.
 */
#include <fcntl.h>

#include "ramdisk.h"

static void *fl_open(const struct qbp_kv *options, size_t n_options,
                     uint32_t flags, struct qbp_error *err)
{
    open("/dev/null", O_RDONLY | O_CLOEXEC);    /* the fault: never closed */
    return ram_open(options, n_options, flags, err);
}

static struct qbp_plugin fl_plugin = {
    .name = "fd-leak",
    .description = "leaks a file descriptor per open",
    RAM_IDENTITY,
    .open = fl_open,
    .close = ram_close,
    .get_length = ram_get_length,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(fl_plugin)
