/*
 * wrong-struct-size: keeps its own state next to its table in one struct
 * and stamps the header by hand with the size of the whole struct, so
 * struct_size claims 16 bytes that are not part of the table.
 */
#include "ramdisk.h"

static struct {
    struct qbp_plugin table;
    uint64_t opens;
    uint64_t closes;
} ws = {
    .table = {
        .name = "wrong-struct-size",
        .description = "declares a struct_size larger than its table",
        RAM_IDENTITY,
        RAM_LIFECYCLE,
        .get_caps = ram_get_caps,
        .get_limits = ram_get_limits,
        .aio_readv = ram_aio_readv,
        .aio_writev = ram_aio_writev,
        .aio_flush = ram_aio_flush,
        .aio_discard = ram_aio_discard,
        .aio_write_zeroes = ram_aio_write_zeroes,
    },
};

QBP_HIDDEN const struct qbp_host *qbp_host;

/* Not QBP_REGISTER_PLUGIN, which would stamp sizeof(ws.table). */
const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    qbp_host = host;
    ws.table.hdr.struct_size = sizeof(ws);    /* the fault */
    ws.table.hdr.abi_major = QBP_ABI_MAJOR;
    ws.table.hdr.abi_minor = QBP_ABI_MINOR;
    return &ws.table;
}
