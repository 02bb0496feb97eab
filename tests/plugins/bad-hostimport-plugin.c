/*
 * bad-hostimport: a plugin that calls a function only the host defines,
 * instead of going through the host table.  It loads into a host that
 * happens to export that function and into no other, which is what
 * check-symbols.sh must catch.  Built without -Wl,--no-undefined, which
 * would stop it at link time.
 */
#include "seed.h"

/* The loader's own setup function: not part of the plugin ABI. */
extern void qbp_loader_setup(const void *ops);

static int hostimport_load(struct qbp_error *err)
{
    (void)err;
    qbp_loader_setup(NULL);
    return 0;
}

static struct qbp_plugin hostimport_plugin = {
    .name = "bad-hostimport",
    .contact = SEED_CONTACT,
    .load = hostimport_load,
    SEED_REQUIRED_CALLBACKS,
};

QBP_REGISTER_PLUGIN(hostimport_plugin)
