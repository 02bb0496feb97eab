/*
 * bad-small: a plugin that declares ABI 1.0 but a table that ends after
 * aio_writev, as one built against a pre-release header would.  The loader
 * must refuse it rather than read callbacks past the end of the table.
 */
#include <stddef.h>

#include "seed.h"

static struct qbp_plugin small_plugin = {
    .name = "bad-small",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

QBP_HIDDEN const struct qbp_host *qbp_host;

/*
 * Written by hand: QBP_REGISTER_PLUGIN would stamp the full size.  1.0
 * literally, not QBP_ABI_MINOR, so that the refusal stays the same when
 * the header's minor grows.
 */
const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    qbp_host = host;
    small_plugin.hdr.struct_size = offsetof(struct qbp_plugin, aio_flush);
    small_plugin.hdr.abi_major = 1;
    small_plugin.hdr.abi_minor = 0;
    return &small_plugin;
}
