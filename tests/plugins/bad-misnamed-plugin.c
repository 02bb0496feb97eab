/*
 * bad-misnamed: a plugin that calls itself "other" in a file named
 * bad-misnamed-plugin.so.  Loaded by name, the loader must refuse it, or
 * "plugin:bad-misnamed:" would open a disk with some other plugin.
 */
#include "seed.h"

static struct qbp_plugin misnamed_plugin = {
    .name = "other",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

QBP_REGISTER_PLUGIN(misnamed_plugin)
