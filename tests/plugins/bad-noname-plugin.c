/*
 * bad-noname: a plugin whose name could never be a file name
 * (NAME-plugin.so) nor the NAME of "plugin:NAME:REST".
 */
#include "seed.h"

static struct qbp_plugin noname_plugin = {
    .name = "my plugin",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

QBP_REGISTER_PLUGIN(noname_plugin)
