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

/* The QBP_DISK_* bits each minor of ABI 1 defines. */
static uint32_t known_disk_flags(unsigned minor)
{
#ifdef QBP_DISK_ZERO_INIT
    return minor >= 2 ? QBP_DISK_ZERO_INIT : 0;
#else
    (void)minor;
    return 0;
#endif
}

/*
 * The fields of 1.2.  They are checked whatever the plugin's minor: an
 * older plugin must leave them alone, and the host passes them zeroed.
 */
static void check_facts(struct qc_ctx *ctx, const struct qbp_limits *l)
{
#if QBP_ABI_MINOR >= 2
    unsigned minor = qc_env.t->hdr.abi_minor;
    uint32_t unknown = l->disk_flags & ~known_disk_flags(minor);

    if (l->alloc_granularity && !power_of_two(l->alloc_granularity)) {
        qc_fail(ctx, "alloc_granularity %u is not a power of two: QEMU "
                "shows it as the cluster size, which is one",
                (unsigned)l->alloc_granularity);
    }
    if (unknown) {
        qc_fail(ctx, "disk_flags is 0x%x, with bits 0x%x that ABI 1.%u does "
                "not define: a host of a later 1.x may take them for facts "
                "about the disk that are not true; set only QBP_DISK_* bits",
                (unsigned)l->disk_flags, (unsigned)unknown, minor);
    }
#else
    (void)ctx;
    (void)l;
    (void)known_disk_flags;
#endif
}

/* ", alloc_granularity 4096, disk_flags 0x1" for a 1.2 plugin, or "". */
static char *facts_text(const struct qbp_limits *l)
{
#if QBP_ABI_MINOR >= 2
    if (qc_env.t->hdr.abi_minor >= 2) {
        return g_strdup_printf(", alloc_granularity %u, disk_flags 0x%x",
                               (unsigned)l->alloc_granularity,
                               (unsigned)l->disk_flags);
    }
#else
    (void)l;
#endif
    return g_strdup("");
}

void qc_check_limits(struct qc_ctx *ctx)
{
    struct qc_disk *d;
    const struct qbp_limits *l;
    g_autofree char *facts = NULL;
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
    check_facts(ctx, l);
    qc_disk_close(d);
    facts = facts_text(l);
    qc_pass(ctx, "request_alignment %u, max_transfer %u, opt_transfer %u, "
            "discard_alignment %u, mem_alignment %u%s: usable as QEMU uses "
            "them, and get_limits stays inside the host's table",
            (unsigned)l->request_alignment, (unsigned)l->max_transfer,
            (unsigned)l->opt_transfer, (unsigned)l->discard_alignment,
            (unsigned)l->mem_alignment, facts);
}
