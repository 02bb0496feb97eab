/*
 * args.c: the command line of qbp-check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc.h"

#define DEFAULT_TIMEOUT 10

static gboolean expect_data, no_data, list_checks, show_version;
static gint timeout_s = DEFAULT_TIMEOUT;
static gint64 seed = -1;
static gchar **check_names, **error_options, **secrets, **rest;
static struct qc_config *target;

static const GOptionEntry entries[] = {
    { "tap", 0, 0, G_OPTION_ARG_NONE, NULL,
      "Print TAP (for prove) instead of the readable report", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
      "Seconds to wait for a completion, an open or a close (default 10)",
      "SECONDS" },
    { "check", 0, 0, G_OPTION_ARG_STRING_ARRAY, &check_names,
      "Run only this check (repeat, or separate with commas)", "NAME" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      "Seed of the data patterns, to repeat a run exactly (default: random)",
      "N" },
    { "list", 0, 0, G_OPTION_ARG_NONE, &list_checks,
      "List the checks and exit", NULL },
    { "expect-data", 0, 0, G_OPTION_ARG_NONE, &expect_data,
      "The disk must keep what is written", NULL },
    { "no-data", 0, 0, G_OPTION_ARG_NONE, &no_data,
      "The disk keeps no data: reads return zeroes", NULL },
    { "volatile", 0, 0, G_OPTION_ARG_NONE, NULL,
      "The disk forgets its data when closed", NULL },
    { "read-only", 0, 0, G_OPTION_ARG_NONE, NULL,
      "Open read-only and never write", NULL },
    { "nocache", 0, 0, G_OPTION_ARG_NONE, NULL,
      "Open with QBP_OPEN_NOCACHE, as cache=none does", NULL },
    { "error-option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &error_options,
      "An option under which the plugin fails its requests (repeat)",
      "KEY=VALUE" },
    { "secret", 0, 0, G_OPTION_ARG_STRING_ARRAY, &secrets,
      "A secret the plugin may look up (repeat)", "ID=VALUE" },
    { "no-fork", 0, 0, G_OPTION_ARG_NONE, NULL,
      "Run every check in this process, for a debugger", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, NULL,
      "Show the plugin's info and debug log and each check's time", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &show_version,
      "Print the ABI version qbp-check checks against and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL,
      "PLUGIN [KEY=VALUE...]" },
    { 0 },
};

/* GOption stores booleans as gboolean; the config has bool. */
static gboolean flag(const gchar *name, const gchar *value, gpointer data,
                     GError **error)
{
    struct qc_config *cfg = target;

    if (!strcmp(name, "--tap")) {
        cfg->tap = true;
    } else if (!strcmp(name, "--volatile")) {
        cfg->forgets_on_close = true;
    } else if (!strcmp(name, "--read-only")) {
        cfg->read_only = true;
    } else if (!strcmp(name, "--nocache")) {
        cfg->nocache = true;
    } else if (!strcmp(name, "--no-fork")) {
        cfg->no_fork = true;
    } else {
        cfg->verbose = true;
    }
    return TRUE;
}

static void list(void)
{
    for (size_t i = 0; i < qc_n_checks; i++) {
        printf("%-13s %s\n", qc_checks[i].name, qc_checks[i].what);
    }
}

static bool known_check(const char *name)
{
    for (size_t i = 0; i < qc_n_checks; i++) {
        if (!strcmp(qc_checks[i].name, name)) {
            return true;
        }
    }
    return false;
}

static int usage_error(GOptionContext *oc, const char *msg)
{
    fprintf(stderr, "qbp-check: %s\nTry 'qbp-check --help'.\n", msg);
    g_option_context_free(oc);
    return 2;
}

/* A copy of v; pdata stays NULL-terminated for g_strjoinv. */
static GPtrArray *strv_array(gchar **v)
{
    GPtrArray *a = g_ptr_array_new();

    for (; v && *v; v++) {
        g_ptr_array_add(a, g_strdup(*v));
    }
    g_ptr_array_add(a, NULL);
    g_ptr_array_set_size(a, a->len - 1);
    return a;
}

/* The check names of every --check, split at commas. */
static bool take_checks(struct qc_config *cfg, GOptionContext *oc, int *ret)
{
    if (!check_names) {
        return true;
    }
    cfg->only = g_ptr_array_new();
    for (gchar **c = check_names; *c; c++) {
        g_auto(GStrv) parts = g_strsplit(*c, ",", -1);
        for (gchar **p = parts; *p; p++) {
            if (!known_check(*p)) {
                g_autofree char *m = g_strdup_printf("no check named '%s' "
                                                     "(see --list)", *p);
                *ret = usage_error(oc, m);
                return false;
            }
            g_ptr_array_add(cfg->only, g_strdup(*p));
        }
    }
    return true;
}

static bool take_secrets(struct qc_config *cfg, GOptionContext *oc, int *ret)
{
    cfg->secrets = g_hash_table_new(g_str_hash, g_str_equal);
    for (gchar **s = secrets; s && *s; s++) {
        char *eq = strchr(*s, '=');
        if (!eq) {
            *ret = usage_error(oc, "--secret takes ID=VALUE");
            return false;
        }
        g_hash_table_insert(cfg->secrets, g_strndup(*s, eq - *s),
                            g_strdup(eq + 1));
    }
    return true;
}

int qc_parse_args(int argc, char **argv, struct qc_config *cfg)
{
    GOptionContext *oc = g_option_context_new("PLUGIN [KEY=VALUE...]");
    GOptionEntry e[G_N_ELEMENTS(entries)];
    GError *err = NULL;
    int ret = -1;

    memcpy(e, entries, sizeof(e));
    for (size_t i = 0; e[i].long_name; i++) {
        if (e[i].arg == G_OPTION_ARG_NONE && !e[i].arg_data) {
            e[i].arg = G_OPTION_ARG_CALLBACK;
            e[i].flags |= G_OPTION_FLAG_NO_ARG;
            e[i].arg_data = (gpointer)flag;
        }
    }
    target = cfg;
    g_option_context_set_summary(oc, "Runs the conformance suite of the "
                                 "QEMU block plugin ABI against PLUGIN (a "
                                 "path, or a name looked up like QEMU does),\n"
                                 "on a disk opened with the options KEY=VALUE. "
                                 "The checks write to that disk.");
    g_option_context_set_description(oc, "Exit status: 0 when no check "
                                     "failed, 1 when one did, 2 on a usage "
                                     "error.  See qbp-check(1).");
    g_option_context_add_main_entries(oc, e, NULL);
    if (!g_option_context_parse(oc, &argc, &argv, &err)) {
        ret = usage_error(oc, err->message);
        g_error_free(err);
        return ret;
    }
    if (list_checks || show_version) {
        if (list_checks) {
            list();
        } else {
            printf("qbp-check, block plugin ABI %d.%d\n", QBP_ABI_MAJOR,
                   QBP_ABI_MINOR);
        }
        g_option_context_free(oc);
        return 0;
    }
    if (!rest || !rest[0]) {
        return usage_error(oc, "which plugin? give its path or name");
    }
    if (expect_data && no_data) {
        return usage_error(oc, "--expect-data and --no-data contradict");
    }
    if (timeout_s < 1) {
        return usage_error(oc, "--timeout takes a number of seconds, at "
                           "least 1");
    }
    cfg->plugin = rest[0];
    cfg->given = strv_array(rest + 1);
    cfg->error_given = strv_array(error_options);
    cfg->timeout_s = (unsigned)timeout_s;
    cfg->seed = seed >= 0 ? (uint32_t)seed : g_random_int();
    cfg->data = expect_data ? QC_DATA_KEPT : no_data ? QC_DATA_NONE
                                                     : QC_DATA_AUTO;
    if (!take_checks(cfg, oc, &ret) || !take_secrets(cfg, oc, &ret)) {
        return ret;
    }
    g_option_context_free(oc);
    return -1;
}
