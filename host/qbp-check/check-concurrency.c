/*
 * check-concurrency.c: queue depths 1 to 128, submitted from several
 * threads (one request at a time for a serializing thread model), every
 * block verified; then reads and writes mixed in one batch.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"

#define QC_MAX_DEPTH 128
#define SUBMIT_THREADS 4

/* n requests of one block each, from block 0 on. */
static bool round_of(struct qc_disk *d, enum qc_op op, unsigned n,
                     uint32_t gen, struct qc_req **reqs)
{
    for (unsigned i = 0; i < n; i++) {
        reqs[i] = qc_req_new(d, op, i * d->block, d->block, 0);
        if (!reqs[i]) {
            return false;
        }
        if (op == QC_OP_WRITE) {
            qc_req_fill(reqs[i], gen);
        }
    }
    return qc_batch(d, reqs, n, MIN(n, SUBMIT_THREADS));
}

static bool verify_round(struct qc_ctx *ctx, struct qc_req **reqs, unsigned n,
                         const struct qc_expect *tmpl, unsigned depth)
{
    for (unsigned i = 0; i < n; i++) {
        struct qc_expect e = *tmpl;
        g_autofree char *why = NULL;

        e.offset = reqs[i]->offset;
        e.length = reqs[i]->length;
        if (e.kind == QC_EXPECT_SAME) {
            e.same += reqs[i]->offset;
        }
        why = qc_verify(reqs[i], &e, 1);
        if (why) {
            g_autofree char *what = qc_req_describe(reqs[i]);
            qc_fail(ctx, "at queue depth %u, %s: %s", depth, what, why);
            return false;
        }
        qc_req_release(reqs[i]);
    }
    return true;
}

static bool one_depth(struct qc_ctx *ctx, struct qc_disk *d, unsigned depth,
                      const uint8_t *baseline)
{
    struct qc_req *reqs[QC_MAX_DEPTH];
    uint32_t gen = qc_gen_new();
    struct qc_expect e = { 0, 0, QC_EXPECT_GEN, gen, NULL };

    qc_step(ctx, "running at queue depth %u", depth);
    if (!d->writable) {
        e.kind = QC_EXPECT_SAME;
        e.same = baseline;
    } else if (qc_env.data == QC_DATA_NONE) {
        e.kind = QC_EXPECT_ZERO;
    }
    if (d->writable && !round_of(d, QC_OP_WRITE, depth, gen, reqs)) {
        return false;
    }
    return round_of(d, QC_OP_READ, depth, 0, reqs) &&
           verify_round(ctx, reqs, depth, &e, depth);
}

/* Half the blocks read back while the other half is being written. */
static bool mixed_depth(struct qc_ctx *ctx, struct qc_disk *d, unsigned depth)
{
    struct qc_req *reqs[QC_MAX_DEPTH], *reads[QC_MAX_DEPTH];
    uint32_t old = qc_gen_new(), fresh = qc_gen_new();
    struct qc_expect e = { 0, 0, qc_env.data == QC_DATA_NONE ?
                           QC_EXPECT_ZERO : QC_EXPECT_GEN, old, NULL };
    unsigned n_reads = 0;

    qc_step(ctx, "mixing reads and writes at queue depth %u", depth);
    if (!round_of(d, QC_OP_WRITE, depth, old, reqs)) {
        return false;
    }
    for (unsigned i = 0; i < depth; i++) {
        reqs[i] = qc_req_new(d, i % 2 ? QC_OP_WRITE : QC_OP_READ,
                             i * d->block, d->block, 0);
        if (!reqs[i]) {
            return false;
        }
        if (i % 2) {
            qc_req_fill(reqs[i], fresh);
        } else {
            reads[n_reads++] = reqs[i];
        }
    }
    return qc_batch(d, reqs, depth, SUBMIT_THREADS) &&
           verify_round(ctx, reads, n_reads, &e, depth);
}

void qc_check_concurrency(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    g_autoptr(GByteArray) baseline = g_byte_array_new();
    unsigned top = 1, deepest = 1;

    if (!d) {
        return;
    }
    while (top * 2 <= QC_MAX_DEPTH &&
           (top * 2) * d->block <= (uint64_t)d->length) {
        top *= 2;
    }
    if (!qc_disk_fits(d, d->block, "one request") ||
        (!d->writable && !qc_io_read_bytes(d, 0, top * d->block, baseline))) {
        qc_disk_close(d);
        return;
    }
    if (d->serialized) {
        qc_note(ctx, "thread model %s: one request in flight at a time",
                qc_thread_model_name(qc_env.t->thread_model));
    }
    for (unsigned depth = 1; depth <= top; depth *= 2) {
        if (!one_depth(ctx, d, depth, baseline->data)) {
            qc_disk_close(d);
            return;
        }
        deepest = depth;
    }
    if (d->writable && top >= 2 && !mixed_depth(ctx, d, top)) {
        qc_disk_close(d);
        return;
    }
    qc_disk_close(d);
    qc_pass(ctx, "queue depths 1 to %u, %s: every block read back %s",
            deepest, d->serialized ? "submitted one at a time, as the "
            "thread model asks" : "from up to 4 threads",
            !d->writable ? "the same as a first read" :
            qc_env.data == QC_DATA_NONE ? "as zeroes" : "as written");
}

