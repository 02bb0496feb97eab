/*
 * bad-future: what a plugin built against a future ABI 2.1 header looks
 * like to this host.  Only the part of the table that every major version
 * keeps (header, thread model, name, contact) has the 1.x layout; the rest
 * is unknown.  The loader must refuse it and name its contact.
 */
#include "seed.h"

struct future_plugin {
    /* The stable prefix, as in struct qbp_plugin up to contact. */
    struct qbp_table_header hdr;
    uint32_t thread_model;
    uint32_t reserved0;
    const char *name;
    const char *contact;
    /* Whatever ABI 2 puts here; this host must not look at it. */
    void *v2_fields[32];
};

static const struct future_plugin future_plugin = {
    .hdr = {
        .struct_size = sizeof(struct future_plugin),
        .abi_major = 2,
        .abi_minor = 1,
    },
    .name = "bad-future",
    .contact = "future-plugin@example.org",
};

/* Written by hand: QBP_REGISTER_PLUGIN would stamp this header's 1.x. */
const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    (void)host;
    return (const struct qbp_plugin *)&future_plugin;
}
