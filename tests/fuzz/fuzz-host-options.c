/*
 * fuzz-host-options: the loader's option handling (host/loader), what the
 * host does with a user's "plugin:NAME:REST" and KEY=VALUE options before
 * a plugin sees them: qbp_split_filename, qbp_options_normalize and
 * qbp_options_check_required.
 *
 * The input is lines.  Each whole line is split as "NAME:REST"; a line
 * with a '=' is also KEY=VALUE, normalised against a table with an option
 * of every type (and against a plugin that declares none); the accepted
 * ones are then checked for the required option.  Checked for each:
 * - split: refused exactly when NAME is empty; else NAME has no ':' and
 *   NAME:REST (or NAME alone) is the line again;
 * - normalize: the value an independent parser expects (bool: on/off;
 *   number and size: decimal bytes; strings unchanged), refusals with the
 *   exact message, and a normalised value normalises to itself;
 * - check_required: TRUE exactly when "path" was given.
 */
#include <errno.h>
#include <stdbool.h>

#include <glib.h>

#include "fuzz.h"
#include "qbp-loader.h"

/* Every type, a family, a required option and a type from a newer minor. */
static const struct qbp_option fuzz_options[] = {
    { .name = "path", .type = QBP_OPT_STRING, .flags = QBP_OPTF_REQUIRED,
      .help = "where the disk is" },
    { .name = "cache", .type = QBP_OPT_BOOL },
    { .name = "count", .type = QBP_OPT_NUMBER },
    { .name = "size", .type = QBP_OPT_SIZE },
    { .name = "lib.", .type = QBP_OPT_STRING },
    { .name = "future", .type = 99 },
    { .name = NULL },
};
#define FUZZ_OPTION_NAMES "path, cache, count, size, lib., future"

static const struct qbp_plugin fuzz_table = {
    .hdr = {
        .struct_size = sizeof(struct qbp_plugin),
        .abi_major = QBP_ABI_MAJOR,
        .abi_minor = QBP_ABI_MINOR,
    },
    .name = "fuzz",
    .options = fuzz_options,
};

static const struct qbp_plugin bare_table = {
    .hdr = {
        .struct_size = sizeof(struct qbp_plugin),
        .abi_major = QBP_ABI_MAJOR,
        .abi_minor = QBP_ABI_MINOR,
    },
    .name = "bare",
};

/* ---- independent parsers: what each type must give ---- */

/* Decimal digits only, fitting in 64 bits. */
static bool ref_number(const char *v, uint64_t *out, const char **end)
{
    uint64_t n = 0;

    if (!g_ascii_isdigit(*v)) {
        return false;
    }
    for (; g_ascii_isdigit(*v); v++) {
        unsigned d = (unsigned)(*v - '0');

        if (n > (UINT64_MAX - d) / 10) {
            return false;
        }
        n = n * 10 + d;
    }
    *out = n;
    *end = v;
    return true;
}

static const char *ref_bool(const char *v)
{
    static const char *const on[] = { "on", "yes", "true", "1" };
    static const char *const off[] = { "off", "no", "false", "0" };
    size_t i;

    for (i = 0; i < 4; i++) {
        if (g_ascii_strcasecmp(v, on[i]) == 0) {
            return "on";
        }
        if (g_ascii_strcasecmp(v, off[i]) == 0) {
            return "off";
        }
    }
    return NULL;
}

/* DIGITS [kmgtpe] [b], case-insensitive, in bytes, fitting in 64 bits. */
static bool ref_size(const char *v, uint64_t *out)
{
    static const char units[] = "kmgtpe";
    const char *end;
    const char *u;
    uint64_t n;
    unsigned shift = 0;

    if (!ref_number(v, &n, &end)) {
        return false;
    }
    if (*end && (u = strchr(units, g_ascii_tolower(*end))) != NULL) {
        shift = 10 * (unsigned)(u - units + 1);
        end++;
    }
    if (*end == 'b' || *end == 'B') {
        end++;
    }
    if (*end || (shift && n > UINT64_MAX >> shift)) {
        return false;
    }
    *out = n << shift;
    return true;
}

/* What normalize must return for key=value, or NULL for a refusal. */
static char *expected_value(const struct qbp_option *o, const char *value)
{
    uint64_t n;
    const char *end;
    const char *b;

    switch (o->type) {
    case QBP_OPT_BOOL:
        b = ref_bool(value);
        return b ? g_strdup(b) : NULL;
    case QBP_OPT_NUMBER:
        if (!ref_number(value, &n, &end) || *end) {
            return NULL;
        }
        return g_strdup_printf("%" G_GUINT64_FORMAT, n);
    case QBP_OPT_SIZE:
        return ref_size(value, &n) ?
               g_strdup_printf("%" G_GUINT64_FORMAT, n) : NULL;
    default:
        return g_strdup(value);
    }
}

/* The declared option key names, found independently of the loader. */
static const struct qbp_option *expected_option(const struct qbp_plugin *t,
                                                const char *key)
{
    const struct qbp_option *o;

    for (o = t->options; o && o->name; o++) {
        if (strcmp(o->name, "lib.") == 0) {
            if (g_str_has_prefix(key, "lib.") && key[4]) {
                return o;
            }
        } else if (strcmp(o->name, key) == 0) {
            return o;
        }
    }
    return NULL;
}

/* key=value normalised against t; the result, which the caller frees. */
static char *check_normalize(const struct qbp_plugin *t, const char *key,
                             const char *value)
{
    const struct qbp_option *o = expected_option(t, key);
    GError *err = NULL;
    char *got = qbp_options_normalize(t, key, value, &err);
    char *want;
    char *msg;

    FUZZ_CHECK(qbp_options_find(t, key) == o);
    if (!o) {
        FUZZ_CHECK(got == NULL && err != NULL);
        FUZZ_CHECK(err->code == G_OPTION_ERROR_UNKNOWN_OPTION);
        msg = g_strdup_printf("block plugin '%s' has no option '%s' (its "
                              "options: %s)", t->name, key,
                              t->options ? FUZZ_OPTION_NAMES : "none");
        FUZZ_CHECK(strcmp(err->message, msg) == 0);
        g_free(msg);
        g_error_free(err);
        return NULL;
    }
    want = expected_value(o, value);
    if (!want) {
        FUZZ_CHECK(got == NULL && err != NULL);
        FUZZ_CHECK(err->code == G_OPTION_ERROR_BAD_VALUE);
        msg = g_strdup_printf("block plugin '%s': option '%s' expects %s, "
                              "not '%s'", t->name, key,
                              o->type == QBP_OPT_BOOL ? "on or off" :
                              o->type == QBP_OPT_NUMBER ? "a whole number" :
                              "a size such as 4096, 64k or 1G", value);
        FUZZ_CHECK(strcmp(err->message, msg) == 0);
        g_free(msg);
        g_error_free(err);
        return NULL;
    }
    FUZZ_CHECK(err == NULL && got != NULL);
    FUZZ_CHECK(strcmp(got, want) == 0);
    g_free(want);

    /* What the plugin is handed is already in normal form. */
    want = qbp_options_normalize(t, key, got, &err);
    FUZZ_CHECK(err == NULL && want != NULL && strcmp(want, got) == 0);
    g_free(want);
    return got;
}

static void check_split(const char *spec)
{
    const char *colon = strchr(spec, ':');
    char *name = (char *)"untouched";
    char *rest = (char *)"untouched";
    GError *err = NULL;
    char *msg;

    if (!qbp_split_filename(spec, &name, &rest, &err)) {
        FUZZ_CHECK(spec[0] == '\0' || spec[0] == ':');
        FUZZ_CHECK(err != NULL && err->code == G_OPTION_ERROR_BAD_VALUE);
        FUZZ_CHECK(strcmp(name, "untouched") == 0);
        FUZZ_CHECK(strcmp(rest, "untouched") == 0);
        msg = g_strdup_printf("'plugin:%s': expected plugin:NAME:REST, e.g. "
                              "plugin:file:/var/lib/disk.raw", spec);
        FUZZ_CHECK(strcmp(err->message, msg) == 0);
        g_free(msg);
        g_error_free(err);
        FUZZ_CHECK(!qbp_split_filename(spec, &name, &rest, NULL));
        return;
    }
    FUZZ_CHECK(err == NULL);
    FUZZ_CHECK(name[0] != '\0' && strchr(name, ':') == NULL);
    if (colon) {
        FUZZ_CHECK(strlen(name) == (size_t)(colon - spec));
        FUZZ_CHECK(strncmp(name, spec, strlen(name)) == 0);
        FUZZ_CHECK(strcmp(rest, colon + 1) == 0);
    } else {
        FUZZ_CHECK(strcmp(name, spec) == 0 && rest[0] == '\0');
    }
    g_free(name);
    g_free(rest);
    /* No GError wanted: the QEMU shim's probe passes NULL. */
    FUZZ_CHECK(qbp_split_filename(spec, &name, &rest, NULL));
    g_free(name);
    g_free(rest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char **lines = g_strsplit(text, "\n", -1);
    GPtrArray *kv = g_ptr_array_new();
    struct qbp_kv *pairs;
    gboolean has_path = FALSE;
    GError *err = NULL;
    size_t n = 0;
    size_t i;

    for (i = 0; lines[i]; i++) {
        char *eq = strchr(lines[i], '=');
        char *key;
        char *value;

        check_split(lines[i]);
        if (!eq) {
            continue;
        }
        key = g_strndup(lines[i], (gsize)(eq - lines[i]));
        FUZZ_CHECK(check_normalize(&bare_table, key, eq + 1) == NULL);
        value = check_normalize(&fuzz_table, key, eq + 1);
        if (value) {
            has_path |= strcmp(key, "path") == 0;
            g_ptr_array_add(kv, key);
            g_ptr_array_add(kv, value);
        } else {
            g_free(key);
        }
    }

    n = kv->len / 2;
    pairs = g_new0(struct qbp_kv, n + 1);
    for (i = 0; i < n; i++) {
        pairs[i].key = g_ptr_array_index(kv, 2 * i);
        pairs[i].value = g_ptr_array_index(kv, 2 * i + 1);
    }
    FUZZ_CHECK(qbp_options_check_required(&bare_table, pairs, n, NULL));
    if (qbp_options_check_required(&fuzz_table, pairs, n, &err)) {
        FUZZ_CHECK(has_path && err == NULL);
    } else {
        FUZZ_CHECK(!has_path && err != NULL);
        FUZZ_CHECK(strcmp(err->message, "block plugin 'fuzz' needs the "
                          "option 'path' (where the disk is)") == 0);
        g_error_free(err);
    }

    g_free(pairs);
    g_ptr_array_set_free_func(kv, g_free);
    g_ptr_array_free(kv, TRUE);
    g_strfreev(lines);
    free(text);
    return 0;
}
