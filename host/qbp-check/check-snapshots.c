/*
 * check-snapshots.c: internal snapshots (ABI 1.1), when a disk declares
 * them.  One snapshot goes through its whole life: created over known
 * data, listed with a well-formed entry, reverted to after the data
 * changed (the old data is back), deleted (no longer listed).
 */
#include <inttypes.h>
#include <string.h>

#include "checks.h"
#include "engine.h"

#ifdef QBP_CAP_SNAPSHOTS

struct listing {
    const char *want;
    unsigned seen;
    char *id;                   /* of the snapshot named want */
    uint64_t size;
    char *bad;                  /* what was wrong with an entry */
};

static int take_entry(void *opaque, const struct qbp_snapshot *s)
{
    struct listing *l = opaque;
    size_t need = offsetof(struct qbp_snapshot, date_sec) + sizeof(s->date_sec);

    l->seen++;
    if (l->bad) {
        return 0;
    }
    if (s->hdr.struct_size < need || s->hdr.abi_major != QBP_ABI_MAJOR) {
        l->bad = g_strdup_printf("an entry has struct_size %u and ABI major "
                                 "%u: fill it with sizeof(struct "
                                 "qbp_snapshot) and QBP_ABI_MAJOR",
                                 (unsigned)s->hdr.struct_size,
                                 (unsigned)s->hdr.abi_major);
    } else if (!s->id || !*s->id || !s->name) {
        l->bad = g_strdup("an entry has no id or no name");
    } else if (s->reserved0) {
        l->bad = g_strdup_printf("the entry of '%s' has reserved0 0x%x, not "
                                 "0", s->name, (unsigned)s->reserved0);
    } else if (strcmp(s->name, l->want) == 0) {
        l->id = g_strdup(s->id);
        l->size = s->size;
    }
    return 0;
}

/* Lists; false after reporting a failure. */
static bool list(struct qc_disk *d, struct listing *l)
{
    struct qbp_error *err = qbp_error_new();
    int r;

    qc_step(d->ctx, "listing snapshots");
    g_clear_pointer(&l->id, g_free);
    r = d->t->snapshot_list(d->handle, take_entry, l, err);
    if (r < 0) {
        g_autofree char *msg = qbp_error_take(err, NULL);
        qc_fail(d->ctx, "snapshot_list failed: %s", msg);
    } else if (l->bad) {
        qc_fail(d->ctx, "snapshot_list: %s", l->bad);
    }
    qbp_error_free(err);
    return r >= 0 && !l->bad;
}

/* A blocking call's result: false after reporting a failure. */
static bool blocking(struct qc_disk *d, int r, struct qbp_error *err,
                     const char *what)
{
    if (r < 0) {
        g_autofree char *msg = qbp_error_take(err, NULL);
        qc_fail(d->ctx, "%s failed: %s", what, msg);
    }
    qbp_error_free(err);
    return r >= 0;
}

static bool create_listed(struct qc_disk *d, struct listing *l)
{
    g_autofree char *what = g_strdup_printf("snapshot_create of '%s'", l->want);
    struct qbp_error *err = qbp_error_new();

    qc_step(d->ctx, "creating snapshot '%s'", l->want);
    if (!blocking(d, d->t->snapshot_create(d->handle, l->want, err), err,
                  what) || !list(d, l)) {
        return false;
    }
    if (!l->id) {
        qc_fail(d->ctx, "snapshot_list does not report the snapshot '%s' "
                "just created", l->want);
        return false;
    }
    if (l->size != (uint64_t)d->length) {
        qc_fail(d->ctx, "snapshot_list reports a size of %" PRIu64 " for "
                "'%s', taken of a disk of %" PRId64 " bytes", l->size,
                l->want, d->length);
        return false;
    }
    return true;
}

static bool revert_and_delete(struct qc_disk *d, struct listing *l,
                              uint64_t span, uint32_t before)
{
    struct qc_expect e = { 0, span, QC_EXPECT_GEN, before, NULL };
    g_autofree char *what = g_strdup_printf("snapshot_revert to '%s'", l->id);
    g_autofree char *ctx = g_strdup_printf("after snapshot_revert to '%s'",
                                           l->want);
    g_autofree char *del = g_strdup_printf("snapshot_delete of '%s'", l->id);
    struct qbp_error *err = qbp_error_new();
    int64_t length;

    qc_step(d->ctx, "reverting to snapshot '%s'", l->want);
    if (!blocking(d, d->t->snapshot_revert(d->handle, l->id, err), err,
                  what)) {
        return false;
    }
    length = d->t->get_length(d->handle);
    if (length != d->length) {
        qc_fail(d->ctx, "after snapshot_revert, get_length says %" PRId64
                ", the snapshot's size is %" PRId64, length, d->length);
        return false;
    }
    if (qc_env.data != QC_DATA_NONE &&
        !qc_io_read_expect(d, 0, span, &e, 1, ctx)) {
        return false;
    }
    qc_step(d->ctx, "deleting snapshot '%s'", l->want);
    err = qbp_error_new();
    if (!blocking(d, d->t->snapshot_delete(d->handle, l->id, NULL, err), err,
                  del) || !list(d, l)) {
        return false;
    }
    if (l->id) {
        qc_fail(d->ctx, "snapshot '%s' is still listed after snapshot_delete",
                l->want);
        return false;
    }
    return true;
}

void qc_check_snapshots(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    g_autofree char *name = g_strdup_printf("qbp-check-%u",
                                            (unsigned)qc_env.cfg.seed);
    struct listing l = { .want = name };
    uint32_t before = qc_gen_new();
    uint64_t span;

    if (!d) {
        return;
    }
    span = 4 * d->block;
    if (!(d->caps & QBP_CAP_SNAPSHOTS)) {
        qc_skip(ctx, "the disk does not declare snapshots");
    } else if (qc_disk_fits(d, span, "the check") &&
               qc_io_write(d, 0, span, before, 0) && create_listed(d, &l) &&
               qc_io_write(d, 0, span, qc_gen_new(), 0) &&
               revert_and_delete(d, &l, span, before)) {
        qc_pass(ctx, "a snapshot created, listed (%u entr%s), reverted to "
                "(its data came back) and deleted", l.seen,
                l.seen == 1 ? "y" : "ies");
    }
    g_free(l.id);
    g_free(l.bad);
    qc_disk_close(d);
}

#else

void qc_check_snapshots(struct qc_ctx *ctx)
{
    qc_skip(ctx, "this qbp-check was built for an ABI without snapshots");
}

#endif
