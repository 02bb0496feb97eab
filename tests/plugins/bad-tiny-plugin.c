/*
 * bad-tiny: a plugin whose table claims to be 4 bytes, too small even for
 * the version fields.  The loader must not read those fields.
 */
#include "seed.h"

static struct qbp_plugin tiny_plugin = {
    .name = "bad-tiny",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

QBP_HIDDEN const struct qbp_host *qbp_host;

/* Written by hand: QBP_REGISTER_PLUGIN would stamp the full size. */
const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    qbp_host = host;
    tiny_plugin.hdr.struct_size = 4;
    tiny_plugin.hdr.abi_major = QBP_ABI_MAJOR;
    tiny_plugin.hdr.abi_minor = QBP_ABI_MINOR;
    return &tiny_plugin;
}
