/*
 * check-zeroing.c: discard and write-zeroes do what the contract says.
 * After a discard each byte reads back as its old data or as zero; after
 * write-zeroes, as zero; the bytes around them never change.  Both are
 * sent at the granularity the plugin declares, not only in large blocks.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"
#include "expect.h"

/* Eight blocks: the ranges sit in the middle, with untouched blocks around. */
#define SPAN_BLOCKS 8

struct zone {
    uint64_t block;
    uint64_t span;
    uint32_t gen;
    bool kept;
    GArray *map;            /* what the span should read back as */
};

static bool zone_init(struct qc_disk *d, struct zone *z)
{
    z->block = d->block;
    z->span = SPAN_BLOCKS * d->block;
    z->gen = qc_gen_new();
    z->kept = qc_env.data != QC_DATA_NONE;
    z->map = qc_expect_map(0, z->span, z->kept ? QC_EXPECT_GEN :
                           QC_EXPECT_ZERO, z->gen);
    if (!qc_disk_fits(d, z->span, "the check")) {
        return false;
    }
    qc_step(d->ctx, "filling %" PRIu64 " bytes", z->span);
    return !z->kept || qc_io_fill(d, 0, z->span, z->gen);
}

/* A small range: one unit, one alignment into the seventh block. */
static uint64_t small_off(const struct qc_disk *d, const struct zone *z)
{
    return 6 * z->block + d->align;
}

void qc_check_discard(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    struct zone z = { 0 };
    enum qc_expect_kind gone;
    uint64_t off;

    if (!d) {
        return;
    }
    if (!(d->caps & QBP_CAP_DISCARD)) {
        qc_skip(ctx, "the disk does not declare discard");
    } else if (zone_init(d, &z)) {
        gone = z.kept ? QC_EXPECT_GEN_OR_ZERO : QC_EXPECT_ZERO;
        off = small_off(d, &z);
        qc_step(ctx, "discarding");
        if (qc_io_discard(d, 2 * z.block, 4 * z.block) &&
            qc_io_discard(d, off, d->unit)) {
            qc_expect_paint(z.map, 2 * z.block, 4 * z.block, gone, z.gen);
            qc_expect_paint(z.map, off, d->unit, gone, z.gen);
            if (qc_io_read_expect(d, 0, z.span, qc_expect_data(z.map),
                                  z.map->len, "after a discard")) {
                g_autofree char *small = qc_bytes(d->unit);
                qc_pass(ctx, "discards of %" PRIu64 " bytes and of %s "
                        "completed with their length; the discarded bytes "
                        "read back as their old data or zeroes, the bytes "
                        "around them unchanged", 4 * z.block, small);
            }
        }
    }
    if (z.map) {
        g_array_unref(z.map);
    }
    qc_disk_close(d);
}

/* Zeroes [off, +len) with flags and paints the map. */
static bool zero(struct qc_disk *d, struct zone *z, uint64_t off, uint64_t len,
                 uint32_t flags)
{
    qc_step(d->ctx, "zeroing %" PRIu64 " bytes at offset %" PRIu64,
            len, off);
    if (!qc_io_write_zeroes(d, off, len, flags)) {
        return false;
    }
    qc_expect_paint(z->map, off, len, QC_EXPECT_ZERO, 0);
    return true;
}

void qc_check_write_zeroes(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    struct zone z = { 0 };
    g_autofree char *small = NULL;
    bool unmap, fua;

    if (!d) {
        return;
    }
    unmap = (d->caps & QBP_CAP_ZERO_UNMAP) != 0;
    fua = (d->caps & QBP_CAP_FUA) != 0;
    if (!(d->caps & QBP_CAP_WRITE_ZEROES)) {
        qc_skip(ctx, "the disk does not declare write-zeroes");
    } else if (zone_init(d, &z) &&
               zero(d, &z, 2 * z.block, 2 * z.block, 0) &&
               (!unmap || zero(d, &z, 4 * z.block, 2 * z.block,
                               QBP_REQ_MAY_UNMAP)) &&
               zero(d, &z, small_off(d, &z), d->unit,
                    fua ? QBP_REQ_FUA : 0) &&
               qc_io_read_expect(d, 0, z.span, qc_expect_data(z.map),
                                 z.map->len, "after write-zeroes")) {
        small = qc_bytes(d->unit);
        qc_pass(ctx, "write-zeroes of %" PRIu64 " bytes%s and of %s%s read "
                "back as zeroes, the bytes around them unchanged",
                2 * z.block, unmap ? " (with and without may-unmap)" : "",
                small, fua ? " (with FUA)" : "");
    }
    if (z.map) {
        g_array_unref(z.map);
    }
    qc_disk_close(d);
}
