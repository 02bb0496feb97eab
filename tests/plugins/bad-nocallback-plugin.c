/*
 * bad-nocallback: a plugin without get_length, one of the four callbacks
 * the loader requires.  The loader must name the missing callback.
 */
#include "seed.h"

static struct qbp_plugin nocallback_plugin = {
    .name = "bad-nocallback",
    .contact = SEED_CONTACT,
    .open = seed_open,
    .close = seed_close,
    .aio_readv = seed_aio_readv,
};

QBP_REGISTER_PLUGIN(nocallback_plugin)
