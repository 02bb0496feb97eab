/*
 * io.c: one request at a time, for checks that read like a script.
 */
#include <inttypes.h>

#include "engine.h"

static bool one(struct qc_req *r)
{
    bool ok;

    if (!r) {
        return false;
    }
    ok = qc_batch(r->disk, &r, 1, 1);
    if (r->op != QC_OP_READ || !ok) {
        qc_req_release(r);
    }
    return ok;
}

bool qc_io_write(struct qc_disk *d, uint64_t offset, uint64_t length,
                 uint32_t gen, uint32_t flags)
{
    struct qc_req *r = qc_req_new(d, QC_OP_WRITE, offset, length, flags);

    if (r) {
        qc_req_fill(r, gen);
    }
    return one(r);
}

struct qc_req *qc_io_read(struct qc_disk *d, uint64_t offset, uint64_t length)
{
    struct qc_req *r = qc_req_new(d, QC_OP_READ, offset, length, 0);

    return one(r) ? r : NULL;
}

bool qc_io_flush(struct qc_disk *d)
{
    return one(qc_req_new(d, QC_OP_FLUSH, 0, 0, 0));
}

bool qc_io_discard(struct qc_disk *d, uint64_t offset, uint64_t length)
{
    return one(qc_req_new(d, QC_OP_DISCARD, offset, length, 0));
}

bool qc_io_write_zeroes(struct qc_disk *d, uint64_t offset, uint64_t length,
                        uint32_t flags)
{
    return one(qc_req_new(d, QC_OP_WRITE_ZEROES, offset, length, flags));
}

char *qc_verify(const struct qc_req *r, const struct qc_expect *exp,
                size_t n_exp)
{
    char *why = NULL;

    if (!qc_pattern_verify(r->buf, r->offset, (size_t)r->length, r->poison,
                           exp, n_exp, &why)) {
        return why;
    }
    return NULL;
}

/* The largest piece qc_io_read_expect and qc_io_fill send at once. */
static uint64_t piece(const struct qc_disk *d)
{
    uint64_t p = qc_round_down(1024 * 1024, d->unit);

    if (p == 0) {
        p = d->unit;
    }
    return d->max_transfer ? MIN(p, d->max_transfer) : p;
}

/* The expectations that overlap [off, +len), clipped to it. */
static GArray *clip(const struct qc_expect *exp, size_t n_exp, uint64_t off,
                    uint64_t len)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(struct qc_expect));

    for (size_t i = 0; i < n_exp; i++) {
        struct qc_expect e = exp[i];
        uint64_t start = MAX(e.offset, off);
        uint64_t end = MIN(e.offset + e.length, off + len);

        if (start >= end) {
            continue;
        }
        if (e.kind == QC_EXPECT_SAME) {
            e.same += start - e.offset;
        }
        e.offset = start;
        e.length = end - start;
        g_array_append_val(a, e);
    }
    return a;
}

char *qc_io_read_why(struct qc_disk *d, uint64_t offset, uint64_t length,
                     const struct qc_expect *exp, size_t n_exp, bool *io_ok)
{
    uint64_t step = piece(d);

    *io_ok = true;
    for (uint64_t at = offset; at < offset + length; at += step) {
        uint64_t len = MIN(step, offset + length - at);
        struct qc_req *r = qc_io_read(d, at, len);
        g_autoptr(GArray) part = NULL;
        char *why;

        if (!r) {
            *io_ok = false;
            return NULL;
        }
        part = clip(exp, n_exp, at, len);
        why = qc_verify(r, (struct qc_expect *)(void *)part->data, part->len);
        qc_req_release(r);
        if (why) {
            return why;
        }
    }
    return NULL;
}

bool qc_io_read_expect(struct qc_disk *d, uint64_t offset, uint64_t length,
                       const struct qc_expect *exp, size_t n_exp,
                       const char *context)
{
    bool io_ok;
    g_autofree char *why = qc_io_read_why(d, offset, length, exp, n_exp,
                                          &io_ok);

    if (why) {
        qc_fail(d->ctx, "%s: %s", context, why);
    }
    return io_ok && !why;
}

bool qc_io_read_bytes(struct qc_disk *d, uint64_t offset, uint64_t length,
                      GByteArray *out)
{
    uint64_t step = piece(d);

    for (uint64_t at = offset; at < offset + length; at += step) {
        uint64_t len = MIN(step, offset + length - at);
        struct qc_req *r = qc_io_read(d, at, len);

        if (!r) {
            return false;
        }
        g_byte_array_append(out, r->buf, (guint)len);
        qc_req_release(r);
    }
    return true;
}

bool qc_io_fill(struct qc_disk *d, uint64_t offset, uint64_t length,
                uint32_t gen)
{
    uint64_t step = piece(d);

    for (uint64_t at = offset; at < offset + length; at += step) {
        if (!qc_io_write(d, at, MIN(step, offset + length - at), gen, 0)) {
            return false;
        }
    }
    return true;
}
