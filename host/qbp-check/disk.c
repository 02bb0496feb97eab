/*
 * disk.c: opening and closing a disk the way a host does, and the limits
 * the checks derive from what the plugin declares.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"

/* The usual request size of the checks, before fitting it to the limits. */
#define QC_BLOCK 4096
/* How long a stray completion after close has to show up. */
#define CLOSE_GRACE_US 20000

uint64_t qc_round_up(uint64_t x, uint64_t unit)
{
    return (x + unit - 1) / unit * unit;
}

uint64_t qc_round_down(uint64_t x, uint64_t unit)
{
    return x / unit * unit;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

struct qbp_kv *qc_disk_options(const struct qbp_kv *extra, size_t n_extra,
                               size_t *n)
{
    const struct qc_config *cfg = &qc_env.cfg;
    struct qbp_kv *kv = g_new0(struct qbp_kv, cfg->n_options + n_extra + 1);
    size_t k = 0;

    for (size_t i = 0; i < cfg->n_options; i++) {
        bool replaced = false;

        for (size_t j = 0; j < n_extra; j++) {
            replaced |= strcmp(extra[j].key, cfg->options[i].key) == 0;
        }
        if (!replaced) {
            kv[k++] = cfg->options[i];
        }
    }
    for (size_t j = 0; j < n_extra; j++) {
        kv[k++] = extra[j];
    }
    *n = k;
    return kv;
}

void qc_limits_init(struct qbp_limits *l)
{
    memset(l, 0, sizeof(*l));
    l->hdr.struct_size = sizeof(*l);
    l->hdr.abi_major = QBP_ABI_MAJOR;
    l->hdr.abi_minor = QBP_ABI_MINOR;
}

/* What the checks use: declared limits, with broken ones made usable. */
static void derive_limits(struct qc_disk *d)
{
    const struct qbp_limits *l = &d->limits;
    uint64_t unit;

    d->align = l->request_alignment ? l->request_alignment : 1;
    d->mem_align = l->mem_alignment;
    unit = d->mem_align ? d->align / gcd(d->align, d->mem_align) *
                          d->mem_align : d->align;
    d->unit = (uint32_t)MIN(unit, UINT32_MAX);
    d->max_transfer = (uint32_t)qc_round_down(l->max_transfer, d->unit);
    if (l->max_transfer && !d->max_transfer) {
        /* Smaller than one unit: the limits check says so. */
        d->max_transfer = d->unit;
    }
    d->block = qc_round_up(QC_BLOCK, d->unit);
    if (d->max_transfer && d->block > d->max_transfer) {
        d->block = d->max_transfer;
    }
}

static void read_declarations(struct qc_disk *d)
{
    const QbpPlugin *p = qc_env.plugin;
    const struct qbp_plugin *t = d->t;
    uint32_t model = qbp_plugin_thread_model(p);

    d->caps = qbp_plugin_caps(p, d->handle);
    d->raw_caps = t->get_caps ? t->get_caps(d->handle) : ~UINT32_C(0);
    if (d->open_flags & QBP_OPEN_READ_ONLY) {
        /* A read-only handle is never written, whatever it declares. */
        d->caps &= ~(uint32_t)(QBP_CAP_WRITE | QBP_CAP_FUA | QBP_CAP_DISCARD |
                               QBP_CAP_WRITE_ZEROES | QBP_CAP_ZERO_UNMAP |
                               QBP_CAP_TRUNCATE);
    }
    d->writable = (d->caps & QBP_CAP_WRITE) != 0;
    qc_limits_init(&d->limits);
    if (t->get_limits) {
        t->get_limits(d->handle, &d->limits);
    }
    derive_limits(d);
    d->serialized = model != QBP_THREAD_MODEL_PARALLEL;
}

struct qc_disk *qc_disk_open(struct qc_ctx *ctx, uint32_t flags,
                             const struct qbp_kv *extra, size_t n_extra)
{
    const struct qbp_plugin *t = qc_env.t;
    struct qbp_error *err = qbp_error_new();
    g_autofree struct qbp_kv *kv = NULL;
    struct qc_disk *d;
    size_t n;
    void *handle;

    if (qc_env.cfg.read_only) {
        flags |= QBP_OPEN_READ_ONLY;
    }
    if (qc_env.cfg.nocache) {
        flags |= QBP_OPEN_NOCACHE;
    }
    kv = qc_disk_options(extra, n_extra, &n);
    qc_step(ctx, "opening the disk");
    handle = t->open(kv, n, flags, err);
    if (!handle) {
        g_autofree char *msg = qbp_error_take(err, NULL);
        qc_fail(ctx, "cannot open the disk: %s", msg);
        qbp_error_free(err);
        return NULL;
    }
    if (qbp_error_is_set(err)) {
        g_autofree char *msg = qbp_error_take(err, NULL);
        qc_fail(ctx, "open returned a handle but also set an error ('%s'): "
                "an open either succeeds or fails with a message", msg);
    }
    qbp_error_free(err);

    d = g_new0(struct qc_disk, 1);
    qc_ctx_own(ctx, d, qc_disk_free);
    d->ctx = ctx;
    d->t = t;
    d->handle = handle;
    d->open_flags = flags;
    g_mutex_init(&d->lock);
    g_cond_init(&d->cond);
    qc_step(ctx, "reading the disk's length, capabilities and limits");
    d->length = t->get_length(handle);
    if (d->length < 0) {
        g_autofree char *e = qc_errno_text(d->length);
        qc_fail(ctx, "get_length failed with %" PRId64 " (%s) on a disk "
                "that opened", d->length, e);
        d->length = 0;
    }
    read_declarations(d);
    return d;
}

void qc_disk_free(gpointer p)
{
    struct qc_disk *d = p;

    g_mutex_clear(&d->lock);
    g_cond_clear(&d->cond);
    g_free(d);
}

bool qc_disk_close(struct qc_disk *d)
{
    bool abandoned;

    g_mutex_lock(&d->lock);
    abandoned = d->abandoned;
    g_mutex_unlock(&d->lock);
    if (abandoned) {
        qc_note(d->ctx, "the disk was left open: a request is still in "
                "flight, and a host never closes a disk before it drained");
        return false;
    }
    qc_step(d->ctx, "closing the disk");
    d->t->close(d->handle);
    g_mutex_lock(&d->lock);
    d->closed = true;
    g_mutex_unlock(&d->lock);
    g_mutex_lock(&d->lock);
    if (d->accepted) {
        /* Only a disk that had requests can see a late completion. */
        g_mutex_unlock(&d->lock);
        qc_step(d->ctx, "waiting for stray completions after close");
        g_usleep(CLOSE_GRACE_US);
        g_mutex_lock(&d->lock);
    }
    if (d->n_twice > 1) {
        unsigned more = d->n_twice - 1;
        qc_note(d->ctx, "%u more request%s of this disk %s completed more "
                "than once", more, more == 1 ? "" : "s",
                more == 1 ? "was" : "were");
    }
    g_mutex_unlock(&d->lock);
    return !qc_has_failed(d->ctx);
}

bool qc_disk_fits(struct qc_disk *d, uint64_t len, const char *what)
{
    g_autofree char *have = NULL;
    g_autofree char *need = NULL;

    if ((uint64_t)d->length >= len) {
        return true;
    }
    have = qc_bytes((uint64_t)d->length);
    need = qc_bytes(len);
    qc_skip(d->ctx, "the disk is %s, too small for %s (%s); give options "
            "for a larger disk", have, what, need);
    return false;
}
