/*
 * check-caps.c: what get_caps declares is consistent with the table and
 * works; what it does not declare is never called (qbp-check, like any
 * host, does not call it).
 */
#include <inttypes.h>

#include "checks.h"
#include "engine.h"

/* The capability bits each minor of ABI 1 defines. */
static uint32_t known_caps(unsigned minor)
{
    uint32_t caps = QBP_CAP_WRITE | QBP_CAP_FLUSH | QBP_CAP_DISCARD |
                    QBP_CAP_WRITE_ZEROES | QBP_CAP_FUA | QBP_CAP_TRUNCATE |
                    QBP_CAP_ZERO_UNMAP;

    (void)minor;
#ifdef QBP_CAP_SNAPSHOTS
    if (minor >= 1) {
        caps |= QBP_CAP_SNAPSHOTS;
    }
#endif
#ifdef QBP_CAP_BLOCK_STATUS
    if (minor >= 2) {
        caps |= QBP_CAP_BLOCK_STATUS;
    }
#endif
    return caps;
}

struct op_callback {
    uint32_t cap;
    const char *cap_name;
    const char *op;
    const char *callback;
    bool set;
};

static void check_callbacks(struct qc_ctx *ctx, uint32_t raw)
{
    const struct qbp_plugin *t = qc_env.t;
    const struct op_callback ops[] = {
        { QBP_CAP_WRITE, "QBP_CAP_WRITE", "write", "aio_writev",
          t->aio_writev != NULL },
        { QBP_CAP_FLUSH, "QBP_CAP_FLUSH", "flush", "aio_flush",
          t->aio_flush != NULL },
        { QBP_CAP_DISCARD, "QBP_CAP_DISCARD", "discard", "aio_discard",
          t->aio_discard != NULL },
        { QBP_CAP_WRITE_ZEROES, "QBP_CAP_WRITE_ZEROES", "write-zeroes",
          "aio_write_zeroes", t->aio_write_zeroes != NULL },
        { QBP_CAP_TRUNCATE, "QBP_CAP_TRUNCATE", "truncate", "truncate",
          t->truncate != NULL },
#ifdef QBP_CAP_BLOCK_STATUS
        { QBP_CAP_BLOCK_STATUS, "QBP_CAP_BLOCK_STATUS", "block status",
          "aio_block_status", t->aio_block_status != NULL },
#endif
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        if ((raw & ops[i].cap) && !ops[i].set) {
            qc_fail(ctx, "get_caps declares %s (%s) but the table has no %s: "
                    "a host never calls an operation whose callback is not "
                    "set, so the %s the plugin promises never happens; set %s "
                    "or drop the bit", ops[i].op, ops[i].cap_name,
                    ops[i].callback, ops[i].op, ops[i].callback);
        } else if (!(raw & ops[i].cap) && ops[i].set) {
            qc_note(ctx, "%s is set but get_caps leaves %s out for this "
                    "disk: hosts will not call it", ops[i].callback,
                    ops[i].op);
        }
    }
#ifdef QBP_CAP_SNAPSHOTS
    if ((raw & QBP_CAP_SNAPSHOTS) &&
        !(t->snapshot_create && t->snapshot_list && t->snapshot_delete &&
          t->snapshot_revert)) {
        qc_fail(ctx, "get_caps declares snapshots (QBP_CAP_SNAPSHOTS) but "
                "the table lacks some of snapshot_create, snapshot_list, "
                "snapshot_delete and snapshot_revert: a host needs all four, "
                "so it never takes a snapshot");
    }
#endif
    if ((raw & QBP_CAP_FUA) && !(raw & QBP_CAP_WRITE)) {
        qc_fail(ctx, "get_caps declares FUA without write");
    }
    if ((raw & QBP_CAP_ZERO_UNMAP) && !(raw & QBP_CAP_WRITE_ZEROES)) {
        qc_fail(ctx, "get_caps declares zero-unmap without write-zeroes");
    }
}

static void check_declaration(struct qc_ctx *ctx, struct qc_disk *d)
{
    unsigned minor = qc_env.t->hdr.abi_minor;
    uint32_t unknown = d->raw_caps & ~known_caps(minor);

    if (!qc_env.t->get_caps) {
        return;
    }
    if (unknown) {
        qc_fail(ctx, "get_caps returns 0x%x, with bits 0x%x that ABI 1.%u "
                "does not define: a host of a later 1.x may take them for "
                "capabilities the plugin does not have; return only "
                "QBP_CAP_* bits", (unsigned)d->raw_caps, (unsigned)unknown,
                minor);
    }
    check_callbacks(ctx, d->raw_caps);
    if (qc_env.t->get_caps(d->handle) != d->raw_caps) {
        qc_fail(ctx, "get_caps returns something else on a second call for "
                "the same handle");
    }
}

/* One block status of the first block, when declared. */
static bool status(struct qc_disk *d)
{
#ifdef QBP_CAP_BLOCK_STATUS
    struct qc_req *r;
    bool ok;

    if (!(d->caps & QBP_CAP_BLOCK_STATUS)) {
        return true;
    }
    r = qc_req_new_status(d, 0, d->block, 1);
    if (!r) {
        return false;
    }
    ok = qc_batch(d, &r, 1, 1);
    qc_req_release(r);
    return ok;
#else
    (void)d;
    return true;
#endif
}

/* Every declared operation once; false after reporting a failure. */
static bool exercise(struct qc_disk *d)
{
    uint64_t b = d->block;
    uint32_t gen = qc_gen_new();
    struct qc_req *r;

    qc_step(d->ctx, "trying each declared operation once");
    r = qc_io_read(d, 0, b);
    if (!r) {
        return false;
    }
    qc_req_release(r);
    return (!(d->caps & QBP_CAP_WRITE) || qc_io_write(d, 0, b, gen, 0)) &&
           (!(d->caps & QBP_CAP_FUA) ||
            qc_io_write(d, 0, b, gen, QBP_REQ_FUA)) &&
           (!(d->caps & QBP_CAP_FLUSH) || qc_io_flush(d)) &&
           (!(d->caps & QBP_CAP_DISCARD) || qc_io_discard(d, 0, b)) &&
           (!(d->caps & QBP_CAP_WRITE_ZEROES) ||
            qc_io_write_zeroes(d, 0, b, 0)) &&
           (!(d->caps & QBP_CAP_ZERO_UNMAP) ||
            qc_io_write_zeroes(d, 0, b, QBP_REQ_MAY_UNMAP)) &&
           status(d);
}

/* Grows the disk by a block and shrinks it back. */
static bool resize(struct qc_disk *d)
{
    uint64_t was = (uint64_t)d->length, grown = was + d->block;
    uint64_t sizes[2] = { grown, was };

    for (int i = 0; i < 2; i++) {
        struct qbp_error *err = qbp_error_new();
        int64_t now;
        int r;

        qc_step(d->ctx, "truncating to %" PRIu64 " bytes", sizes[i]);
        r = d->t->truncate(d->handle, sizes[i], err);
        if (r < 0) {
            g_autofree char *msg = qbp_error_take(err, NULL);
            qc_fail(d->ctx, "truncate to %" PRIu64 " bytes failed: %s",
                    sizes[i], msg);
            qbp_error_free(err);
            return false;
        }
        qbp_error_free(err);
        now = d->t->get_length(d->handle);
        if (now != (int64_t)sizes[i]) {
            qc_fail(d->ctx, "after a truncate to %" PRIu64 " bytes, get_length "
                    "says %" PRId64, sizes[i], now);
            return false;
        }
    }
    return true;
}

void qc_check_capabilities(struct qc_ctx *ctx)
{
    struct qc_disk *d = qc_disk_open(ctx, 0, NULL, 0);
    g_autofree char *declared = NULL;
    g_autofree char *never = NULL;
    uint32_t ops = known_caps(qc_env.t->hdr.abi_minor);

    if (!d) {
        return;
    }
    check_declaration(ctx, d);
    if (qc_has_failed(ctx) || !qc_disk_fits(d, d->block, "one request") ||
        !exercise(d) || ((d->caps & QBP_CAP_TRUNCATE) && !resize(d))) {
        qc_disk_close(d);
        return;
    }
    qc_disk_close(d);
    declared = qc_caps_text(d->caps & ops);
    never = qc_caps_text(~d->caps & ops);
    qc_pass(ctx, "read and what the disk declares (%s) each worked%s%s%s",
            declared, (~d->caps & ops) ? "; what it does not (" : "",
            (~d->caps & ops) ? never : "",
            (~d->caps & ops) ? ") was never called" : "");
}

/* ---- errors ---- */

static char *kv_text(const struct qbp_kv *kv, size_t n)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%s=%s", i ? "," : "", kv[i].key,
                               kv[i].value);
    }
    return g_string_free(s, FALSE);
}

/* One request under the error options; a failure must be a negative errno. */
static bool failing(struct qc_disk *d, struct qc_req *r, GString *seen)
{
    g_autofree char *what = NULL;

    if (!r) {
        return false;
    }
    if (r->op == QC_OP_WRITE) {
        qc_req_fill(r, qc_gen_new());
    }
    if (qc_submit(r) && !qc_wait(d, &r, 1)) {
        return false;
    }
    what = qc_req_describe(r);
    if ((r->accepted && r->result < 0) || (!r->accepted && r->submit_ret < 0)) {
        int64_t e = r->accepted ? r->result : r->submit_ret;
        g_autofree char *txt = qc_errno_text(e);

        if (!qc_req_check(r, true)) {
            return false;
        }
        g_string_append_printf(seen, "%s%s %s with %" PRId64 " (%s)",
                               seen->len ? ", " : "", what,
                               r->accepted ? "failed" : "was refused", e, txt);
        return true;
    }
    /* A success must still be a proper one. */
    if (qc_req_check(r, false)) {
        qc_note(d->ctx, "%s succeeded despite the error options", what);
        return true;
    }
    return false;
}

void qc_check_errors(struct qc_ctx *ctx)
{
    const struct qc_config *cfg = &qc_env.cfg;
    g_autofree char *given = kv_text(cfg->error_options, cfg->n_error_options);
    g_autoptr(GString) seen = g_string_new(NULL);
    struct qc_disk *d;

    if (!cfg->n_error_options) {
        qc_skip(ctx, "give --error-option KEY=VALUE, options under which the "
                "plugin fails its requests (the file plugin's "
                "inject-error=EIO, say), to check how errors are reported");
        return;
    }
    d = qc_disk_open(ctx, 0, cfg->error_options, cfg->n_error_options);
    if (!d) {
        return;
    }
    if (qc_disk_fits(d, d->block, "one request") &&
        failing(d, qc_req_new(d, QC_OP_READ, 0, d->block, 0), seen) &&
        (!d->writable ||
         failing(d, qc_req_new(d, QC_OP_WRITE, 0, d->block, 0), seen))) {
        if (seen->len) {
            qc_pass(ctx, "with %s, %s: negative errnos, each completed once",
                    given, seen->str);
        } else {
            qc_fail(ctx, "with %s no request failed: --error-option should "
                    "name options under which reads or writes fail", given);
        }
    }
    qc_disk_close(d);
}
