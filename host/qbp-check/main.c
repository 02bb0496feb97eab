/*
 * qbp-check: the conformance suite for block plugins, without QEMU.
 *
 *   qbp-check [OPTION...] PLUGIN [KEY=VALUE...]
 *
 * PLUGIN is a path (anything with a '/') or a name looked up like QEMU
 * does; KEY=VALUE are the options of the disk the checks open, as on
 * -blockdev.  The checks write to that disk.  See qbp-check(1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "pattern.h"
#include "report.h"

/* What "not run" results say. */
#define NOT_LOADED "not run: the plugin did not load"
#define BAD_OPTIONS "not run: the options given are refused (see options)"

struct qc_env qc_env;

static void host_log(int level, const char *msg)
{
    struct qc_ctx *ctx = qc_ctx_current();

    if (ctx) {
        qc_log(ctx, level, msg);
    } else if (level <= QBP_LOG_WARNING || qc_env.cfg.verbose) {
        fprintf(stderr, "qbp-check: plugin log: %s\n", msg);
    }
}

/* Secrets come from --secret ID=VALUE: enough to test a plugin's use. */
static int64_t host_secret(const char *id, void *buf, size_t bufsize,
                           size_t *needed, char **errmsg)
{
    const char *v = qc_env.cfg.secrets ?
                    g_hash_table_lookup(qc_env.cfg.secrets, id) : NULL;
    size_t len;

    if (!v) {
        *errmsg = g_strdup_printf("no secret '%s': give it with --secret "
                                  "%s=VALUE", id, id);
        return -ENOENT;
    }
    len = strlen(v);
    if (needed) {
        *needed = len;
    }
    if (len > bufsize) {
        *errmsg = g_strdup_printf("secret '%s' is %zu bytes, the buffer %zu",
                                  id, len, bufsize);
        return -ERANGE;
    }
    memcpy(buf, v, len);
    return (int64_t)len;
}

/* The options as the plugin will see them; *error says why not. */
static struct qbp_kv *normalise(char **given, size_t n, bool whole,
                                char **error)
{
    const struct qbp_plugin *t = qc_env.t;
    struct qbp_kv *kv = g_new0(struct qbp_kv, n + 1);
    GError *err = NULL;

    for (size_t i = 0; i < n && !*error; i++) {
        const char *eq = strchr(given[i], '=');

        if (!eq) {
            *error = g_strdup_printf("'%s' is not KEY=VALUE", given[i]);
            break;
        }
        kv[i].key = g_strndup(given[i], eq - given[i]);
        kv[i].value = qbp_options_normalize(t, kv[i].key, eq + 1, &err);
        if (!kv[i].value) {
            *error = g_strdup(err->message);
            g_clear_error(&err);
        }
    }
    if (whole && !*error && !qbp_options_check_required(t, kv, n, &err)) {
        *error = g_strdup(err->message);
        g_clear_error(&err);
    }
    return kv;
}

static bool selected(const struct qc_check *c)
{
    GPtrArray *only = qc_env.cfg.only;

    /* read-write finds out whether the disk keeps data: the rest need it. */
    if (!only || strcmp(c->name, "load") == 0 ||
        (strcmp(c->name, "read-write") == 0 &&
         qc_env.cfg.data == QC_DATA_AUTO)) {
        return true;
    }
    for (guint i = 0; i < only->len; i++) {
        if (strcmp(g_ptr_array_index(only, i), c->name) == 0) {
            return true;
        }
    }
    return false;
}

/* After the load check passed in a child: load here, for the children. */
static bool load_here(void)
{
    struct qc_config *cfg = &qc_env.cfg;
    GError *err = NULL;
    g_autofree char *error = NULL;

    qc_env.plugin = qbp_plugin_load(cfg->plugin, &err);
    if (!qc_env.plugin) {
        fprintf(stderr, "qbp-check: %s\n", err->message);
        g_error_free(err);
        return false;
    }
    qc_env.t = qbp_plugin_table(qc_env.plugin);
    cfg->options = normalise((char **)cfg->given->pdata, cfg->given->len,
                             true, &qc_env.options_error);
    cfg->n_options = cfg->given->len;
    if (cfg->error_given->len) {
        /* Added to the other options: they need not be complete. */
        cfg->error_options = normalise((char **)cfg->error_given->pdata,
                                       cfg->error_given->len, false, &error);
        cfg->n_error_options = cfg->error_given->len;
        if (error) {
            /* Not a fault of the plugin: the checks cannot run as asked. */
            fprintf(stderr, "qbp-check: --error-option: %s\n", error);
            return false;
        }
    }
    return true;
}

static int run_all(void)
{
    unsigned n = 0, number = 0;
    bool loaded = false;

    for (size_t i = 0; i < qc_n_checks; i++) {
        n += selected(&qc_checks[i]);
    }
    qc_report_begin(n);
    if (!qc_env.cfg.tap) {
        g_autofree char *given = g_strjoinv(" ", (char **)
                                            qc_env.cfg.given->pdata);
        qc_report_info("qbp-check (ABI %d.%d): %s%s%s", QBP_ABI_MAJOR,
                       QBP_ABI_MINOR, qc_env.cfg.plugin, *given ? " " : "",
                       given);
    }
    for (size_t i = 0; i < qc_n_checks; i++) {
        const struct qc_check *c = &qc_checks[i];
        struct qc_result r = { 0 };

        if (!selected(c)) {
            continue;
        }
        if (i > 0 && !loaded) {
            qc_result_set(&r, QC_SKIP, NOT_LOADED);
        } else if (c->needs_open && qc_env.options_error) {
            qc_result_set(&r, QC_SKIP, BAD_OPTIONS);
        } else {
            qc_run_check(c, (unsigned)i, &r);
        }
        qc_report_check(++number, c->name, &r);
        if (i == 0 && r.status == QC_PASS) {
            loaded = load_here();
            if (!loaded) {
                exit(2);
            }
        }
        qc_result_clear(&r);
    }
    return qc_report_end();
}

int main(int argc, char **argv)
{
    static const QbpHostOps ops = {
        .host_name = "qbp-check",
        .host_title = "qbp-check",
        .log = host_log,
        .secret_lookup = host_secret,
    };
    int r = qc_parse_args(argc, argv, &qc_env.cfg);

    if (r >= 0) {
        return r;
    }
    qc_env.data = qc_env.cfg.data;
    qc_pattern_init(qc_env.cfg.seed);
    qbp_loader_setup(&ops);
    return run_all();
}
