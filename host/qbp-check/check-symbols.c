/*
 * check-symbols.c: a plugin exports qbp_plugin_init and nothing else, and
 * imports only what its own libraries define.  Anything else either
 * clashes with the host or works in one host and fails in the next.
 */
#include <dlfcn.h>
#include <string.h>

#include "checks.h"
#include "elf-symbols.h"

static char *joined(GPtrArray *names)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < names->len; i++) {
        g_string_append_printf(s, "%s%s", i ? ", " : "",
                               (const char *)g_ptr_array_index(names, i));
    }
    return g_string_free(s, FALSE);
}

static void check_exports(struct qc_ctx *ctx, GPtrArray *exported)
{
    g_autoptr(GPtrArray) extra = g_ptr_array_new();
    bool entry = false;

    for (guint i = 0; i < exported->len; i++) {
        const char *name = g_ptr_array_index(exported, i);

        if (strcmp(name, QBP_ENTRY_SYMBOL) == 0) {
            entry = true;
        } else {
            g_ptr_array_add(extra, (char *)name);
        }
    }
    if (!entry) {
        qc_fail(ctx, "the file does not export %s", QBP_ENTRY_SYMBOL);
    }
    if (extra->len) {
        g_autofree char *list = joined(extra);
        qc_fail(ctx, "exports %s besides %s: they can clash with the host or "
                "another plugin; build with -fvisibility=hidden (pkg-config "
                "--cflags qemu-block-plugin has it) so that only "
                "QBP_REGISTER_PLUGIN's symbol is visible", list,
                QBP_ENTRY_SYMBOL);
    }
}

/*
 * The plugin is loaded, so its libraries are: RTLD_NOLOAD finds them, and
 * dlsym on a library searches its own dependencies too.
 */
static void check_imports(struct qc_ctx *ctx, const struct qc_symbols *s)
{
    g_autoptr(GPtrArray) libs = g_ptr_array_new();
    g_autoptr(GPtrArray) missing = g_ptr_array_new();

    for (guint i = 0; i < s->needed->len; i++) {
        void *h = dlopen(g_ptr_array_index(s->needed, i),
                         RTLD_LAZY | RTLD_NOLOAD);
        if (h) {
            g_ptr_array_add(libs, h);
        }
    }
    for (guint i = 0; i < s->imported->len; i++) {
        const char *name = g_ptr_array_index(s->imported, i);
        bool found = false;

        for (guint j = 0; j < libs->len && !found; j++) {
            found = dlsym(g_ptr_array_index(libs, j), name) != NULL;
        }
        if (!found) {
            g_ptr_array_add(missing, (char *)name);
        }
    }
    if (missing->len) {
        g_autofree char *list = joined(missing);
        g_autofree char *have = s->needed->len ? joined(s->needed)
                                               : g_strdup("none");
        qc_fail(ctx, "imports %s, which none of its libraries (%s) defines: "
                "only a host executable could provide it, so the plugin "
                "loads in one host and not the next; link the library that "
                "has it, or use the host table", list, have);
    }
    for (guint j = 0; j < libs->len; j++) {
        dlclose(g_ptr_array_index(libs, j));
    }
}

void qc_check_symbols(struct qc_ctx *ctx)
{
    struct qc_symbols s;
    g_autofree char *err = NULL;
    g_autofree char *libs = NULL;

    qc_step(ctx, "reading the dynamic symbols of %s",
            qbp_plugin_path(qc_env.plugin));
    if (!qc_elf_symbols(qbp_plugin_path(qc_env.plugin), &s, &err)) {
        qc_skip(ctx, "cannot read the file's symbols: %s", err);
        return;
    }
    check_exports(ctx, s.exported);
    check_imports(ctx, &s);
    libs = s.needed->len ? joined(s.needed) : g_strdup("no library");
    qc_pass(ctx, "exports only %s; its %u imports all come from its "
            "libraries (%s)", QBP_ENTRY_SYMBOL, s.imported->len, libs);
    qc_symbols_clear(&s);
}
