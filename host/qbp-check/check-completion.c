/*
 * check-completion.c: every request is completed exactly once, whether the
 * plugin completes inline or from threads of its own; a flush of a disk
 * nothing was written to included.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"

/* How long a second completion of a finished request has to show. */
#define GRACE_US 100000
#define SUBMIT_THREADS 4

static struct qc_req *mixed_req(struct qc_disk *d, unsigned i)
{
    uint64_t slots = MAX(1, MIN(16, (uint64_t)d->length / d->block));
    uint64_t off = (i % slots) * d->block;
    struct qc_req *r;

    if (d->writable && i % 3 == 1) {
        r = qc_req_new(d, QC_OP_WRITE, off, d->block, 0);
        if (r) {
            qc_req_fill(r, qc_gen_new());
        }
        return r;
    }
    if ((d->caps & QBP_CAP_FLUSH) && i % 3 == 2) {
        return qc_req_new(d, QC_OP_FLUSH, 0, 0, 0);
    }
    return qc_req_new(d, QC_OP_READ, off, d->block, 0);
}

void qc_check_completion(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    struct qc_req *batch[32];
    uint64_t n = 0;

    if (!d || !qc_disk_fits(d, d->block, "one request")) {
        if (d) {
            qc_disk_close(d);
        }
        return;
    }
    if (d->caps & QBP_CAP_FLUSH) {
        qc_step(ctx, "flushing a disk nothing was written to");
        if (!qc_io_flush(d)) {
            qc_disk_close(d);
            return;
        }
        n++;
    }
    qc_step(ctx, "sending 32 requests one at a time");
    for (unsigned i = 0; i < 32; i++, n++) {
        struct qc_req *r = mixed_req(d, i);
        if (!r || !qc_batch(d, &r, 1, 1)) {
            qc_disk_close(d);
            return;
        }
    }
    qc_step(ctx, "sending 32 requests at once from %d threads",
            SUBMIT_THREADS);
    for (unsigned i = 0; i < G_N_ELEMENTS(batch); i++, n++) {
        batch[i] = mixed_req(d, i);
    }
    qc_batch(d, batch, G_N_ELEMENTS(batch), SUBMIT_THREADS);
    qc_step(ctx, "waiting for stray completions");
    g_usleep(GRACE_US);
    qc_disk_close(d);
    if (d->n_foreign == 0) {
        qc_pass(ctx, "%" PRIu64 " reads, writes and flushes, each completed "
                "exactly once, all inline", n);
    } else {
        qc_pass(ctx, "%" PRIu64 " reads, writes and flushes, each completed "
                "exactly once: %" PRIu64 " inline, %" PRIu64 " from %u other "
                "thread%s", n, d->n_inline, d->n_foreign, d->n_threads,
                d->n_threads == 1 ? "" : "s");
    }
}

