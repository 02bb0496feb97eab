/*
 * info-key: get_info reports a fact named "Chunk Size", which QEMU could
 * not show as its own (QAPI names are lower-case words joined by '-').
 */
#include "ramdisk.h"

static int ik_get_info(void *handle, qbp_info_fn *fn, void *opaque,
                       struct qbp_error *err)
{
    struct qbp_info_item item = {
        .hdr = {
            .struct_size = sizeof(item),
            .abi_major = QBP_ABI_MAJOR,
            .abi_minor = QBP_ABI_MINOR,
        },
        .type = QBP_INFO_INT,
        /* The fault: a name as a person would write it. */
        .key = "Chunk Size",
        .number = RAM_CHUNK,
    };

    (void)handle;
    (void)err;
    return fn(opaque, &item);
}

static struct qbp_plugin ik_plugin = {
    .name = "info-key",
    .description = "reports a fact under a name QEMU cannot show",
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
    .get_info = ik_get_info,
};

QBP_REGISTER_PLUGIN(ik_plugin)
