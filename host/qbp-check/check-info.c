/*
 * check-info.c: format-specific information (ABI 1.3), when the plugin
 * has get_info.  Every fact must be one QEMU can show: a table of at
 * least 1.3's size, a QAPI-style name used once, a known type and a value
 * of that type.  A callback's non-zero return must stop the listing and
 * come back from get_info, as the host relies on to refuse a fact.
 */
#include <inttypes.h>
#include <string.h>

#include "checks.h"
#include "engine.h"

#if QBP_ABI_MINOR >= 3

/* What the callback returns at the fact where it stops the listing. */
#define STOP_VALUE 7

struct facts {
    GHashTable *names;
    GString *shown;             /* "name=value, ..." for the summary */
    char *bad;                  /* what was wrong with a fact */
    unsigned seen;
    unsigned stop;              /* return STOP_VALUE at this fact; 0: never */
};

static void show(GString *shown, const struct qbp_info_item *item)
{
    g_string_append_printf(shown, "%s%s=", shown->len ? ", " : "", item->key);
    switch (item->type) {
    case QBP_INFO_STRING:
        g_string_append_printf(shown, "'%s'", item->string);
        break;
    case QBP_INFO_INT:
        g_string_append_printf(shown, "%" PRId64, item->number);
        break;
    default:
        g_string_append(shown, item->number ? "true" : "false");
        break;
    }
}

static int take_fact(void *opaque, const struct qbp_info_item *item)
{
    struct facts *f = opaque;

    f->seen++;
    if (f->stop) {
        return f->seen == f->stop ? STOP_VALUE : 0;
    }
    if (f->bad) {
        return 0;
    }
    f->bad = qbp_info_item_problem(item);
    if (!f->bad && !g_hash_table_add(f->names, g_strdup(item->key))) {
        f->bad = g_strdup_printf("the fact '%s' twice", item->key);
    }
    if (!f->bad) {
        show(f->shown, item);
    }
    return 0;
}

/* Lists once; false after reporting a failure. */
static bool list(struct qc_disk *d, struct facts *f)
{
    struct qbp_error *err = qbp_error_new();
    bool ok = false;
    int r;

    if (f->stop) {
        qc_step(d->ctx, "calling get_info with a callback that returns %d "
                "at the first fact", STOP_VALUE);
    } else {
        qc_step(d->ctx, "calling get_info");
    }
    f->seen = 0;
    r = d->t->get_info(d->handle, take_fact, f, err);
    if (r < 0) {
        g_autofree char *msg = qbp_error_take(err, NULL);
        qc_fail(d->ctx, "get_info failed: %s", msg);
    } else if (f->bad) {
        qc_fail(d->ctx, "get_info reported %s", f->bad);
    } else if (!f->stop && r != 0) {
        qc_fail(d->ctx, "get_info returned %d after a listing whose callback "
                "returned 0 for every fact: it returns 0", r);
    } else if (f->stop && (r != STOP_VALUE || f->seen != 1)) {
        qc_fail(d->ctx, "get_info returned %d and called the callback %u "
                "times when it returned %d at the first fact: it stops there "
                "and returns that value", r, f->seen, STOP_VALUE);
    } else {
        ok = true;
    }
    qbp_error_free(err);
    return ok;
}

void qc_check_info(struct qc_ctx *ctx)
{
    struct qc_disk *d;
    struct facts f = { 0 };
    unsigned n;

    if (!qc_env.t->get_info) {
        qc_skip(ctx, "the plugin has no get_info");
        return;
    }
    d = qc_disk_open(ctx, 0, NULL, 0);
    if (!d) {
        return;
    }
    f.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    f.shown = g_string_new(NULL);
    if (list(d, &f)) {
        n = f.seen;
        if (n == 0) {
            qc_pass(ctx, "get_info reported no fact");
        } else {
            f.stop = 1;
            if (list(d, &f)) {
                qc_pass(ctx, "get_info reported %u well-formed fact%s (%s); a "
                        "callback's return of %d stopped it and came back",
                        n, n == 1 ? "" : "s", f.shown->str, STOP_VALUE);
            }
        }
    }
    g_hash_table_destroy(f.names);
    g_string_free(f.shown, TRUE);
    g_free(f.bad);
    qc_disk_close(d);
}

#else

void qc_check_info(struct qc_ctx *ctx)
{
    qc_skip(ctx, "this qbp-check was built for an ABI without get_info");
}

#endif
