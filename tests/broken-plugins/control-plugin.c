/*
 * control: the ram disk with no fault.  qbp-check passes it, so every
 * failure of a sibling plugin comes from that sibling's one change.
 */
#include "ramdisk.h"

static struct qbp_plugin control_plugin = {
    .name = "control",
    .description = "the ram disk the broken plugins are made from",
    RAM_IDENTITY,
    RAM_LIFECYCLE,
    .get_caps = ram_get_caps_status,
    .get_limits = ram_get_limits,
    .aio_readv = ram_aio_readv,
    .aio_writev = ram_aio_writev,
    .aio_flush = ram_aio_flush,
    .aio_discard = ram_aio_discard,
    .aio_write_zeroes = ram_aio_write_zeroes,
    .aio_block_status = ram_aio_block_status,
    .get_info = ram_get_info,
};

QBP_REGISTER_PLUGIN(control_plugin)
