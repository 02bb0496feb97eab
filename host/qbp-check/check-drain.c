/*
 * check-drain.c: close right after the last completion of a full queue,
 * as QEMU does once it drained a disk.  A plugin must cope (its threads may
 * still be returning from the completion calls), must not complete
 * anything after close, and must not touch a buffer once its request is
 * completed: the memory is the host's again.
 */
#include <inttypes.h>
#include <string.h>

#include "checks.h"
#include "engine.h"

#define DEPTH 128
#define STAMP 0x5c
/* How long a late write into a buffer has to show. */
#define GRACE_US 100000

static bool untouched(const struct qc_req *r)
{
    for (uint64_t i = 0; i < r->length; i++) {
        if (r->buf[i] != STAMP) {
            return false;
        }
    }
    return true;
}

void qc_check_drain_close(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    struct qc_req *reqs[DEPTH];
    unsigned n;
    gint64 t0, t1;

    if (!d) {
        return;
    }
    n = (unsigned)MIN(DEPTH, (uint64_t)d->length / d->block);
    if (n == 0) {
        qc_disk_fits(d, d->block, "one request");
        qc_disk_close(d);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        bool write = d->writable && i % 2;

        reqs[i] = qc_req_new(d, write ? QC_OP_WRITE : QC_OP_READ,
                             i * d->block, d->block, 0);
        if (reqs[i] && write) {
            qc_req_fill(reqs[i], qc_gen_new());
        }
    }
    qc_step(ctx, "sending %u requests at once", n);
    if (!qc_batch(d, reqs, n, 4)) {
        qc_disk_close(d);
        return;
    }
    /* The buffers are the host's again: stamp them and close at once. */
    for (unsigned i = 0; i < n; i++) {
        memset(reqs[i]->buf, STAMP, reqs[i]->length);
    }
    t0 = g_get_monotonic_time();
    qc_step(ctx, "closing right after the last completion");
    d->t->close(d->handle);
    t1 = g_get_monotonic_time();
    g_mutex_lock(&d->lock);
    d->closed = true;
    g_mutex_unlock(&d->lock);
    qc_step(ctx, "watching the buffers after close");
    g_usleep(GRACE_US);
    for (unsigned i = 0; i < n; i++) {
        if (!untouched(reqs[i])) {
            g_autofree char *what = qc_req_describe(reqs[i]);
            qc_fail(ctx, "%s: the plugin wrote into its buffer after "
                    "completing it; once the completion is called the iovecs "
                    "belong to the host", what);
            return;
        }
    }
    qc_pass(ctx, "%u requests in flight, close called right after the last "
            "completion: it returned in %.1f ms, and nothing touched a "
            "buffer or completed afterwards", n,
            (double)(t1 - t0) / 1000.0);
}
