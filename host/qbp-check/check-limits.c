/*
 * check-limits.c: the block limits a plugin declares, as QEMU will use
 * them; and that get_limits stays inside the host's table.
 */
#include <inttypes.h>
#include <string.h>

#include "checks.h"
#include "disk.h"

/* QEMU's BDRV_MAX_ALIGNMENT. */
#define QEMU_MAX_ALIGNMENT (UINT32_C(1) << 30)
#define CANARY 0xa5

static bool power_of_two(uint32_t x)
{
    return x && !(x & (x - 1));
}

/* A table with bytes after it that a careless plugin would overwrite. */
struct boxed_limits {
    struct qbp_limits l;
    uint8_t after[64];
};

static void check_bounds(struct qc_ctx *ctx, struct qc_disk *d)
{
    struct boxed_limits box;
    struct qbp_table_header hdr;
    size_t spoilt = 0;

    memset(&box, CANARY, sizeof(box));
    qc_limits_init(&box.l);
    hdr = box.l.hdr;
    d->t->get_limits(d->handle, &box.l);
    for (size_t i = 0; i < sizeof(box.after); i++) {
        spoilt += box.after[i] != CANARY;
    }
    if (spoilt) {
        qc_fail(ctx, "get_limits wrote past the end of the host's table "
                "(struct_size %u): a plugin writes a field added after 1.0 "
                "only when QBP_HAS_FIELD says the host's table has it",
                (unsigned)hdr.struct_size);
    }
    if (memcmp(&hdr, &box.l.hdr, sizeof(hdr)) != 0) {
        qc_fail(ctx, "get_limits changed the table's header: the header "
                "belongs to the host, which owns the table");
    }
    if (memcmp(&box.l, &d->limits, sizeof(box.l)) != 0) {
        qc_fail(ctx, "get_limits fills in different values on a second "
                "call for the same handle");
    }
}

static void check_alignments(struct qc_ctx *ctx, const struct qbp_limits *l,
                             uint32_t a)
{
    if (!power_of_two(a)) {
        qc_fail(ctx, "request_alignment %u is not a power of two: QEMU "
                "refuses to open the disk", (unsigned)a);
    } else if (a > QEMU_MAX_ALIGNMENT) {
        qc_fail(ctx, "request_alignment %u is larger than QEMU's largest, "
                "%" PRIu32, (unsigned)a, QEMU_MAX_ALIGNMENT);
    }
    if (l->mem_alignment && !power_of_two(l->mem_alignment)) {
        qc_fail(ctx, "mem_alignment %u is not a power of two: QEMU refuses "
                "to open the disk", (unsigned)l->mem_alignment);
    }
    if (l->discard_alignment > a && l->discard_alignment % a) {
        qc_fail(ctx, "discard_alignment %u is not a multiple of "
                "request_alignment %u: QEMU asserts that it is, and aborts at "
                "the first discard or write-zeroes",
                (unsigned)l->discard_alignment, (unsigned)a);
    }
    if (l->opt_transfer % a) {
        qc_note(ctx, "opt_transfer %u is not a multiple of request_alignment "
                "%u", (unsigned)l->opt_transfer, (unsigned)a);
    }
}

static void check_sizes(struct qc_ctx *ctx, const struct qc_disk *d,
                        uint32_t a)
{
    const struct qbp_limits *l = &d->limits;

    if (l->max_transfer && l->max_transfer < a) {
        qc_fail(ctx, "max_transfer %u is smaller than request_alignment %u: "
                "no request fits, and QEMU, which rounds it down to the "
                "alignment, takes the 0 for no limit at all",
                (unsigned)l->max_transfer, (unsigned)a);
    } else if (l->max_transfer % a) {
        qc_note(ctx, "max_transfer %u is not a multiple of request_alignment "
                "%u: hosts use %" PRIu64, (unsigned)l->max_transfer,
                (unsigned)a, qc_round_down(l->max_transfer, a));
    }
    if (d->length % a && d->writable) {
        qc_fail(ctx, "the disk is %" PRId64 " bytes, not a multiple of "
                "request_alignment %u: QEMU refuses to write to it (\"Image "
                "size is not a multiple of request alignment\")", d->length,
                (unsigned)a);
    }
}

void qc_check_limits(struct qc_ctx *ctx)
{
    struct qc_disk *d;
    const struct qbp_limits *l;
    uint32_t a;

    if (!qc_env.t->get_limits) {
        qc_pass(ctx, "no get_limits: requests of any alignment and size");
        return;
    }
    d = qc_disk_open(ctx, 0, NULL, 0);
    if (!d) {
        return;
    }
    l = &d->limits;
    a = l->request_alignment ? l->request_alignment : 1;
    qc_step(ctx, "calling get_limits with bytes after the table");
    check_bounds(ctx, d);
    check_alignments(ctx, l, a);
    check_sizes(ctx, d, a);
    qc_disk_close(d);
    qc_pass(ctx, "request_alignment %u, max_transfer %u, opt_transfer %u, "
            "discard_alignment %u, mem_alignment %u: usable as QEMU uses "
            "them, and get_limits stays inside the host's table",
            (unsigned)l->request_alignment, (unsigned)l->max_transfer,
            (unsigned)l->opt_transfer, (unsigned)l->discard_alignment,
            (unsigned)l->mem_alignment);
}
