/*
 * bad-initfail: a plugin whose load() callback fails with a message, as
 * one that cannot reach a service it needs would.  The loader must pass
 * the plugin's message on.
 */
#include <errno.h>

#include "seed.h"

static int initfail_load(struct qbp_error *err)
{
    qbp_host->error_set(err, -EIO, "cannot reach the license server at %s",
                        "192.0.2.1");
    return -EIO;
}

static struct qbp_plugin initfail_plugin = {
    .name = "bad-initfail",
    .contact = SEED_CONTACT,
    .load = initfail_load,
    SEED_REQUIRED_CALLBACKS,
};

QBP_REGISTER_PLUGIN(initfail_plugin)
