/*
 * hangs: close waits for something that never happens (a real one would
 * join its worker thread without telling it to stop first).
 */
#include <unistd.h>

#include "ramdisk.h"

static void hg_close(void *handle)
{
    for (;;) {
        pause();                      /* the fault: waits for nothing */
    }
}

static struct qbp_plugin hg_plugin = {
    .name = "hangs",
    .description = "never returns from close",
    RAM_IDENTITY,
    .open = ram_open,
    .close = hg_close,
    .get_length = ram_get_length,
    .get_caps = ram_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(hg_plugin)
