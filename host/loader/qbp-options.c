/*
 * qbp-options.c: check option values against a plugin's declared table and
 * put them in the form the contract promises the plugin.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "qbp-loader.h"

const struct qbp_option *qbp_options_find(const struct qbp_plugin *t,
                                          const char *name)
{
    const struct qbp_option *o = t->options;

    for (; o && o->name; o++) {
        size_t len = strlen(o->name);
        bool family = len > 1 && o->name[len - 1] == '.';

        /* A family "ceph." matches "ceph.KEY", never "ceph." alone. */
        if (family ? strncmp(o->name, name, len) == 0 && name[len]
                   : strcmp(o->name, name) == 0) {
            return o;
        }
    }
    return NULL;
}

static char *option_names(const struct qbp_plugin *t)
{
    const struct qbp_option *o = t->options;
    GString *s = g_string_new(NULL);

    for (; o && o->name; o++) {
        g_string_append_printf(s, "%s%s", s->len ? ", " : "", o->name);
    }
    if (!s->len) {
        g_string_append(s, "none");
    }
    return g_string_free(s, FALSE);
}

static const char *parse_bool(const char *v)
{
    static const char *const on[] = { "on", "yes", "true", "1", NULL };
    static const char *const off[] = { "off", "no", "false", "0", NULL };

    for (int i = 0; on[i]; i++) {
        if (g_ascii_strcasecmp(v, on[i]) == 0) {
            return "on";
        }
        if (g_ascii_strcasecmp(v, off[i]) == 0) {
            return "off";
        }
    }
    return NULL;
}

/* "4096", "64k", "1G", "512B"; fractions are not accepted. */
static gboolean parse_size(const char *v, guint64 *out)
{
    static const char units[] = "kmgtpe";
    const char *unit;
    guint64 n;
    char *end;
    int shift = 0;

    if (!g_ascii_isdigit(*v)) {
        return FALSE;
    }
    errno = 0;
    n = g_ascii_strtoull(v, &end, 10);
    if (errno) {
        return FALSE;
    }
    if (*end && g_ascii_tolower(*end) != 'b') {
        unit = strchr(units, g_ascii_tolower(*end));
        if (!unit) {
            return FALSE;
        }
        shift = 10 * (int)(unit - units + 1);
        end++;
    }
    if (g_ascii_tolower(*end) == 'b') {
        end++;
    }
    if (*end || (shift && n > (G_MAXUINT64 >> shift))) {
        return FALSE;
    }
    *out = n << shift;
    return TRUE;
}

char *qbp_options_normalize(const struct qbp_plugin *t, const char *key,
                            const char *value, GError **errp)
{
    const char *plugin = t->name;
    const struct qbp_option *o = qbp_options_find(t, key);
    const char *b;
    guint64 n;

    if (!o) {
        g_autofree char *names = option_names(t);
        g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                    "block plugin '%s' has no option '%s' (its options: %s)",
                    plugin, key, names);
        return NULL;
    }
    switch (o->type) {
    case QBP_OPT_BOOL:
        b = parse_bool(value);
        if (!b) {
            break;
        }
        return g_strdup(b);
    case QBP_OPT_NUMBER:
        /*
         * Digits first: g_ascii_string_to_unsigned refuses leading spaces
         * by g_ascii_isspace, which has no '\v', and strtoull skips it.
         */
        if (!g_ascii_isdigit(*value) ||
            !g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &n, NULL)) {
            break;
        }
        return g_strdup_printf("%" G_GUINT64_FORMAT, n);
    case QBP_OPT_SIZE:
        if (!parse_size(value, &n)) {
            break;
        }
        return g_strdup_printf("%" G_GUINT64_FORMAT, n);
    default:
        /* Strings, and types from a newer minor, pass through as given. */
        return g_strdup(value);
    }
    g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "block plugin '%s': option '%s' expects %s, not '%s'",
                plugin, key,
                o->type == QBP_OPT_BOOL ? "on or off" :
                o->type == QBP_OPT_NUMBER ? "a whole number" :
                "a size such as 4096, 64k or 1G", value);
    return NULL;
}

gboolean qbp_options_check_required(const struct qbp_plugin *t,
                                    const struct qbp_kv *kv, size_t n,
                                    GError **errp)
{
    const struct qbp_option *o = t->options;

    for (; o && o->name; o++) {
        size_t i;

        if (!(o->flags & QBP_OPTF_REQUIRED)) {
            continue;
        }
        for (i = 0; i < n && strcmp(kv[i].key, o->name) != 0; i++) {
            /* look for it */
        }
        if (i == n) {
            g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                        "block plugin '%s' needs the option '%s' (%s)",
                        t->name, o->name,
                        o->help ? o->help : "no help given");
            return FALSE;
        }
    }
    return TRUE;
}

gboolean qbp_split_filename(const char *spec, char **name, char **rest,
                            GError **errp)
{
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);

    if (len == 0) {
        g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "'plugin:%s': expected plugin:NAME:REST, e.g. "
                    "plugin:file:/var/lib/disk.raw", spec);
        return FALSE;
    }
    *name = g_strndup(spec, len);
    *rest = g_strdup(colon ? colon + 1 : "");
    return TRUE;
}
