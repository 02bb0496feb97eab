/*
 * good: a valid plugin.  The tests load it as it is, and copy it to make
 * the files the loader must refuse for their mode or for their name
 * already being taken.
 */
#include "seed.h"

static struct qbp_plugin good_plugin = {
    .name = "good",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

QBP_REGISTER_PLUGIN(good_plugin)
