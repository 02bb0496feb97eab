/*
 * bad-extraexport: a plugin that exports a function besides the entry
 * point.  It loads, but its extra symbol could clash with the host's or
 * another plugin's, which is what check-symbols.sh must catch.
 */
#include "seed.h"

QBP_EXPORT const char *bad_extraexport_version(void);

const char *bad_extraexport_version(void)
{
    return "1.0";
}

static struct qbp_plugin extraexport_plugin = {
    .name = "bad-extraexport",
    .contact = SEED_CONTACT,
    SEED_REQUIRED_CALLBACKS,
};

QBP_REGISTER_PLUGIN(extraexport_plugin)
