/*
 * check-load.c: the checks of the plugin as a file and a table: that the
 * loader accepts it, and that its table says what the ABI means it to.
 */
#include <stddef.h>
#include <string.h>

#include "checks.h"

void qc_check_load(struct qc_ctx *ctx)
{
    GError *err = NULL;
    QbpPlugin *p;
    const struct qbp_plugin *t;

    qc_step(ctx, "loading %s", qc_env.cfg.plugin);
    p = qbp_plugin_load(qc_env.cfg.plugin, &err);
    if (!p) {
        qc_fail(ctx, "the loader refuses it: %s", err->message);
        g_error_free(err);
        return;
    }
    t = qbp_plugin_table(p);
    qc_pass(ctx, "the loader accepts %s: plugin '%s' %s, ABI %u.%u, thread "
            "model %s", qbp_plugin_path(p), t->name,
            t->version ? t->version : "(no version)", t->hdr.abi_major,
            t->hdr.abi_minor, qc_thread_model_name(t->thread_model));
}

/*
 * The size of the plugin table at each minor this header knows, as the
 * loader has it: a plugin of minor N has exactly the fields of 1.N.
 */
static const size_t table_size_by_minor[] = {
    [0] = offsetof(struct qbp_plugin, create) + sizeof(void (*)(void)),
#if QBP_ABI_MINOR >= 1
    [1] = offsetof(struct qbp_plugin, snapshot_revert) +
          sizeof(void (*)(void)),
#endif
#if QBP_ABI_MINOR >= 2
    [2] = offsetof(struct qbp_plugin, aio_block_status) +
          sizeof(void (*)(void)),
#endif
#if QBP_ABI_MINOR >= 3
    [3] = offsetof(struct qbp_plugin, get_info) + sizeof(void (*)(void)),
#endif
};
/* A new minor needs its size here, like the loader's table. */
_Static_assert(G_N_ELEMENTS(table_size_by_minor) == QBP_ABI_MINOR + 1,
               "add the plugin table size of the new minor");

/*
 * The size of the plugin table at a minor, when this qbp-check knows it;
 * a minor it does not know (there is no such header yet) is only known to
 * be at least as large as the newest.
 */
static size_t table_size(unsigned minor, bool *known)
{
    size_t n = G_N_ELEMENTS(table_size_by_minor);

    *known = minor < n;
    return table_size_by_minor[*known ? minor : n - 1];
}

static void check_size(struct qc_ctx *ctx, const struct qbp_plugin *t)
{
    unsigned minor = t->hdr.abi_minor;
    uint32_t size = t->hdr.struct_size;
    bool known;
    size_t want;

    if (minor > QBP_ABI_MINOR) {
        qc_note(ctx, "the plugin was built for ABI 1.%u, newer than this "
                "qbp-check (1.%d): the fields of later minors are not checked",
                minor, QBP_ABI_MINOR);
        return;
    }
    want = table_size(minor, &known);
    if (known && size > want) {
        qc_fail(ctx, "struct_size is %u bytes, but the plugin table of ABI "
                "1.%u is %zu bytes: a host reads every byte up to "
                "struct_size as table fields, so a host of a later 1.x would "
                "take the %zu bytes after the table for callbacks the plugin "
                "does not have; let QBP_REGISTER_PLUGIN stamp the header (it "
                "uses sizeof of the table)", size, minor, want, size - want);
    }
}

/* The file must be NAME-plugin.so: that is how hosts find it by name. */
static void check_file_name(struct qc_ctx *ctx, const struct qbp_plugin *t)
{
    g_autofree char *file = g_path_get_basename(qbp_plugin_path(qc_env.plugin));
    g_autofree char *want = g_strdup_printf("%s-plugin.so", t->name);

    if (strcmp(file, want) != 0) {
        qc_fail(ctx, "the file is named '%s' but the plugin calls itself "
                "'%s': hosts look a plugin up by name as NAME-plugin.so, so "
                "'plugin:%s:' would not find this file; name it %s", file,
                t->name, t->name, want);
    }
}

void qc_check_table(struct qc_ctx *ctx)
{
    const struct qbp_plugin *t = qc_env.t;

    check_size(ctx, t);
    if (t->reserved0 != 0) {
        qc_fail(ctx, "reserved0 is 0x%x, not 0: a later ABI may give it a "
                "meaning", (unsigned)t->reserved0);
    }
    if (t->thread_model > QBP_THREAD_MODEL_PARALLEL) {
        qc_fail(ctx, "thread_model is %u, which ABI 1.x does not define: "
                "hosts run the plugin as serialize-all",
                (unsigned)t->thread_model);
    }
    check_file_name(ctx, t);
    if (!t->contact || !*t->contact) {
        qc_fail(ctx, "contact is empty: a host names it in every refusal, so "
                "that users know whom to ask");
    }
    if (!t->version || !*t->version) {
        qc_note(ctx, "version is not set: QEMU cannot say which version of "
                "the plugin it runs");
    }
    if (!t->description || !*t->description) {
        qc_note(ctx, "description is not set");
    }
    if (t->unload && !t->load) {
        qc_note(ctx, "unload is set without load");
    }
    qc_pass(ctx, "ABI %u.%u, struct_size %u as that version requires, name "
            "'%s' matching the file, contact '%s', the required callbacks "
            "set", t->hdr.abi_major, t->hdr.abi_minor,
            (unsigned)t->hdr.struct_size, t->name, t->contact);
}
