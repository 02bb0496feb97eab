/*
 * check-options.c: the option table a host builds help, validation and
 * qemu-img create -o from, and the options given on the command line.
 */
#include <string.h>

#include "checks.h"

/* A table this long without its NULL name is missing the end marker. */
#define MAX_OPTIONS 1000

/*
 * Keys QEMU's block layer takes for itself before a driver sees the
 * options: a plugin option of that name could never be given.
 */
static const char *const qemu_keys[] = {
    "driver", "module", "node-name", "read-only", "auto-read-only",
    "force-share", "discard", "detect-zeroes", "cache.direct",
    "cache.no-flush", "cache.", NULL,
};

static const char *const type_names[] = { "string", "bool", "number", "size" };

static bool name_char_ok(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

static void check_name(struct qc_ctx *ctx, size_t i, const char *name)
{
    size_t len = strlen(name);

    if (len == 0) {
        qc_fail(ctx, "option #%zu has an empty name", i);
        return;
    }
    for (const char *c = name; *c; c++) {
        if (!name_char_ok(*c)) {
            qc_fail(ctx, "option '%s': its name has '%c', which QEMU's "
                    "option syntax cannot carry; use letters, digits, '-', "
                    "'_' and '.'", name, *c);
            return;
        }
    }
    for (int k = 0; qemu_keys[k]; k++) {
        if (strcmp(name, qemu_keys[k]) == 0) {
            qc_fail(ctx, "option '%s' can never be given: QEMU's block layer "
                    "takes '%s' for itself", name, name);
        }
    }
}

static void check_entry(struct qc_ctx *ctx, size_t i,
                        const struct qbp_option *o, GHashTable *seen)
{
    size_t len = strlen(o->name);

    check_name(ctx, i, o->name);
    if (o->type > QBP_OPT_SIZE) {
        qc_fail(ctx, "option '%s' has type %u, which ABI 1.x does not "
                "define", o->name, (unsigned)o->type);
    } else if (len > 1 && o->name[len - 1] == '.' &&
               o->type != QBP_OPT_STRING) {
        qc_fail(ctx, "option family '%s' is declared as a %s, but the keys of "
                "a family are always passed as strings", o->name,
                type_names[o->type]);
    }
    if (o->flags & ~QBP_OPTF_REQUIRED) {
        qc_fail(ctx, "option '%s' has flags 0x%x, which ABI 1.x does not "
                "define", o->name, (unsigned)(o->flags & ~QBP_OPTF_REQUIRED));
    }
    if (!o->help || !*o->help) {
        qc_fail(ctx, "option '%s' has no help text, which qemu-img create -o "
                "help shows", o->name);
    }
    if (!g_hash_table_add(seen, (char *)o->name)) {
        qc_fail(ctx, "option '%s' is declared twice", o->name);
    }
}

/* "filename (string, required), workers (number)" */
static char *describe(const struct qbp_option *o, size_t n)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%s (%s%s)", i ? ", " : "", o[i].name,
                               o[i].type <= QBP_OPT_SIZE ?
                               type_names[o[i].type] : "?",
                               o[i].flags & QBP_OPTF_REQUIRED ?
                               ", required" : "");
    }
    return g_string_free(s, FALSE);
}

void qc_check_options(struct qc_ctx *ctx)
{
    const struct qbp_option *o = qc_env.t->options;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree char *list = NULL;
    size_t n = 0;

    for (; o && o[n].name && n < MAX_OPTIONS; n++) {
        check_entry(ctx, n, &o[n], seen);
    }
    if (n == MAX_OPTIONS) {
        qc_fail(ctx, "the option table has no end: it must end with an entry "
                "whose name is NULL");
        return;
    }
    if (qc_env.options_error) {
        qc_fail(ctx, "the options given are refused: %s",
                qc_env.options_error);
    }
    list = n ? describe(o, n) : g_strdup("none");
    qc_pass(ctx, "%zu option%s declared, each named, typed and explained: "
            "%s", n, n == 1 ? "" : "s", list);
}
