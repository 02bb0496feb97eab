/*
 * req.c: requests as a host builds them: buffers split into iovecs,
 * aligned as the plugin asks (or deliberately not at all), and never one a
 * host must not send.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static const char *const op_names[] = {
    [QC_OP_READ] = "read",
    [QC_OP_WRITE] = "write",
    [QC_OP_FLUSH] = "flush",
    [QC_OP_DISCARD] = "discard",
    [QC_OP_WRITE_ZEROES] = "write-zeroes",
    [QC_OP_BLOCK_STATUS] = "block status",
};

static const char *const submit_names[] = {
    [QC_OP_READ] = "aio_readv",
    [QC_OP_WRITE] = "aio_writev",
    [QC_OP_FLUSH] = "aio_flush",
    [QC_OP_DISCARD] = "aio_discard",
    [QC_OP_WRITE_ZEROES] = "aio_write_zeroes",
    [QC_OP_BLOCK_STATUS] = "aio_block_status",
};

static bool has_data(enum qc_op op)
{
    return op == QC_OP_READ || op == QC_OP_WRITE;
}

char *qc_req_describe(const struct qc_req *r)
{
    GString *s = g_string_new(NULL);

    if (r->op == QC_OP_FLUSH) {
        g_string_append(s, "a flush");
    } else {
        g_string_append_printf(s, "a %s of %" PRIu64 " byte%s at offset %"
                               PRIu64, op_names[r->op], r->length,
                               r->length == 1 ? "" : "s", r->offset);
    }
    if (r->op == QC_OP_BLOCK_STATUS) {
        g_string_append_printf(s, " into at most %u extent%s",
                               (unsigned)r->max_extents,
                               r->max_extents == 1 ? "" : "s");
    }
    if (has_data(r->op) && r->iovcnt > 1) {
        g_string_append_printf(s, " in %d iovecs", r->iovcnt);
    }
    if (r->flags & QBP_REQ_FUA) {
        g_string_append(s, " with FUA");
    }
    if (r->flags & QBP_REQ_MAY_UNMAP) {
        g_string_append(s, " with may-unmap");
    }
    return g_string_free(s, FALSE);
}

uint32_t qc_op_cap(enum qc_op op)
{
    switch (op) {
    case QC_OP_READ:
        return 0;
    case QC_OP_WRITE:
        return QBP_CAP_WRITE;
    case QC_OP_FLUSH:
        return QBP_CAP_FLUSH;
    case QC_OP_DISCARD:
        return QBP_CAP_DISCARD;
    case QC_OP_WRITE_ZEROES:
        return QBP_CAP_WRITE_ZEROES;
    case QC_OP_BLOCK_STATUS:
#ifdef QBP_CAP_BLOCK_STATUS
        return QBP_CAP_BLOCK_STATUS;
#else
        /* No such capability: forbidden() refuses to send it. */
        return UINT32_MAX;
#endif
    }
    return 0;
}

/* What a host must never send; a check asking for it is a bug here. */
static const char *forbidden(const struct qc_disk *d, enum qc_op op,
                             uint64_t offset, uint64_t length, uint32_t flags)
{
    if ((qc_op_cap(op) & d->caps) != qc_op_cap(op)) {
        return "the disk does not declare the operation";
    }
    if ((flags & QBP_REQ_FUA) && !(d->caps & QBP_CAP_FUA)) {
        return "FUA is not declared";
    }
    if ((flags & QBP_REQ_MAY_UNMAP) && !(d->caps & QBP_CAP_ZERO_UNMAP)) {
        return "may-unmap is not declared";
    }
    if (op == QC_OP_FLUSH) {
        return NULL;
    }
    if (length == 0 || offset > (uint64_t)d->length ||
        length > (uint64_t)d->length - offset) {
        return "the range is empty or past the end";
    }
    if (offset % d->align || length % d->align) {
        return "the range is not aligned to request_alignment";
    }
    if (has_data(op) && d->max_transfer && length > d->max_transfer) {
        return "the request is larger than max_transfer";
    }
    if (has_data(op) && d->mem_align && length % d->mem_align) {
        return "the length is not a multiple of mem_alignment";
    }
    return NULL;
}

/* Splits [0, length) into n iovecs whose lengths are multiples of g. */
static void split_iov(struct qc_req *r, int n, uint64_t g)
{
    uint64_t units = r->length / g, at = 0;

    r->iov = g_new0(struct iovec, n);
    r->iovcnt = n;
    for (int i = 0; i < n; i++) {
        uint64_t len = i == n - 1 ? r->length - at : units / (uint64_t)n * g;

        r->iov[i].iov_base = r->buf + at;
        r->iov[i].iov_len = len;
        at += len;
    }
}

/*
 * Three iovecs of a quarter, a half and the rest, with odd lengths when
 * the plugin declares no memory alignment: a plugin that only looks at
 * iov[0], or assumes aligned pieces, shows.
 */
static void split_three(struct qc_req *r, uint64_t g)
{
    uint64_t a, b;

    if (r->length < 4 * g || r->length < 8) {
        split_iov(r, 1, g);
        return;
    }
    a = MAX(g, qc_round_down(r->length / 4, g)) + (g == 1 ? 1 : 0);
    b = MAX(g, qc_round_down(r->length / 2, g));
    r->iov = g_new0(struct iovec, 3);
    r->iovcnt = 3;
    r->iov[0] = (struct iovec){ .iov_base = r->buf, .iov_len = a };
    r->iov[1] = (struct iovec){ .iov_base = r->buf + a, .iov_len = b };
    r->iov[2] = (struct iovec){ .iov_base = r->buf + a + b,
                                .iov_len = r->length - a - b };
}

/*
 * The buffer: aligned as declared, otherwise deliberately at an odd
 * address, since a host promises no alignment then.
 */
static bool alloc_buf(struct qc_req *r)
{
    uint32_t m = r->disk->mem_align;
    size_t len = (size_t)r->length;
    void *mem = NULL;

    if (m) {
        if (posix_memalign(&mem, MAX(m, sizeof(void *)), len)) {
            return false;
        }
        r->mem = mem;
        r->buf = mem;
    } else {
        r->mem = malloc(len + 1);
        r->buf = r->mem ? r->mem + 1 : NULL;
    }
    return r->mem != NULL;
}

static void req_free(gpointer p)
{
    qc_req_release(p);
    g_free(p);
}

static struct qc_req *req_new(struct qc_disk *d, enum qc_op op,
                              uint64_t offset, uint64_t length,
                              uint32_t flags, int n_iov)
{
    const char *why = forbidden(d, op, offset, length, flags);
    uint64_t g = d->mem_align ? d->mem_align : 1;
    struct qc_req *r;

    if (why) {
        qc_fail(d->ctx, "qbp-check bug: it was about to send a %s of %"
                PRIu64 " bytes at offset %" PRIu64 ", but %s", op_names[op],
                length, offset, why);
        return NULL;
    }
    r = g_new0(struct qc_req, 1);
    qc_ctx_own(d->ctx, r, req_free);
    r->disk = d;
    r->op = op;
    r->offset = op == QC_OP_FLUSH ? 0 : offset;
    r->length = op == QC_OP_FLUSH ? 0 : length;
    r->flags = flags;
    if (!has_data(op)) {
        return r;
    }
    if (!alloc_buf(r)) {
        qc_fail(d->ctx, "qbp-check is out of memory for a %" PRIu64
                "-byte buffer", length);
        return NULL;
    }
    if (n_iov > 0) {
        split_iov(r, (int)MIN((uint64_t)n_iov, length / g), g);
    } else {
        split_three(r, g);
    }
    if (op == QC_OP_READ) {
        r->poison = qc_poison_new();
        qc_pattern_fill(r->buf, offset, (size_t)length, r->poison);
    }
    return r;
}

struct qc_req *qc_req_new(struct qc_disk *d, enum qc_op op, uint64_t offset,
                          uint64_t length, uint32_t flags)
{
    return req_new(d, op, offset, length, flags, 0);
}

struct qc_req *qc_req_new_iov(struct qc_disk *d, enum qc_op op,
                              uint64_t offset, uint64_t length, int n_iov)
{
    return req_new(d, op, offset, length, 0, n_iov);
}

struct qc_req *qc_req_new_status(struct qc_disk *d, uint64_t offset,
                                 uint64_t length, uint32_t max_extents)
{
    struct qc_req *r = req_new(d, QC_OP_BLOCK_STATUS, offset, length, 0, 0);
    size_t n = (size_t)max_extents + QC_EXTENT_GUARD;

    if (!r) {
        return NULL;
    }
    r->max_extents = max_extents;
    r->extents = g_new(struct qbp_extent, n);
    memset(r->extents, QC_EXTENT_POISON, n * sizeof(*r->extents));
    return r;
}

void qc_req_fill(struct qc_req *r, uint32_t gen)
{
    qc_pattern_fill(r->buf, r->offset, (size_t)r->length, gen);
}

void qc_req_release(struct qc_req *r)
{
    free(r->mem);
    g_free(r->iov);
    g_free(r->extents);
    r->mem = NULL;
    r->buf = NULL;
    r->iov = NULL;
    r->extents = NULL;
}

const char *qc_op_name(enum qc_op op)
{
    return op_names[op];
}

const char *qc_submit_name(enum qc_op op)
{
    return submit_names[op];
}
