/*
 * check-block-status.c: allocation status (ABI 1.2), when a disk declares
 * it.  Each answer is a well-formed run of extents from the offset asked;
 * asked again from where each answer ended, they cover the whole disk.
 * What they call ZERO reads as zeroes, what was just written is never
 * ZERO, an array of one extent works, and every request completes exactly
 * once, also many at once from several threads.
 */
#include <inttypes.h>
#include <string.h>

#include "checks.h"
#include "engine.h"

#ifdef QBP_CAP_BLOCK_STATUS

#define MAX_EXTENTS 64
#define BATCH 32
#define SUBMIT_THREADS 4
/* How long a second completion of a finished request has to show. */
#define GRACE_US 100000
/* How much of each end of a ZERO extent is read back. */
#define ZERO_READ (1024 * 1024)

/* One extent of an answer, placed on the disk. */
struct placed {
    uint64_t offset;
    uint64_t length;
    uint32_t type;
};

static const char *type_name(uint32_t type)
{
    switch (type) {
    case QBP_EXTENT_DATA:
        return "DATA";
    case QBP_EXTENT_ZERO:
        return "ZERO";
    default:
        return "UNKNOWN";
    }
}

/* The plugin wrote past max_extents: the host's array has no more. */
static bool guard_intact(const struct qc_req *r)
{
    const uint8_t *g = (const uint8_t *)&r->extents[r->max_extents];

    for (size_t i = 0; i < QC_EXTENT_GUARD * sizeof(*r->extents); i++) {
        if (g[i] != QC_EXTENT_POISON) {
            return false;
        }
    }
    return true;
}

/* An entry that still holds qbp-check's poison was never filled in. */
static bool poisoned(const struct qbp_extent *e)
{
    struct qbp_extent p;

    memset(&p, QC_EXTENT_POISON, sizeof(p));
    return memcmp(e, &p, sizeof(p)) == 0;
}

/* Why extent i of a finished block status is malformed, or NULL. */
static char *bad_extent(const struct qc_req *r, uint32_t i, uint64_t sum)
{
    const struct qbp_extent *e = &r->extents[i];
    uint32_t n = (uint32_t)r->result;

    if (poisoned(e)) {
        return g_strdup_printf("it completed with %u, but extent %u was never "
                               "filled in: the result is the number of "
                               "entries filled in", n, i);
    }
    if (e->length == 0) {
        return g_strdup_printf("extent %u of %u has length 0: every extent "
                               "covers at least one byte", i, n);
    }
    if (e->type > QBP_EXTENT_UNKNOWN) {
        return g_strdup_printf("extent %u has type %u, which ABI 1.x does not "
                               "define (DATA 0, ZERO 1, UNKNOWN 2)", i,
                               (unsigned)e->type);
    }
    if (e->reserved0 != 0) {
        return g_strdup_printf("extent %u has reserved0 0x%x, not 0: a later "
                               "ABI may give it a meaning", i,
                               (unsigned)e->reserved0);
    }
    if (e->length > r->length - sum) {
        return g_strdup_printf("its extents add up to more than the %" PRIu64
                               " bytes asked for (extent %u ends %" PRIu64
                               " bytes past them): extents describe only the "
                               "range asked", r->length, i,
                               e->length - (r->length - sum));
    }
    return NULL;
}

/*
 * Checks the extents of a finished block status and appends them to map
 * (when not NULL); *total receives their sum.  False after reporting.
 */
static bool take_extents(const struct qc_req *r, GArray *map, uint64_t *total)
{
    uint32_t n = (uint32_t)r->result;   /* 1 to max_extents: qc_req_check */
    uint64_t sum = 0;

    if (!guard_intact(r)) {
        g_autofree char *what = qc_req_describe(r);
        qc_fail(r->disk->ctx, "%s wrote past the %u entries of the host's "
                "array", what, (unsigned)r->max_extents);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        g_autofree char *why = bad_extent(r, i, sum);
        struct placed p = { r->offset + sum, r->extents[i].length,
                            r->extents[i].type };

        if (why) {
            g_autofree char *what = qc_req_describe(r);
            qc_fail(r->disk->ctx, "%s: %s", what, why);
            return false;
        }
        if (map) {
            g_array_append_val(map, p);
        }
        sum += p.length;
    }
    *total = sum;
    return true;
}

/* One block status; its extents go to map.  False after reporting. */
static bool status(struct qc_disk *d, uint64_t offset, uint64_t length,
                   uint32_t max, GArray *map, uint64_t *total)
{
    struct qc_req *r = qc_req_new_status(d, offset, length, max);
    bool ok;

    if (!r) {
        return false;
    }
    ok = qc_batch(d, &r, 1, 1) && take_extents(r, map, total);
    if (ok) {
        /* Otherwise the plugin may still write into it: the check frees it. */
        qc_req_release(r);
    }
    return ok;
}

/*
 * Maps [0, length of the disk), each request from where the last answer
 * ended, as a host does.  The host's requests honour request_alignment,
 * so an answer must end on it (or at the end of the disk).
 */
static bool map_disk(struct qc_disk *d, GArray *map, unsigned *n_req)
{
    uint64_t end = (uint64_t)d->length, at = 0, total;

    while (at < end) {
        qc_step(d->ctx, "asking for the status from offset %" PRIu64, at);
        if (!status(d, at, end - at, MAX_EXTENTS, map, &total)) {
            return false;
        }
        (*n_req)++;
        at += total;
        if (at < end && at % d->align) {
            qc_fail(d->ctx, "a block status from offset %" PRIu64 " ended at "
                    "offset %" PRIu64 ", which is not a multiple of "
                    "request_alignment %u: the host asks again from where "
                    "the answer ended, and it never sends an unaligned "
                    "request", at - total, at, (unsigned)d->align);
            return false;
        }
    }
    return true;
}

/* Reads [off, +len) of a ZERO extent, rounded in to whole units. */
static bool reads_zero(struct qc_disk *d, uint64_t off, uint64_t len)
{
    uint64_t start = qc_round_up(off, d->unit);
    uint64_t end = qc_round_down(off + len, d->unit);
    struct qc_expect e = { start, end - start, QC_EXPECT_ZERO, 0, NULL };
    g_autofree char *ctx = NULL;

    if (end <= start) {
        return true;
    }
    ctx = g_strdup_printf("block status reports the %" PRIu64 " bytes at "
                          "offset %" PRIu64 " as ZERO, but a read of them "
                          "differs", end - start, start);
    return qc_io_read_expect(d, start, end - start, &e, 1, ctx);
}

/* Each ZERO extent reads as zeroes: its first and last ZERO_READ bytes. */
static bool zeroes_read_back(struct qc_disk *d, GArray *map, unsigned *n_zero)
{
    for (guint i = 0; i < map->len; i++) {
        const struct placed *p = &g_array_index(map, struct placed, i);
        uint64_t head = MIN(p->length, ZERO_READ);
        uint64_t tail = MIN(p->length - head, ZERO_READ);

        if (p->type != QBP_EXTENT_ZERO) {
            continue;
        }
        (*n_zero)++;
        qc_step(d->ctx, "reading the ZERO extent at offset %" PRIu64,
                p->offset);
        if (!reads_zero(d, p->offset, head) ||
            !reads_zero(d, p->offset + p->length - tail, tail)) {
            return false;
        }
    }
    return true;
}

/* No extent over [off, +len), just written, is ZERO. */
static bool written_not_zero(struct qc_disk *d, GArray *map, uint64_t off,
                             uint64_t len, const char *how)
{
    for (guint i = 0; i < map->len; i++) {
        const struct placed *p = &g_array_index(map, struct placed, i);

        if (p->type == QBP_EXTENT_ZERO && p->offset < off + len &&
            off < p->offset + p->length) {
            qc_fail(d->ctx, "after a write of %" PRIu64 " bytes at offset %"
                    PRIu64 ", %s reports the %" PRIu64 " bytes at offset %"
                    PRIu64 " as ZERO: ZERO is only for what reads as "
                    "zeroes, and DATA is always a correct answer", len, off,
                    how, p->length, p->offset);
            return false;
        }
    }
    return true;
}

/* A block status into an array of one, from inside the written range. */
static bool one_extent(struct qc_disk *d, uint64_t off, bool written,
                       const char **type)
{
    g_autoptr(GArray) map = g_array_new(FALSE, FALSE, sizeof(struct placed));
    uint64_t total;

    qc_step(d->ctx, "asking for one extent from offset %" PRIu64, off);
    if (!status(d, off, (uint64_t)d->length - off, 1, map, &total)) {
        return false;
    }
    *type = type_name(g_array_index(map, struct placed, 0).type);
    return !written ||
           written_not_zero(d, map, off, d->unit,
                            "a block status into an array of one");
}

/* BATCH requests at once from several threads, each completed once. */
static bool many_at_once(struct qc_disk *d)
{
    struct qc_req *reqs[BATCH];
    uint64_t slots = MAX(1, (uint64_t)d->length / d->block), total;
    bool ok = true;

    for (unsigned i = 0; i < BATCH; i++) {
        uint64_t off = (i % slots) * d->block;

        reqs[i] = qc_req_new_status(d, off, (uint64_t)d->length - off, 4);
    }
    qc_step(d->ctx, "sending %d block status requests at once from %d "
            "threads", BATCH, SUBMIT_THREADS);
    if (!qc_batch(d, reqs, BATCH, SUBMIT_THREADS)) {
        return false;
    }
    for (unsigned i = 0; i < BATCH && ok; i++) {
        ok = take_extents(reqs[i], NULL, &total);
    }
    qc_step(d->ctx, "waiting for stray completions");
    g_usleep(GRACE_US);
    return ok && !qc_has_failed(d->ctx);
}

/* "3 DATA, 2 ZERO" for the summary. */
static char *count_types(GArray *map)
{
    unsigned n[3] = { 0, 0, 0 };

    for (guint i = 0; i < map->len; i++) {
        n[g_array_index(map, struct placed, i).type]++;
    }
    return g_strdup_printf("%u DATA, %u ZERO, %u UNKNOWN", n[0], n[1], n[2]);
}

void qc_check_block_status(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    g_autoptr(GArray) map = g_array_new(FALSE, FALSE, sizeof(struct placed));
    g_autofree char *types = NULL;
    const char *one = NULL;
    unsigned n_req = 0, n_zero = 0;
    uint64_t woff = 0, wlen = 0;
    bool write;

    if (!d) {
        return;
    }
    /* Written data is only known not to read as zeroes on a disk with data. */
    write = d->writable && qc_env.data != QC_DATA_NONE;
    if (!(d->caps & QBP_CAP_BLOCK_STATUS)) {
        qc_skip(ctx, "the disk does not declare block status");
        qc_disk_close(d);
        return;
    }
    if (!qc_disk_fits(d, 4 * d->block, "the check")) {
        qc_disk_close(d);
        return;
    }
    /* In the middle, so that the map has something on either side. */
    woff = qc_round_down((uint64_t)d->length / 2, d->block);
    wlen = 2 * d->block;
    if (write) {
        qc_step(ctx, "writing %" PRIu64 " bytes at offset %" PRIu64, wlen,
                woff);
    }
    if ((!write || qc_io_write(d, woff, wlen, qc_gen_new(), 0)) &&
        map_disk(d, map, &n_req) &&
        (!write || written_not_zero(d, map, woff, wlen, "block status")) &&
        zeroes_read_back(d, map, &n_zero) &&
        one_extent(d, woff + d->unit, write, &one) &&
        many_at_once(d)) {
        types = count_types(map);
        qc_pass(ctx, "%u request%s mapped the whole disk in %u extents (%s), "
                "in order from the offset asked; %u ZERO extent%s read back "
                "as zeroes%s; an array of one extent got %s; %d requests at "
                "once each completed exactly once", n_req,
                n_req == 1 ? "" : "s", map->len, types,
                n_zero, n_zero == 1 ? "" : "s",
                write ? ", the data just written was not reported as ZERO" :
                "", one, BATCH);
    }
    qc_disk_close(d);
}

#else

void qc_check_block_status(struct qc_ctx *ctx)
{
    qc_skip(ctx, "this qbp-check was built for an ABI without block status");
}

#endif
