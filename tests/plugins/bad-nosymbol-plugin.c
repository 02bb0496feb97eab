/*
 * bad-nosymbol: a plugin whose entry point is misspelt, so the file exports
 * no qbp_plugin_init.  The loader must say it is not a block plugin.
 */
#include "seed.h"

static struct qbp_plugin nosymbol_plugin = {
    .hdr = {
        .struct_size = sizeof(struct qbp_plugin),
        .abi_major = QBP_ABI_MAJOR,
        .abi_minor = QBP_ABI_MINOR,
    },
    .name = "bad-nosymbol",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

QBP_EXPORT const struct qbp_plugin *
qbp_plugin_initialize(const struct qbp_host *host);

const struct qbp_plugin *qbp_plugin_initialize(const struct qbp_host *host)
{
    (void)host;
    return &nosymbol_plugin;
}
