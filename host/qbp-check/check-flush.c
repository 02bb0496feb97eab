/*
 * check-flush.c: writes acknowledged before a flush, and FUA writes, are
 * there after the disk is closed and opened again.  Without aio_flush a
 * plugin promises that every completed write is durable: then the writes
 * alone must survive the reopen.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"

struct plan {
    uint64_t span;              /* each region */
    uint32_t before;            /* completed before the flush */
    uint32_t during;            /* submitted with the flush */
    uint32_t fua;
    bool flushed;
    bool with_fua;
};

/* Writes: one completed, then a flush with another write in flight. */
static bool write_and_flush(struct qc_disk *d, struct plan *p)
{
    struct qc_req *pair[2];

    p->before = qc_gen_new();
    p->during = qc_gen_new();
    p->fua = qc_gen_new();
    qc_step(d->ctx, "writing, then flushing with another write in flight");
    if (!qc_io_write(d, 0, p->span, p->before, 0)) {
        return false;
    }
    p->flushed = (d->caps & QBP_CAP_FLUSH) != 0;
    if (p->flushed) {
        pair[0] = qc_req_new(d, QC_OP_FLUSH, 0, 0, 0);
        pair[1] = qc_req_new(d, QC_OP_WRITE, p->span, p->span, 0);
        if (pair[1]) {
            qc_req_fill(pair[1], p->during);
        }
        if (!qc_batch(d, pair, 2, 2)) {
            return false;
        }
    }
    p->with_fua = (d->caps & QBP_CAP_FUA) != 0;
    if (p->with_fua) {
        qc_step(d->ctx, "writing with FUA");
        return qc_io_write(d, 2 * p->span, p->span, p->fua, QBP_REQ_FUA);
    }
    return true;
}

static bool read_back(struct qc_disk *d, const struct plan *p,
                      const char *when)
{
    struct qc_expect first = { 0, p->span, QC_EXPECT_GEN, p->before, NULL };
    struct qc_expect fua = { 2 * p->span, p->span, QC_EXPECT_GEN, p->fua,
                             NULL };
    g_autofree char *c1 = g_strdup_printf("a write completed before %s, read "
                                          "%s", p->flushed ? "a flush" :
                                          "close (no flush is declared, so "
                                          "completed writes are durable)",
                                          when);
    g_autofree char *c2 = g_strdup_printf("a FUA write, read %s", when);

    qc_step(d->ctx, "reading back %s", when);
    return qc_io_read_expect(d, 0, p->span, &first, 1, c1) &&
           (!p->with_fua ||
            qc_io_read_expect(d, 2 * p->span, p->span, &fua, 1, c2));
}

void qc_check_flush(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    struct plan p = { 0 };

    if (!d) {
        return;
    }
    p.span = 4 * d->block;
    if (!d->writable) {
        qc_skip(ctx, "the disk is read-only");
    } else if (qc_env.data == QC_DATA_NONE) {
        qc_skip(ctx, "the disk keeps no data, so nothing can be read back "
                "after a flush");
    } else if (qc_disk_fits(d, 3 * p.span, "the flush check") &&
               write_and_flush(d, &p)) {
        if (qc_env.cfg.forgets_on_close) {
            read_back(d, &p, "before close (--volatile)");
        } else {
            d = qc_disk_close(d) ? qc_disk_open(ctx, 0, NULL, 0) : NULL;
            if (d && !read_back(d, &p, "after close and open")) {
                qc_note(ctx, "a disk that forgets its data when it is closed, "
                        "by design, passes with --volatile");
            }
        }
        qc_pass(ctx, "%s%s read back %s", p.flushed ?
                "a write completed before a flush" :
                "a completed write (no flush declared: writes are durable "
                "when they complete)", p.with_fua ? " and a FUA write" : "",
                qc_env.cfg.forgets_on_close ? "before close (--volatile)" :
                "after close and open");
    }
    if (d) {
        qc_disk_close(d);
    }
}
