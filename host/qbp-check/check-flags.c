/*
 * check-flags.c: flags the ABI does not define are refused, never ignored
 * and never read as a meaning of the plugin's own.  A later host may
 * define the next bit; a plugin that skipped it, or that keeps a private
 * flag in a high bit (skip the lock, remove the object), would do the wrong
 * thing silently.  Open fails with a message; a request is refused before
 * it changes anything.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"
#include "expect.h"

/*
 * The next bit a minor version would define, and the top bits, where
 * plugins tend to keep flags of their own.
 */
static const uint32_t undefined_bits[] = { 1u << 2, 1u << 30, 1u << 31 };

static bool open_refused(struct qc_ctx *ctx, uint32_t bit)
{
    const struct qbp_plugin *t = qc_env.t;
    struct qbp_error *err = qbp_error_new();
    g_autofree struct qbp_kv *kv = NULL;
    g_autofree char *msg = NULL;
    bool had_msg;
    size_t n;
    void *h;

    kv = qc_disk_options(NULL, 0, &n);
    qc_step(ctx, "opening with open flags 0x%" PRIx32, bit);
    h = t->open(kv, n, bit | (qc_env.cfg.read_only ? QBP_OPEN_READ_ONLY : 0),
                err);
    had_msg = qbp_error_is_set(err);
    msg = qbp_error_take(err, NULL);
    qbp_error_free(err);
    if (h) {
        qc_step(ctx, "closing the disk");
        t->close(h);
        qc_fail(ctx, "open with flags 0x%" PRIx32 " (a bit outside "
                "QBP_OPEN_MASK) returned a disk: a plugin refuses open flags "
                "it does not know, with -EINVAL and a message, since a host "
                "that sets one counts on its meaning", bit);
        return false;
    }
    if (!had_msg) {
        qc_fail(ctx, "open with flags 0x%" PRIx32 " failed without calling "
                "error_set: the user would only see '%s'", bit, msg);
        return false;
    }
    return true;
}

/* One request with an undefined bit; true when it was refused. */
static bool request_refused(struct qc_disk *d, enum qc_op op, uint64_t len,
                            uint32_t bit, uint32_t gen)
{
    struct qc_req *r = op == QC_OP_BLOCK_STATUS ?
                       qc_req_new_status(d, 0, len, 8) :
                       qc_req_new(d, op, 0, len, bit);
    g_autofree char *what = NULL;

    if (!r) {
        return false;
    }
    if (op == QC_OP_WRITE) {
        qc_req_fill(r, gen);
    }
    r->flags = bit;             /* qc_req_new_status made it 0 */
    qc_step(d->ctx, "submitting a %s with flags 0x%" PRIx32, qc_op_name(op),
            bit);
    if (!qc_submit(r)) {
        return true;
    }
    qc_wait(d, &r, 1);
    what = qc_req_describe(r);
    qc_fail(d->ctx, "%s with flags 0x%" PRIx32 " (a bit outside "
            "QBP_REQ_MASK%s) was accepted: a plugin refuses a request with a "
            "flag it does not know (%s returns -EINVAL), since a host that "
            "sets one counts on its meaning", what, bit,
            op == QC_OP_BLOCK_STATUS ? "; block status takes 0" : "",
            qc_submit_name(op));
    return false;
}

void qc_check_flags(struct qc_ctx *ctx)
{
    static const enum qc_op ops[] = {
        QC_OP_READ, QC_OP_WRITE, QC_OP_DISCARD, QC_OP_WRITE_ZEROES,
        QC_OP_BLOCK_STATUS,
    };
    struct qc_disk *d;
    g_autoptr(GArray) map = NULL;
    uint32_t gen = qc_gen_new();
    bool kept, ok = true;
    unsigned tried = 0;

    for (size_t b = 0; b < G_N_ELEMENTS(undefined_bits); b++) {
        ok = open_refused(ctx, undefined_bits[b]) && ok;
    }
    d = qc_disk_open(ctx, 0, NULL, 0);
    if (!d) {
        return;
    }
    kept = d->writable && qc_env.data == QC_DATA_KEPT;
    if (!qc_disk_fits(d, d->block, "the check") ||
        (kept && !qc_io_fill(d, 0, d->block, gen))) {
        qc_disk_close(d);
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        uint32_t cap = qc_op_cap(ops[i]);

        if ((d->caps & cap) != cap) {
            continue;
        }
        for (size_t b = 0; b < G_N_ELEMENTS(undefined_bits); b++) {
            ok = request_refused(d, ops[i], d->block, undefined_bits[b],
                                 qc_gen_new()) && ok;
            tried++;
        }
    }
    if (ok && kept) {
        map = qc_expect_map(0, d->block, QC_EXPECT_GEN, gen);
        ok = qc_io_read_expect(d, 0, d->block, qc_expect_data(map), map->len,
                               "after the refused requests");
    }
    qc_disk_close(d);
    if (ok) {
        qc_pass(ctx, "open with each of flags 0x4, 0x40000000 and 0x80000000 "
                "failed with a message; %u requests with them were refused%s",
                tried, kept ? ", and the data they would have changed reads "
                "back unchanged" : "");
    }
}
