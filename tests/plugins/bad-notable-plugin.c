/*
 * bad-notable: a plugin whose entry point returns no table, as one that
 * fails early and has no other way to say so would.
 */
#include <stddef.h>

#include "seed.h"

const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    (void)host;
    return NULL;
}
