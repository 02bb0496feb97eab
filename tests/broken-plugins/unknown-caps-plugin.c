/*
 * unknown-caps: borrows a high bit of the capability word for a flag of
 * its own, which a later ABI may define as something the plugin lacks.
 */
#include "ramdisk.h"

#define UC_COMPRESSED (1u << 20)

static uint32_t uc_get_caps(void *handle)
{
    return ram_get_caps(handle) | UC_COMPRESSED;    /* the fault */
}

static struct qbp_plugin uc_plugin = {
    .name = "unknown-caps",
    .description = "returns a capability bit the ABI does not define",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = uc_get_caps,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
};

QBP_REGISTER_PLUGIN(uc_plugin)
