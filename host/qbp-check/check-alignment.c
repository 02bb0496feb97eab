/*
 * check-alignment.c: a plugin works at the granularity it declares.
 *
 * Eight small writes land at offsets that are multiples of the declared
 * request_alignment but of nothing larger, over a window filled before;
 * then the window reads back, and each small range on its own.  A plugin
 * that quietly works in larger blocks (rounding offsets, reading whole
 * sectors) corrupts the bytes around the writes.  When it fails, larger
 * alignments are tried, to say which one the plugin really needs.
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"
#include "expect.h"

#define PROBES 8
/* The largest alignment tried when the declared one does not work. */
#define MAX_SUGGESTED 65536

struct geometry {
    uint64_t a;         /* offsets are multiples of this */
    uint64_t u;         /* lengths are multiples of this */
    uint64_t u2;        /* the longer probes: 2u, unless above max_transfer */
    uint64_t slot;      /* one probe per slot */
    uint64_t window;
};

static uint64_t lcm(uint64_t a, uint64_t b)
{
    uint64_t x = a, y = b;

    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return a / x * b;
}

static bool geometry(const struct qc_disk *d, uint64_t a, struct geometry *g)
{
    g->a = a;
    g->u = d->mem_align ? lcm(a, d->mem_align) : a;
    g->slot = qc_round_up(MAX(8 * g->u, 4096), g->u);
    g->window = PROBES * g->slot;
    g->u2 = d->max_transfer && 2 * g->u > d->max_transfer ? g->u : 2 * g->u;
    return g->window <= (uint64_t)d->length;
}

/* Probe k: an offset 1-3 alignments into its slot, 1-2 units long. */
static uint64_t probe_off(const struct geometry *g, unsigned k)
{
    return k * g->slot + g->a * (k % 3 + 1);
}

static uint64_t probe_len(const struct geometry *g, unsigned k)
{
    return k % 2 ? g->u2 : g->u;
}

/* NULL when the probes read back right; else why.  *io_ok: no I/O fault. */
static char *probe_written(struct qc_disk *d, const struct geometry *g,
                           bool *io_ok)
{
    bool kept = qc_env.data != QC_DATA_NONE;
    enum qc_expect_kind k_fill = kept ? QC_EXPECT_GEN : QC_EXPECT_ZERO;
    enum qc_expect_kind k_probe = k_fill;
    uint32_t g0 = qc_gen_new(), gens[PROBES];

    *io_ok = false;
    if (kept && !qc_io_fill(d, 0, g->window, g0)) {
        return NULL;
    }
    for (unsigned k = 0; k < PROBES; k++) {
        gens[k] = qc_gen_new();
        if (!qc_io_write(d, probe_off(g, k), probe_len(g, k), gens[k], 0)) {
            return NULL;
        }
    }
    for (unsigned k = 0; k < PROBES; k++) {
        g_autoptr(GArray) map = qc_expect_map(k * g->slot, g->slot, k_fill, g0);
        char *why;

        qc_expect_paint(map, probe_off(g, k), probe_len(g, k), k_probe,
                        gens[k]);
        why = qc_io_read_why(d, k * g->slot, g->slot, qc_expect_data(map),
                             map->len, io_ok);
        if (why || !*io_ok) {
            char *msg = why ? g_strdup_printf("after a write of %" PRIu64
                                              " byte%s at offset %" PRIu64
                                              ", %s", probe_len(g, k),
                                              probe_len(g, k) == 1 ? "" : "s",
                                              probe_off(g, k), why) : NULL;
            g_free(why);
            return msg;
        }
    }
    for (unsigned k = 0; k < PROBES; k++) {
        g_autoptr(GArray) map = qc_expect_map(probe_off(g, k), probe_len(g, k),
                                              k_probe, gens[k]);
        char *why = qc_io_read_why(d, probe_off(g, k), probe_len(g, k),
                                   qc_expect_data(map), map->len, io_ok);
        if (why || !*io_ok) {
            char *msg = why ? g_strdup_printf("a read of %" PRIu64 " byte%s "
                                              "at offset %" PRIu64 " on its "
                                              "own: %s", probe_len(g, k),
                                              probe_len(g, k) == 1 ? "" : "s",
                                              probe_off(g, k), why) : NULL;
            g_free(why);
            return msg;
        }
    }
    return NULL;
}

/* Read-only: small reads must return what a large read of the slot did. */
static char *probe_read_only(struct qc_disk *d, const struct geometry *g,
                             bool *io_ok)
{
    for (unsigned k = 0; k < PROBES; k++) {
        g_autoptr(GByteArray) base = g_byte_array_new();
        uint64_t off = probe_off(g, k), len = probe_len(g, k);
        struct qc_expect e = { off, len, QC_EXPECT_SAME, 0, NULL };
        char *why;

        *io_ok = qc_io_read_bytes(d, k * g->slot, g->slot, base);
        if (!*io_ok) {
            return NULL;
        }
        e.same = base->data + (off - k * g->slot);
        why = qc_io_read_why(d, off, len, &e, 1, io_ok);
        if (why) {
            char *msg = g_strdup_printf("a read of %" PRIu64 " byte%s at "
                                        "offset %" PRIu64 ": %s", len,
                                        len == 1 ? "" : "s", off, why);
            g_free(why);
            return msg;
        }
        if (!*io_ok) {
            return NULL;
        }
    }
    return NULL;
}

static char *probe(struct qc_disk *d, const struct geometry *g, bool *io_ok)
{
    qc_step(d->ctx, "probing at an alignment of %" PRIu64, g->a);
    if (d->writable) {
        return probe_written(d, g, io_ok);
    }
    return probe_read_only(d, g, io_ok);
}

/* The smallest larger alignment that works, or 0. */
static uint64_t suggest(struct qc_disk *d, uint64_t a)
{
    for (uint64_t b = a * 2; b <= MAX_SUGGESTED; b *= 2) {
        struct geometry g;
        bool io_ok;
        g_autofree char *why = NULL;

        if (!geometry(d, b, &g)) {
            break;
        }
        why = probe(d, &g, &io_ok);
        if (!why && io_ok) {
            return b;
        }
    }
    return 0;
}

static void report(struct qc_ctx *ctx, struct qc_disk *d, const char *why)
{
    uint64_t a = d->align;
    uint64_t works = suggest(d, a);

    if (!works) {
        /* Coarser requests fail alike: something else is wrong. */
        qc_fail(ctx, "requests at the declared request_alignment %" PRIu64
                " read back wrong: %s; larger alignments up to %d fail the "
                "same way, so the fault is not the alignment", a, why,
                MAX_SUGGESTED);
    } else if (a == 1) {
        qc_fail(ctx, "the plugin declares no request alignment, so requests "
                "may start at any byte, but it does not handle that: %s; "
                "requests aligned to %" PRIu64 " work, so declare "
                "request_alignment %" PRIu64, why, works, works);
    } else {
        qc_fail(ctx, "the plugin declares request_alignment %" PRIu64 " but "
                "does not honour it: %s; requests aligned to %" PRIu64
                " work, so declare request_alignment %" PRIu64, a, why, works,
                works);
    }
}

void qc_check_alignment(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    struct geometry g;
    g_autofree char *why = NULL;
    g_autofree char *last = NULL;
    bool io_ok;

    if (!d) {
        return;
    }
    if (!geometry(d, d->align, &g)) {
        qc_disk_fits(d, g.window, "the alignment probes");
        qc_disk_close(d);
        return;
    }
    why = probe(d, &g, &io_ok);
    if (why) {
        report(ctx, d, why);
    }
    qc_disk_close(d);
    last = qc_bytes(3 * g.a);
    qc_pass(ctx, "%d %s of %" PRIu64 " and %" PRIu64 " bytes, starting %"
            PRIu64 " to %s past %" PRIu64 "-byte boundaries, %s", PROBES,
            d->writable ? "writes and reads" : "reads", g.u, g.u2, g.a,
            last, g.slot, !d->writable ? "returned what larger reads do" :
            qc_env.data == QC_DATA_NONE ? "read back as zeroes" :
            "read back as written, the bytes around them untouched");
}
