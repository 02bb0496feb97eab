/*
 * check-io.c: what is written reads back (or, for a disk without data,
 * reads are zeroes: the first write finds out which), and reads fill their
 * whole buffers, with zeroes where there is no data.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"

/* The size of the first write, and of the regions the zero-fill reads. */
#define FIRST_IO (64 * 1024)
#define TAIL_IO (256 * 1024)

/* 64 KiB, or what fits: a small disk must still tell about its data. */
static uint64_t first_io_len(const struct qc_disk *d)
{
    uint64_t len = qc_round_up(FIRST_IO, d->unit);

    len = MIN(len, qc_round_down((uint64_t)d->length, d->unit));
    return d->max_transfer ? MIN(len, d->max_transfer) : len;
}

static void read_only_reads(struct qc_ctx *ctx, struct qc_disk *d,
                            uint64_t len)
{
    g_autoptr(GByteArray) first = g_byte_array_new();
    struct qc_expect e = { 0, len, QC_EXPECT_SAME, 0, NULL };

    if (!qc_io_read_bytes(d, 0, len, first)) {
        return;
    }
    e.same = first->data;
    if (qc_io_read_expect(d, 0, len, &e, 1, "a second read of the same "
                          "bytes of a read-only disk")) {
        qc_pass(ctx, "the disk is read-only: two reads of %" PRIu64 " bytes "
                "at offset 0 returned the same", len);
    }
}

/* What the data of the first write tells about the disk. */
static void judge_first_read(struct qc_ctx *ctx, const struct qc_req *r,
                             uint32_t gen)
{
    struct qc_expect kept = { 0, r->length, QC_EXPECT_GEN, gen, NULL };
    struct qc_expect none = { 0, r->length, QC_EXPECT_ZERO, 0, NULL };
    g_autofree char *why_kept = qc_verify(r, &kept, 1);
    g_autofree char *why_none = qc_verify(r, &none, 1);
    g_autofree char *what = qc_req_describe(r);
    enum qc_data want = qc_env.cfg.data;

    if (!why_kept && want != QC_DATA_NONE) {
        qc_fact(ctx, "data", "kept");
        qc_pass(ctx, "%s read back what was written: the disk keeps data",
                what);
    } else if (!why_none && want == QC_DATA_AUTO) {
        qc_fact(ctx, "data", "none");
        qc_pass(ctx, "%s after a write of the same read back as zeroes: the "
                "disk keeps no data (like null), so the data checks expect "
                "zeroes; --expect-data would make this a failure", what);
    } else if (!why_none && want == QC_DATA_NONE) {
        qc_pass(ctx, "%s after a write of the same read back as zeroes, as "
                "--no-data says", what);
    } else if (want == QC_DATA_NONE) {
        qc_fail(ctx, "%s after a write of the same: --no-data says reads "
                "return zeroes, but %s", what, why_none);
    } else {
        qc_fail(ctx, "%s after a write of the same: %s", what, why_kept);
    }
}

void qc_check_read_write(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    uint32_t gen = qc_gen_new();
    struct qc_req *r;
    uint64_t len;

    if (!d) {
        return;
    }
    len = first_io_len(d);
    if (len == 0) {
        qc_disk_fits(d, d->unit, "the first write");
        qc_disk_close(d);
        return;
    }
    if (!d->writable) {
        read_only_reads(ctx, d, len);
        qc_disk_close(d);
        return;
    }
    qc_step(ctx, "writing %" PRIu64 " bytes at offset 0 and reading them",
            len);
    if (qc_io_write(d, 0, len, gen, 0)) {
        r = qc_io_read(d, 0, len);
        if (r) {
            judge_first_read(ctx, r, gen);
            qc_req_release(r);
        }
    }
    qc_disk_close(d);
}

static bool read_region(struct qc_disk *d, uint64_t off, uint64_t len)
{
    struct qc_expect e = { off, len, QC_EXPECT_ZERO, 0, NULL };

    len = qc_round_down(len, d->unit);
    if (len == 0) {
        return true;
    }
    /* The engine fails any read that leaves bytes of its buffer alone. */
    if (qc_env.data == QC_DATA_NONE) {
        e.length = len;
        return qc_io_read_expect(d, off, len, &e, 1, "a disk that keeps no "
                                 "data");
    }
    for (uint64_t at = off; at < off + len; at += d->block) {
        struct qc_req *r = qc_io_read(d, at, MIN(d->block, off + len - at));
        if (!r) {
            return false;
        }
        qc_req_release(r);
    }
    return true;
}

void qc_check_zero_fill(struct qc_ctx *ctx)
{
    static const char *const where[] = { "the end", "the middle", "the start" };
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    uint64_t len, off[3], n[3];

    if (!d) {
        return;
    }
    len = (uint64_t)d->length;
    off[0] = qc_round_down(len - MIN(len, TAIL_IO), d->unit);
    n[0] = len - off[0];
    off[1] = qc_round_down(len / 2, d->unit);
    n[1] = MIN(FIRST_IO, len - off[1]);
    off[2] = 0;
    n[2] = MIN(FIRST_IO, len);
    for (int i = 0; i < 3; i++) {
        qc_step(ctx, "reading %s of the disk", where[i]);
        if (!read_region(d, off[i], n[i])) {
            qc_disk_close(d);
            return;
        }
    }
    qc_disk_close(d);
    qc_pass(ctx, "reads at the start, the middle and the last %" PRIu64
            " bytes of the disk (%" PRIu64 " to %" PRIu64 ") filled their "
            "whole buffers", n[0], off[0], len);
}
