/*
 * check-transfer.c: the largest requests a plugin takes.  A request of
 * exactly max_transfer (or, without one, a few MiB), and one with more
 * iovecs than the kernel's IOV_MAX, which a plugin passing iovecs straight
 * to preadv must split.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"

/* Tried without a declared max_transfer. */
#define UNDECLARED_TRY (4 * 1024 * 1024)
/* Never more, whatever is declared: qbp-check must stay quick. */
#define LARGEST_TRY (64 * 1024 * 1024)
/* IOV_MAX is 1024 on Linux. */
#define MANY_IOVECS 1030

/* Writes (when it can) and reads one request of len bytes in n iovecs. */
static bool one_large(struct qc_disk *d, uint64_t len, int n)
{
    bool kept = qc_env.data != QC_DATA_NONE;
    uint32_t gen = qc_gen_new();
    struct qc_expect e = { 0, len, kept ? QC_EXPECT_GEN : QC_EXPECT_ZERO,
                           gen, NULL };
    struct qc_req *w, *r;
    g_autofree char *why = NULL;
    g_autofree char *what = NULL;

    if (d->writable) {
        w = qc_req_new_iov(d, QC_OP_WRITE, 0, len, n);
        if (!w) {
            return false;
        }
        qc_req_fill(w, gen);
        if (!qc_batch(d, &w, 1, 1)) {
            return false;
        }
        qc_req_release(w);
    }
    r = qc_req_new_iov(d, QC_OP_READ, 0, len, n);
    if (!r || !qc_batch(d, &r, 1, 1)) {
        return false;
    }
    what = qc_req_describe(r);
    why = d->writable ? qc_verify(r, &e, 1) : NULL;
    qc_req_release(r);
    if (why) {
        qc_fail(d->ctx, "%s after a write of the same: %s", what, why);
        return false;
    }
    return true;
}

void qc_check_max_transfer(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    uint64_t len, g, many_len;
    int many;

    if (!d) {
        return;
    }
    len = d->max_transfer ? d->max_transfer : UNDECLARED_TRY;
    len = qc_round_down(MIN(MIN(len, LARGEST_TRY), (uint64_t)d->length),
                        d->unit);
    if (len == 0) {
        qc_disk_fits(d, d->unit, "one request");
        qc_disk_close(d);
        return;
    }
    qc_step(ctx, "sending a request of %" PRIu64 " bytes", len);
    if (!one_large(d, len, 16)) {
        qc_disk_close(d);
        return;
    }
    /* Each iovec a multiple of the memory alignment; 7 bytes without one. */
    g = d->mem_align ? d->mem_align : 7;
    many = MANY_IOVECS;
    many_len = qc_round_up(many * g, d->unit);
    while (many > 1 && many_len > len) {
        many /= 2;
        many_len = qc_round_up(many * g, d->unit);
    }
    qc_step(ctx, "sending a request of %" PRIu64 " bytes in %d iovecs",
            many_len, many);
    if (many > 1 && !one_large(d, many_len, many)) {
        qc_disk_close(d);
        return;
    }
    qc_disk_close(d);
    qc_pass(ctx, "a request of %" PRIu64 " bytes (%s) in 16 iovecs and one "
            "in %d iovecs %s", len,
            d->max_transfer ? "max_transfer" : "no max_transfer declared",
            many, !d->writable ? "read" : qc_env.data == QC_DATA_NONE ?
            "read back as zeroes" : "read back as written");
}
