/*
 * engine.c: submitting requests, tracking their completions, waiting for
 * them; the fault of a second, late or unasked-for completion is reported
 * the moment it happens.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ctx.h"
#include "engine.h"

static void note_thread(struct qc_disk *d, bool is_inline)
{
    pthread_t self = pthread_self();

    if (is_inline) {
        d->n_inline++;
        return;
    }
    d->n_foreign++;
    for (unsigned i = 0; i < d->n_threads; i++) {
        if (pthread_equal(d->threads[i], self)) {
            return;
        }
    }
    if (d->n_threads < QC_MAX_THREADS) {
        d->threads[d->n_threads++] = self;
    }
}

/* The completion every request is submitted with. */
static void complete(void *opaque, int64_t result)
{
    struct qc_req *r = opaque;
    struct qc_disk *d = r->disk;
    bool closed, refused, twice, after_close;
    int64_t first;
    int n;

    /* Counted under the lock: a waiter seeing the count sees the result. */
    g_mutex_lock(&d->lock);
    n = atomic_fetch_add(&r->calls, 1) + 1;
    if (n == 1) {
        r->result = result;
        r->was_inline = atomic_load(&r->in_submit) &&
                        pthread_equal(pthread_self(), r->submitter);
        note_thread(d, r->was_inline);
        d->completed++;
    }
    first = r->result;
    closed = d->closed;
    refused = r->submit_done && !r->accepted;
    twice = n == 2 && d->n_twice++ == 0;
    after_close = closed && d->n_after_close++ == 0;
    g_cond_broadcast(&d->cond);
    g_mutex_unlock(&d->lock);

    if (n > 1 || closed) {
        /* More may come, after the check: keep the memory they touch. */
        qc_ctx_unsafe(d->ctx);
    }
    if (twice || after_close || (refused && n == 1)) {
        g_autofree char *what = qc_req_describe(r);
        g_autofree char *r1 = qc_result_text(first);
        g_autofree char *r2 = qc_result_text(result);

        if (twice) {
            qc_fail_root(d->ctx, "%s was completed twice (with %s, then "
                         "with %s): a plugin calls the completion exactly "
                         "once per accepted request", what, r1, r2);
        }
        if (after_close) {
            qc_fail_root(d->ctx, "%s was completed after close returned: "
                         "after close no completion may come", what);
        }
        if (refused && n == 1) {
            qc_fail_root(d->ctx, "%s was refused (%s returned %d) and yet "
                         "completed: a refused request is never completed",
                         what, qc_submit_name(r->op), r->submit_ret);
        }
    }
    qc_ctx_heartbeat(d->ctx);
}

static int call_plugin(struct qc_req *r)
{
    const struct qbp_plugin *t = r->disk->t;
    void *h = r->disk->handle;

    switch (r->op) {
    case QC_OP_READ:
        return t->aio_readv(h, r->offset, r->iov, r->iovcnt, r->flags,
                            complete, r);
    case QC_OP_WRITE:
        return t->aio_writev(h, r->offset, r->iov, r->iovcnt, r->flags,
                             complete, r);
    case QC_OP_FLUSH:
        return t->aio_flush(h, complete, r);
    case QC_OP_DISCARD:
        return t->aio_discard(h, r->offset, r->length, r->flags, complete, r);
    case QC_OP_WRITE_ZEROES:
        return t->aio_write_zeroes(h, r->offset, r->length, r->flags,
                                   complete, r);
    case QC_OP_BLOCK_STATUS:
#ifdef QBP_CAP_BLOCK_STATUS
        return t->aio_block_status(h, r->offset, r->length, r->flags,
                                   r->extents, r->max_extents, complete, r);
#else
        break;
#endif
    }
    return -EINVAL;
}

bool qc_submit(struct qc_req *r)
{
    struct qc_disk *d = r->disk;
    gint64 took;
    int calls;
    int ret;


    r->submitter = pthread_self();
    atomic_store(&r->in_submit, true);
    took = g_get_monotonic_time();
    ret = call_plugin(r);
    took = g_get_monotonic_time() - took;
    atomic_store(&r->in_submit, false);
    if (took >= QC_SLOW_SUBMIT_MS * 1000) {
        g_autofree char *what = qc_req_describe(r);
        qc_ctx_slow_submit(d->ctx, took / 1000, qc_submit_name(r->op), what);
    } else {
        qc_ctx_fast_submit(d->ctx);
    }

    g_mutex_lock(&d->lock);
    r->submit_ret = ret;
    r->submit_done = true;
    r->accepted = ret == 0;
    if (r->accepted) {
        d->accepted++;
    }
    calls = atomic_load(&r->calls);
    g_mutex_unlock(&d->lock);

    if (ret != 0 && calls > 0) {
        g_autofree char *what = qc_req_describe(r);
        qc_fail_root(d->ctx, "%s was refused (%s returned %d) and yet "
                     "completed: a refused request is never completed", what,
                     qc_submit_name(r->op), ret);
    }
    return r->accepted;
}

static struct qc_req *first_pending(struct qc_req **reqs, size_t n,
                                    size_t *pending)
{
    struct qc_req *first = NULL;

    *pending = 0;
    for (size_t i = 0; i < n; i++) {
        if (reqs[i] && reqs[i]->accepted && atomic_load(&reqs[i]->calls) == 0) {
            first = first ? first : reqs[i];
            (*pending)++;
        }
    }
    return first;
}

bool qc_wait(struct qc_disk *d, struct qc_req **reqs, size_t n)
{
    gint64 patience = (gint64)qc_env.cfg.timeout_s * G_USEC_PER_SEC;
    gint64 deadline = g_get_monotonic_time() + patience;
    g_autofree char *what = NULL;
    g_autofree char *others = NULL;
    struct qc_req *late;
    uint64_t seen;
    size_t pending;

    g_mutex_lock(&d->lock);
    seen = d->completed;
    while ((late = first_pending(reqs, n, &pending))) {
        if (!g_cond_wait_until(&d->cond, &d->lock, deadline) &&
            d->completed == seen) {
            break;
        }
        if (d->completed != seen) {
            /* Progress: the patience is per completion, not per batch. */
            seen = d->completed;
            deadline = g_get_monotonic_time() + patience;
        }
        g_mutex_unlock(&d->lock);
        qc_ctx_heartbeat(d->ctx);
        g_mutex_lock(&d->lock);
    }
    if (!late) {
        g_mutex_unlock(&d->lock);
        return true;
    }
    /* The plugin may still complete it: never close or free under it. */
    d->abandoned = true;
    g_mutex_unlock(&d->lock);
    qc_ctx_unsafe(d->ctx);
    what = qc_req_describe(late);
    others = pending > 1 ? g_strdup_printf(" (%zu requests still waiting)",
                                           pending) : g_strdup("");
    qc_fail_root(d->ctx, "%s was accepted (%s returned 0) but never "
                 "completed: nothing came for %u s%s; every accepted request "
                 "must be completed exactly once", what,
                 qc_submit_name(late->op), qc_env.cfg.timeout_s, others);
    return false;
}

/* One of the threads submitting a batch: every stride-th request. */
struct submitter {
    struct qc_req **reqs;
    size_t n;
    unsigned first;
    unsigned stride;
};

static gpointer submit_share(gpointer opaque)
{
    const struct submitter *s = opaque;

    for (size_t i = s->first; i < s->n; i += s->stride) {
        qc_submit(s->reqs[i]);
    }
    return NULL;
}

static bool submit_all(struct qc_disk *d, struct qc_req **reqs, size_t n,
                       unsigned threads)
{
    GThread *th[16];
    struct submitter s[16];

    if (d->serialized) {
        /* One in flight: what SERIALIZE_* promises the plugin. */
        for (size_t i = 0; i < n; i++) {
            if (qc_submit(reqs[i]) && !qc_wait(d, &reqs[i], 1)) {
                return false;
            }
        }
        return true;
    }
    threads = CLAMP(threads, 1, G_N_ELEMENTS(th));
    if (threads == 1 || n == 1) {
        for (size_t i = 0; i < n; i++) {
            qc_submit(reqs[i]);
        }
        return true;
    }
    for (unsigned i = 0; i < threads; i++) {
        s[i] = (struct submitter){ reqs, n, i, threads };
        th[i] = g_thread_new("qbp-check-submit", submit_share, &s[i]);
    }
    for (unsigned i = 0; i < threads; i++) {
        g_thread_join(th[i]);
    }
    return true;
}

bool qc_batch(struct qc_disk *d, struct qc_req **reqs, size_t n,
              unsigned threads)
{
    bool ok = true;

    for (size_t i = 0; i < n; i++) {
        if (!reqs[i]) {
            return false;
        }
    }
    if (!submit_all(d, reqs, n, threads) || !qc_wait(d, reqs, n)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        /* The first fault is the headline; the rest would repeat it. */
        if (!qc_req_check(reqs[i], false)) {
            ok = false;
            break;
        }
    }
    return ok;
}
