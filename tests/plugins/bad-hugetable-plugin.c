/*
 * bad-hugetable: a plugin whose table claims to be 1 GiB, far more than
 * its file maps: a host that believed it would copy memory that is not
 * the plugin's.  Stamped by hand, as QBP_REGISTER_PLUGIN would not.
 */
#include "seed.h"

static struct qbp_plugin hugetable_plugin = {
    .name = "bad-hugetable",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

const struct qbp_host *qbp_host;

const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    qbp_host = host;
    hugetable_plugin.hdr.struct_size = 1u << 30;
    hugetable_plugin.hdr.abi_major = QBP_ABI_MAJOR;
    hugetable_plugin.hdr.abi_minor = QBP_ABI_MINOR;
    return &hugetable_plugin;
}
