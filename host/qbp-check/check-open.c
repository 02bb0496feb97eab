/*
 * check-open.c: opening and closing, again and again, read-only, two at
 * once; and opens that fail, which must say why.
 */
#include <inttypes.h>
#include <string.h>

#include "checks.h"
#include "engine.h"

/* Enough cycles that a leak of one descriptor per cycle stands out. */
#define CYCLES 8

/* Entries of a /proc/self directory: open descriptors, or threads. */
static unsigned count_entries(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    unsigned n = 0;

    if (!d) {
        return 0;
    }
    while (g_dir_read_name(d)) {
        n++;
    }
    g_dir_close(d);
    return n;
}

static bool same_declarations(struct qc_ctx *ctx, const struct qc_disk *a,
                              const struct qc_disk *b, unsigned cycle)
{
    if (a->length != b->length || a->caps != b->caps ||
        memcmp(&a->limits, &b->limits, sizeof(a->limits)) != 0) {
        g_autofree char *ca = qc_caps_text(a->caps);
        g_autofree char *cb = qc_caps_text(b->caps);
        qc_fail(ctx, "open #%u of the same disk declares something else: "
                "length %" PRId64 " then %" PRId64 ", capabilities '%s' then "
                "'%s', or different limits", cycle, a->length, b->length, ca,
                cb);
        return false;
    }
    return true;
}

static void check_leaks(struct qc_ctx *ctx, unsigned fds0, unsigned threads0,
                        const char *what)
{
    unsigned fds = count_entries("/proc/self/fd");
    unsigned threads = count_entries("/proc/self/task");

    if (fds >= fds0 + CYCLES) {
        qc_fail(ctx, "%s leaks file descriptors: %u more are open after %d "
                "cycles", what, fds - fds0, CYCLES);
    }
    if (threads >= threads0 + CYCLES) {
        qc_fail(ctx, "%s leaks threads: %u more are running after %d "
                "cycles", what, threads - threads0, CYCLES);
    }
}

/* A read-only open reads, and declares nothing a read-only disk lacks. */
static void check_read_only(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, QBP_OPEN_READ_ONLY, NULL, 0);
    struct qc_req *r;

    if (!d) {
        return;
    }
    qc_step(ctx, "reading from a read-only open");
    if (d->length >= (int64_t)d->block) {
        r = qc_io_read(d, 0, d->block);
        if (r) {
            qc_req_release(r);
        }
    }
    qc_disk_close(d);
}

static void check_two_at_once(struct qc_ctx *ctx)
{
    struct qc_disk *a = qc_disk_open(ctx, 0, NULL, 0);
    struct qc_disk *b = a ? qc_disk_open(ctx, 0, NULL, 0) : NULL;

    if (b) {
        same_declarations(ctx, a, b, 2);
        qc_disk_close(b);
    }
    if (a) {
        qc_disk_close(a);
    }
}

void qc_check_open_close(struct qc_ctx *ctx)
{
    const struct qbp_plugin *t = qc_env.t;
    struct qc_disk *first = qc_disk_open(ctx, 0, NULL, 0);
    unsigned fds0, threads0;
    int64_t again;

    if (!first) {
        return;
    }
    again = t->get_length(first->handle);
    if (again != first->length) {
        qc_fail(ctx, "get_length returned %" PRId64 ", then %" PRId64 " on a "
                "disk nothing happened to", first->length, again);
    }
    qc_disk_close(first);
    fds0 = count_entries("/proc/self/fd");
    threads0 = count_entries("/proc/self/task");
    for (unsigned i = 2; i < CYCLES + 2 && !qc_has_failed(ctx); i++) {
        struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);

        if (!d) {
            return;
        }
        same_declarations(ctx, first, d, i);
        qc_disk_close(d);
    }
    check_leaks(ctx, fds0, threads0, "every open and close");
    if (!qc_env.cfg.read_only) {
        check_read_only(ctx);
    }
    check_two_at_once(ctx);
    qc_pass(ctx, "%d opens and closes, a read-only one and two at once: "
            "get_length %" PRId64 " bytes, the same every time, and no file "
            "descriptor or thread leaked", CYCLES + 1, first->length);
}

/* ---- opens that fail ---- */

/* A value the option's open cannot succeed with, if the plugin checks. */
static char *spoil(const struct qbp_option *o, const char *value)
{
    if (o->type == QBP_OPT_NUMBER || o->type == QBP_OPT_SIZE) {
        return g_strdup("18446744073709551615");
    }
    if (o->type != QBP_OPT_STRING) {
        return NULL;
    }
    if (strchr(value, '/')) {
        g_autofree char *base = g_path_get_basename(value);
        return g_strdup_printf("/nonexistent-qbp-check/%s", base);
    }
    return g_strdup_printf("qbp-check-nonexistent-%s", value);
}

struct failed_open {
    unsigned tried;
    unsigned failed;
    char *example;          /* the first message */
    const struct qbp_kv *culprit;
    char *culprit_value;
};

/* One open with key=bad; false when it broke a rule. */
static bool try_open(struct qc_ctx *ctx, const struct qbp_kv *kv,
                     const char *bad, struct failed_open *f, bool quiet)
{
    const struct qbp_plugin *t = qc_env.t;
    struct qbp_kv extra = { kv->key, bad };
    g_autofree struct qbp_kv *all = NULL;
    struct qbp_error *err = qbp_error_new();
    g_autofree char *msg = NULL;
    bool had_msg;
    size_t n;
    void *h;
    int e;

    all = qc_disk_options(&extra, 1, &n);
    qc_step(ctx, "opening with %s=%s", kv->key, bad);
    h = t->open(all, n, 0, err);
    had_msg = qbp_error_is_set(err);
    msg = qbp_error_take(err, &e);
    qbp_error_free(err);
    f->tried++;
    if (h) {
        if (!quiet) {
            qc_note(ctx, "open accepted %s=%s", kv->key, bad);
        }
        qc_step(ctx, "closing the disk");
        t->close(h);
        return true;
    }
    if (!had_msg) {
        qc_fail(ctx, "open with %s=%s returned NULL without calling "
                "error_set: the user would only see '%s'", kv->key, bad, msg);
        return false;
    }
    f->failed++;
    if (!quiet) {
        qc_note(ctx, "open with %s=%s failed: '%s' (%d)", kv->key, bad, msg,
                e);
    }
    if (!f->example) {
        f->example = g_strdup_printf("'%s' (%d)", msg, e);
        f->culprit = kv;
        f->culprit_value = g_strdup(bad);
    }
    return true;
}

static void check_failed_open_leaks(struct qc_ctx *ctx, struct failed_open *f)
{
    unsigned fds0 = count_entries("/proc/self/fd");
    unsigned threads0 = count_entries("/proc/self/task");
    struct failed_open again = { 0 };

    for (int i = 0; i < CYCLES; i++) {
        try_open(ctx, f->culprit, f->culprit_value, &again, true);
    }
    check_leaks(ctx, fds0, threads0, "every failed open");
    g_free(again.example);
    g_free(again.culprit_value);
}

void qc_check_open_fails(struct qc_ctx *ctx)
{
    const struct qc_config *cfg = &qc_env.cfg;
    struct failed_open f = { 0 };

    for (size_t i = 0; i < cfg->n_options; i++) {
        const struct qbp_option *o = qbp_options_find(qc_env.t,
                                                      cfg->options[i].key);
        g_autofree char *bad = o ? spoil(o, cfg->options[i].value) : NULL;

        if (bad && !try_open(ctx, &cfg->options[i], bad, &f, false)) {
            return;
        }
    }
    if (f.failed == 0) {
        qc_skip(ctx, "no open failed: %s", f.tried ?
                "the plugin accepted every spoiled option" :
                "no option was given whose value could be spoiled (a path, a "
                "name or a number the open depends on)");
        return;
    }
    check_failed_open_leaks(ctx, &f);
    qc_pass(ctx, "opens with a spoiled option: %u of %u failed, each with a "
            "message, e.g. %s; no descriptor or thread leaked", f.failed,
            f.tried, f.example);
    g_free(f.example);
    g_free(f.culprit_value);
}
