/*
 * bad-foreigntable: a plugin whose entry point hands over the table of
 * another library, here good-plugin.so from its own directory, as a
 * wrapper that forwards to some other plugin would.  Whatever that table
 * says, it is not this file's, and the loader must refuse it.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "seed.h"

static void *other;

const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    char path[4096];
    const char *slash;
    qbp_plugin_init_fn *init;
    Dl_info self;

    if (!dladdr((void *)qbp_plugin_init, &self) || !self.dli_fname ||
        !(slash = strrchr(self.dli_fname, '/'))) {
        return NULL;
    }
    snprintf(path, sizeof(path), "%.*s/good-plugin.so",
             (int)(slash - self.dli_fname), self.dli_fname);
    if (!other) {
        other = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    init = other ? (qbp_plugin_init_fn *)dlsym(other, QBP_ENTRY_SYMBOL) : NULL;
    return init ? init(host) : NULL;
}

__attribute__((destructor)) static void foreigntable_unload(void)
{
    if (other) {
        dlclose(other);
    }
}
